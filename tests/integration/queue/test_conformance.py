"""The queue's storage contract: one suite, run against every backend (SQLite and PostgreSQL).

Each test gets a fresh, upgraded database (see conftest.py). Times are kept short (tenths of a
second) where a test must wait for a lease or a deferral to run out; ``reap_interval`` is 0, so every
claim first returns expired leases.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from robots.queue import (
    Attachment,
    ErrorKind,
    Event,
    FileRef,
    InvalidItem,
    InvalidTransition,
    ItemNotFound,
    LeaseExpiry,
    LeaseLost,
    NewItem,
    QueueBackend,
    QueueSpec,
    Resolution,
    Status,
    UnknownQueue,
    WorkItem,
)

Q = "payroll.flex"
W1 = "worker-1@host:1:aaaaaa"
W2 = "worker-2@host:2:bbbbbb"
DB_ERRORS = (sqlite3.Error, psycopg.Error)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
SHORT = 0.5  # seconds: a wait that must not be over before the next assertion, even on a busy machine


def is_sqlite(b: QueueBackend) -> bool:
    return b.url.startswith("sqlite:")


def define(b: QueueBackend, name: str = Q, **settings: Any) -> QueueSpec:
    spec = QueueSpec(name, **{"lease_seconds": 60.0, "backoff_seconds": 0.3, **settings})
    b.define_queue(spec)
    return spec


def add(b: QueueBackend, *references: str, queue: str = Q, **fields: Any) -> list[int]:
    result = b.add(queue, [NewItem(ref, {"ref": ref}, **fields) for ref in references])
    assert not result.skipped
    return [result.added[ref] for ref in references]


def claim(b: QueueBackend, worker: str = W1, queue: str = Q, **kw: Any) -> WorkItem:
    item = b.claim_one(queue, worker, **kw)
    assert item is not None, "expected an item to claim"
    return item


def trail(b: QueueBackend, item_id: int) -> list[tuple[str, str | None, str | None]]:
    return [(e.action, e.from_status, e.to_status) for e in b.events(item_id)]


def last_event(b: QueueBackend, item_id: int) -> Event:
    return b.events(item_id)[-1]


def all_events(b: QueueBackend) -> list[Event]:
    return b.events(limit=1_000_000)


def drain_refs(b: QueueBackend, queue: str = Q) -> list[str]:
    refs = []
    while (item := b.claim_one(queue, W1)) is not None:
        refs.append(item.reference)
    return refs


# -- adding -------------------------------------------------------------------------------------


def test_add_creates_new_items_with_a_created_event(backend: QueueBackend) -> None:
    define(backend, max_attempts=4)
    result = backend.add(Q, [
        NewItem("2026-05:0101", {"name": "Åse Ærø", "hours": 12.5, "tags": ["a"], "nested": {"x": None}}),
        NewItem("2026-05:0102", max_attempts=2, priority=3, run_id="run-1"),
    ], actor="import:anna")
    assert result.skipped == []
    assert set(result.added) == {"2026-05:0101", "2026-05:0102"}
    first, second = (backend.get(result.added[r]) for r in ("2026-05:0101", "2026-05:0102"))
    assert first.reference == "2026-05:0101" and first.queue == Q
    assert first.payload == {"name": "Åse Ærø", "hours": 12.5, "tags": ["a"], "nested": {"x": None}}
    assert (first.status, first.attempts, first.max_attempts, first.priority) == (Status.NEW, 0, 4, 0)
    assert first.created_by == "import:anna"
    assert first.lease_owner is None and first.started_at is None and first.finished_at is None
    assert (second.max_attempts, second.priority, second.run_id) == (2, 3, "run-1")
    for item in (first, second):
        [event] = backend.events(item.id)
        assert (event.action, event.actor, event.from_status, event.to_status) == (
            "created", "import:anna", None, "new")
        assert event.queue == Q and event.item_id == item.id
    assert backend.find(Q, "2026-05:0102") == second
    assert backend.find(Q, "2026-05:9999") is None
    assert backend.add_one(Q, "2026-05:0103", {"a": 1}) == backend.find(Q, "2026-05:0103").id


def test_same_reference_twice_is_skipped_and_changes_nothing(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "ref-1", priority=2)
    before = backend.get(item_id)
    again = backend.add(Q, [NewItem("ref-1", {"other": True}, priority=9), NewItem("ref-2")])
    assert again.skipped == ["ref-1"]
    assert list(again.added) == ["ref-2"]
    assert backend.get(item_id) == before
    assert trail(backend, item_id) == [("created", None, "new")]
    assert backend.add_one(Q, "ref-1", {"other": True}) is None
    assert backend.get(item_id) == before
    assert [e.action for e in all_events(backend)] == ["created", "created"]


def test_skipped_reference_is_not_changed_even_when_done(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "ref-1")
    backend.complete(claim(backend).id, W1, {"ok": True})
    assert backend.add(Q, [NewItem("ref-1")]).skipped == ["ref-1"]
    assert backend.get(item_id).status is Status.DONE
    assert backend.claim_one(Q, W1) is None


def test_reference_is_unique_per_queue_not_globally(backend: QueueBackend) -> None:
    define(backend, "a")
    define(backend, "b")
    [in_a] = add(backend, "ref-1", queue="a")
    [in_b] = add(backend, "ref-1", queue="b")
    assert in_a != in_b
    assert backend.find("b", "ref-1").id == in_b


def test_reference_repeated_within_one_batch_counts_once(backend: QueueBackend) -> None:
    define(backend)
    result = backend.add(Q, [NewItem("r1", {"v": 1}), NewItem("r2"), NewItem("r1", {"v": 2}), NewItem("r1")])
    assert set(result.added) == {"r1", "r2"}
    assert result.skipped == ["r1", "r1"]
    assert backend.get(result.added["r1"]).payload == {"v": 1}  # the first one wins
    assert backend.stats(Q)[Q]["new"] == 2
    assert [e.action for e in all_events(backend)] == ["created", "created"]


MALFORMED = {
    "empty reference": NewItem(""),
    "blank reference": NewItem("   "),
    "reference too long": NewItem("x" * 501),
    "payload not an object": NewItem("bad", [1, 2]),  # type: ignore[arg-type]
    "payload with a date": NewItem("bad", {"when": datetime(2026, 6, 1, tzinfo=UTC)}),
    "payload with NaN": NewItem("bad", {"amount": float("nan")}),
    "max_attempts 0": NewItem("bad", max_attempts=0),
    "naive not_before": NewItem("bad", not_before=datetime(2026, 6, 1, 8, 0)),
    "naive deadline": NewItem("bad", deadline=datetime(2026, 6, 1, 8, 0)),
}


def test_bulk_add_of_5000_is_all_or_nothing(backend: QueueBackend) -> None:
    define(backend)
    items = [NewItem(f"2026-05:{n:05d}", {"n": n}) for n in range(5000)]
    for kind, bad in MALFORMED.items():
        with pytest.raises(InvalidItem):
            backend.add(Q, [*items[:3777], bad, *items[3777:]])
        assert backend.stats(Q)[Q]["new"] == 0, f"{kind}: items were written"
        assert all_events(backend) == [], f"{kind}: events were written"


@pytest.mark.slow
def test_bulk_add_of_5000_in_one_call(backend: QueueBackend) -> None:
    define(backend)
    result = backend.add(Q, [NewItem(f"2026-05:{n:05d}", {"n": n}) for n in range(5000)])
    assert len(result.added) == 5000 and result.skipped == []
    assert backend.stats(Q)[Q]["new"] == 5000
    events = all_events(backend)
    assert len(events) == 5000 and {e.action for e in events} == {"created"}
    assert {e.item_id for e in events} == set(result.added.values())
    assert backend.get(result.added["2026-05:04242"]).payload == {"n": 4242}
    # Adding the same 5,000 plus one new: only the new one is written.
    again = backend.add(Q, [NewItem(f"2026-05:{n:05d}", {"n": -n}) for n in range(5001)])
    assert list(again.added) == ["2026-05:05000"] and len(again.skipped) == 5000
    assert len(all_events(backend)) == 5001


def test_bulk_add_refused_by_the_database_writes_nothing(backend: QueueBackend) -> None:
    # An error only the database can see (the parent does not exist), late in the batch.
    define(backend)
    items = [NewItem(f"r{n}") for n in range(50)] + [NewItem("orphan", parent_id=999_999)]
    with pytest.raises(DB_ERRORS):
        backend.add(Q, items)
    assert backend.items(queue=Q) == [] and all_events(backend) == []
    assert list(backend.add(Q, items[:50]).added) == [f"r{n}" for n in range(50)]  # still usable


# -- claiming: order, not_before, limit --------------------------------------------------------


def test_claim_order_is_priority_then_deadline_then_fifo(backend: QueueBackend) -> None:
    define(backend)
    day = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    backend.add(Q, [NewItem("fifo-1"), NewItem("deadline-late", deadline=day + timedelta(days=2))])
    backend.add(Q, [
        NewItem("urgent-no-deadline", priority=5),
        # 11:30 in Copenhagen (summer) is 09:30 UTC: earlier than 10:00 UTC, whatever the wall clock says.
        NewItem("deadline-early", deadline=datetime(2026, 6, 1, 11, 30, tzinfo=COPENHAGEN)),
        NewItem("deadline-mid", deadline=day),
        NewItem("low-with-deadline", priority=-1, deadline=day - timedelta(days=30)),
    ])
    backend.add(Q, [NewItem("urgent-deadline", priority=5, deadline=day + timedelta(days=9))])
    backend.add(Q, [NewItem("fifo-2")])
    assert drain_refs(backend) == [
        "urgent-deadline", "urgent-no-deadline", "deadline-early", "deadline-mid", "deadline-late",
        "fifo-1", "fifo-2", "low-with-deadline",
    ]


def test_claim_leases_the_item(backend: QueueBackend) -> None:
    define(backend, lease_seconds=120)
    [item_id] = add(backend, "a")
    item = claim(backend, W1)
    assert item.id == item_id
    assert (item.status, item.attempts, item.lease_owner) == (Status.IN_PROGRESS, 1, W1)
    assert item.lease_expires_at - item.started_at == timedelta(seconds=120)
    assert backend.get(item_id) == item
    add(backend, "b")
    short = claim(backend, W2, lease_seconds=0.5)
    assert short.lease_expires_at - short.started_at == timedelta(seconds=0.5)
    assert backend.claim_one(Q, W2) is None  # nothing else to do
    event = last_event(backend, item_id)
    assert (event.action, event.actor, event.from_status, event.to_status, event.reason) == (
        "claimed", W1, "new", "in_progress", "attempt 1")


def test_claim_with_a_limit_takes_a_batch_in_order(backend: QueueBackend) -> None:
    define(backend)
    ids = add(backend, *(f"r{n}" for n in range(7)))
    backend.add(Q, [NewItem("first", priority=1)])
    batch = backend.claim(Q, W1, limit=3)
    assert [i.reference for i in batch] == ["first", "r0", "r1"]
    assert all(i.status is Status.IN_PROGRESS and i.lease_owner == W1 and i.attempts == 1 for i in batch)
    rest = backend.claim(Q, W2, limit=10)
    assert [i.reference for i in rest] == [f"r{n}" for n in range(2, 7)]
    assert backend.claim(Q, W2, limit=10) == []
    assert {i.id for i in batch + rest} == {*ids, backend.find(Q, "first").id}
    assert all(trail(backend, i) == [("created", None, "new"), ("claimed", "new", "in_progress")] for i in ids)


def test_claim_only_takes_new_items_of_its_own_queue(backend: QueueBackend) -> None:
    define(backend, "other")
    define(backend)
    add(backend, "elsewhere", queue="other")
    assert backend.claim_one(Q, W1) is None
    assert claim(backend, W1, queue="other").reference == "elsewhere"


def test_not_before_is_respected(backend: QueueBackend) -> None:
    define(backend)
    soon = datetime.now(UTC) + timedelta(seconds=SHORT)
    backend.add(Q, [NewItem("later", not_before=soon, priority=9), NewItem("now")])
    assert claim(backend).reference == "now"
    assert backend.claim_one(Q, W1) is None
    time.sleep(SHORT + 0.1)
    item = claim(backend)
    assert item.reference == "later" and item.not_before == soon


def test_deferred_item_waits_and_does_not_count_the_attempt(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "a")
    claim(backend)
    until = datetime.now(UTC) + timedelta(seconds=SHORT)
    deferred = backend.defer(item_id, W1, until, "payroll run not closed")
    assert (deferred.status, deferred.attempts, deferred.not_before, deferred.lease_owner) == (
        Status.NEW, 0, until, None)
    event = last_event(backend, item_id)
    assert (event.action, event.actor, event.from_status, event.to_status, event.reason) == (
        "deferred", W1, "in_progress", "new", "payroll run not closed")
    assert event.detail == {"until": until.isoformat()}
    assert backend.claim_one(Q, W2) is None
    time.sleep(SHORT + 0.1)
    again = claim(backend, W2)
    assert (again.id, again.attempts) == (item_id, 1)


def test_defer_refuses_a_naive_time_and_changes_nothing(backend: QueueBackend) -> None:
    define(backend)
    add(backend, "a")
    item = claim(backend)
    with pytest.raises(ValueError, match="timezone-aware"):
        backend.defer(item.id, W1, datetime.now() + timedelta(hours=1), "r")
    assert backend.get(item.id) == item
    assert trail(backend, item.id)[-1][0] == "claimed"


# -- completing ---------------------------------------------------------------------------------


def test_complete(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "a")
    claim(backend)
    done = backend.complete(item_id, W1, {"subsidy_ore": 1635200, "note": "ÆØÅ"})
    assert done.status is Status.DONE
    assert done.output == {"subsidy_ore": 1635200, "note": "ÆØÅ"}
    assert done.finished_at is not None and done.lease_owner is None and done.lease_expires_at is None
    assert backend.get(item_id) == done
    assert trail(backend, item_id) == [
        ("created", None, "new"), ("claimed", "new", "in_progress"), ("completed", "in_progress", "done")]
    assert last_event(backend, item_id).actor == W1
    with pytest.raises(LeaseLost):
        backend.complete(item_id, W1)
    assert len(backend.events(item_id)) == 3


def test_complete_many_is_one_all_or_nothing_batch(backend: QueueBackend) -> None:
    define(backend)
    ids = add(backend, "a", "b", "c", "d")
    batch = backend.claim(Q, W1, limit=3)
    other = claim(backend, W2)
    # One item not held by W1: nothing changes, not even the items W1 does hold.
    with pytest.raises(LeaseLost):
        backend.complete_many(W1, {batch[0].id: {"n": 0}, other.id: None, batch[1].id: None})
    assert [backend.get(i).status for i in ids] == [Status.IN_PROGRESS] * 4
    done = backend.complete_many(W1, {i.id: {"n": n} for n, i in enumerate(reversed(batch))})
    assert [d.id for d in done] == sorted(i.id for i in batch)
    assert all(d.status is Status.DONE and d.lease_owner is None for d in done)
    assert {d.id: d.output for d in done} == {i.id: {"n": n} for n, i in enumerate(reversed(batch))}
    for item in batch:
        assert trail(backend, item.id)[-1] == ("completed", "in_progress", "done")
        assert last_event(backend, item.id).actor == W1
    assert backend.complete_many(W1, {}) == []
    with pytest.raises(LeaseLost):  # done already: not held any more
        backend.complete_many(W1, {batch[0].id: None})


def test_hot_paths_work_after_a_rolled_back_transition(backend: QueueBackend) -> None:
    # A transition refused inside its transaction rolls it back (on PostgreSQL psycopg then
    # deallocates the session's prepared statements, which the hot paths prepare once and reuse).
    define(backend)
    first, second, third = add(backend, "a", "b", "c")
    held = claim(backend)
    assert held.id == first
    for _ in range(6):  # psycopg prepares a statement on its 5th run; its rollback then deallocates all
        assert backend.get(held.id).status is Status.IN_PROGRESS
    with pytest.raises(LeaseLost):
        backend.fail(held.id, W2, ErrorKind.APPLICATION, "X", "not W2's item")
    nxt = backend.complete_and_claim(held.id, W1, {"ok": True})
    assert nxt is not None and nxt.id == second and nxt.lease_owner == W1
    with pytest.raises(LeaseLost):
        backend.release(nxt.id, W2)
    assert [i.id for i in backend.claim(Q, W2, limit=5)] == [third]
    assert backend.complete(nxt.id, W1).status is Status.DONE
    assert backend.get(first).output == {"ok": True}
    with pytest.raises(LeaseLost):  # the hot path's own refusal, after all that
        backend.complete_and_claim(first, W1)


def test_complete_after_a_retry_clears_the_error(backend: QueueBackend) -> None:
    define(backend, backoff_seconds=0)
    [item_id] = add(backend, "a")
    backend.fail(claim(backend).id, W1, ErrorKind.APPLICATION, "HTTP500", "server error")
    done = backend.complete(claim(backend).id, W1)
    assert (done.status, done.attempts, done.error_kind, done.error_code, done.error_message) == (
        Status.DONE, 2, None, None, None)
    assert done.output is None
    assert backend.get(item_id) == done


def test_complete_and_claim_takes_the_next_in_one_call(backend: QueueBackend) -> None:
    define(backend)
    backend.add(Q, [NewItem("c"), NewItem("b", priority=1), NewItem("a", priority=2)])
    add(backend, "elsewhere", queue=define(backend, "other").name)
    first = claim(backend)
    assert first.reference == "a"
    second = backend.complete_and_claim(first.id, W1, {"n": 1})
    assert second is not None and second.reference == "b"
    assert (second.status, second.lease_owner, second.attempts) == (Status.IN_PROGRESS, W1, 1)
    assert backend.get(second.id) == second
    assert backend.get(first.id).status is Status.DONE and backend.get(first.id).output == {"n": 1}
    third = backend.complete_and_claim(second.id, W1, {"n": 2}, lease_seconds=7)
    assert third.reference == "c" and third.lease_expires_at - third.started_at == timedelta(seconds=7)
    assert backend.complete_and_claim(third.id, W1, {"n": 3}) is None
    assert backend.get(third.id).status is Status.DONE
    assert backend.stats(Q)[Q]["done"] == 3
    assert backend.stats("other")["other"]["new"] == 1  # never takes another queue's item
    for item in (first, second, third):
        assert trail(backend, item.id) == [
            ("created", None, "new"), ("claimed", "new", "in_progress"), ("completed", "in_progress", "done")]


def test_complete_and_claim_respects_not_before(backend: QueueBackend) -> None:
    define(backend)
    backend.add(Q, [NewItem("a"), NewItem("later", not_before=datetime.now(UTC) + timedelta(hours=1))])
    assert backend.complete_and_claim(claim(backend).id, W1) is None
    assert backend.find(Q, "later").status is Status.NEW


def test_complete_and_claim_with_a_lost_lease_claims_nothing(
    backend: QueueBackend, open_backend: Callable[[], QueueBackend],
) -> None:
    define(backend)
    [a, b, c] = add(backend, "a", "b", "c")
    claim(backend, W1, lease_seconds=0.2)
    time.sleep(0.3)
    taken = claim(open_backend(), W2)  # another worker's connection reaps the lease and takes "a" again
    assert (taken.id, taken.attempts) == (a, 2)
    with pytest.raises(LeaseLost):
        backend.complete_and_claim(a, W1, {"late": True})
    after = backend.get(a)
    assert (after.status, after.lease_owner, after.output) == (Status.IN_PROGRESS, W2, None)
    for other in (b, c):
        assert backend.get(other).status is Status.NEW and backend.get(other).attempts == 0
        assert trail(backend, other) == [("created", None, "new")]
    assert [e.actor for e in backend.events(a) if e.action == "completed"] == []


NOT_JSON: list[dict[str, Any]] = [{"paid_at": datetime(2026, 6, 1, tzinfo=UTC)}, {"amount": float("nan")},
                                  {"ids": {1, 2}}]


@pytest.mark.parametrize("output", NOT_JSON, ids=["date", "NaN", "set"])
def test_output_that_is_not_plain_json_is_refused_alike(backend: QueueBackend, output: dict[str, Any]) -> None:
    # One backend must not store str(value) where the other refuses: the robot would work on
    # SQLite in development and fail on PostgreSQL in production.
    define(backend)
    add(backend, "a", "b")
    item = claim(backend)
    for attempt in (lambda: backend.complete(item.id, W1, output),
                    lambda: backend.complete_and_claim(item.id, W1, output)):
        with pytest.raises((TypeError, ValueError, psycopg.DataError)):
            attempt()
        assert backend.get(item.id) == item
        assert backend.find(Q, "b").status is Status.NEW
    backend.fail(item.id, W1, ErrorKind.BUSINESS, "X", "m")
    with pytest.raises((TypeError, ValueError, psycopg.DataError)):
        backend.resolve(item.id, "anna", Resolution.RETRY, "fixed", payload=output)
    assert backend.get(item.id).status is Status.MANUAL
    assert [e.action for e in backend.events(item.id)] == ["created", "claimed", "failed"]


# -- failing ------------------------------------------------------------------------------------


def test_business_error_goes_to_manual_and_is_never_retried(backend: QueueBackend) -> None:
    define(backend, max_attempts=5)
    [item_id] = add(backend, "a")
    claim(backend)
    item = backend.fail(item_id, W1, ErrorKind.BUSINESS, "WATCHLIST", "citizen is on the watch list")
    assert (item.status, item.manual_reason, item.error_kind, item.error_code, item.error_message) == (
        Status.MANUAL, "WATCHLIST", ErrorKind.BUSINESS, "WATCHLIST", "citizen is on the watch list")
    assert (item.attempts, item.lease_owner, item.lease_expires_at) == (1, None, None)
    assert backend.claim_one(Q, W1) is None
    event = last_event(backend, item_id)
    assert (event.action, event.actor, event.from_status, event.to_status, event.reason) == (
        "failed", W1, "in_progress", "manual", "WATCHLIST")
    assert event.detail == {"kind": "business", "code": "WATCHLIST"}
    assert [i.id for i in backend.items(queue=Q, status=Status.MANUAL, reason="WATCHLIST")] == [item_id]
    assert backend.items(queue=Q, status="manual", reason="retries_exhausted") == []


def test_application_error_retries_with_backoff_then_goes_to_manual(backend: QueueBackend) -> None:
    define(backend, max_attempts=2, backoff_seconds=SHORT)
    [item_id] = add(backend, "a")
    claim(backend)
    item = backend.fail(item_id, W1, "application", "HTTP500", "Internal Server Error")
    assert (item.status, item.attempts, item.error_kind, item.error_code) == (
        Status.NEW, 1, ErrorKind.APPLICATION, "HTTP500")
    assert item.not_before - item.updated_at == timedelta(seconds=SHORT)
    event = last_event(backend, item_id)
    assert (event.action, event.actor, event.from_status, event.to_status, event.reason) == (
        "retry_scheduled", W1, "in_progress", "new", "HTTP500: attempt 1 of 2")
    assert event.detail == {"backoff_seconds": SHORT, "kind": "application", "code": "HTTP500"}
    assert backend.claim_one(Q, W2) is None  # backing off
    time.sleep(SHORT + 0.1)
    again = claim(backend, W2)
    assert (again.id, again.attempts) == (item_id, 2)
    final = backend.fail(item_id, W2, ErrorKind.APPLICATION, "TIMEOUT", "no answer")
    assert (final.status, final.manual_reason, final.error_code, final.attempts) == (
        Status.MANUAL, "retries_exhausted", "TIMEOUT", 2)
    event = last_event(backend, item_id)
    assert (event.action, event.to_status, event.reason, event.detail["attempts"]) == (
        "failed", "manual", "retries_exhausted", 2)
    assert backend.claim_one(Q, W2) is None


def test_application_backoff_grows_and_is_capped(backend: QueueBackend) -> None:
    define(backend, max_attempts=5, backoff_seconds=0.1, backoff_max_seconds=0.15)
    [item_id] = add(backend, "a")
    delays = []
    for _ in range(3):
        while (item := backend.claim_one(Q, W1)) is None:
            time.sleep(0.02)
        failed = backend.fail(item.id, W1, ErrorKind.APPLICATION, "X", "m")
        delays.append((failed.not_before - failed.updated_at).total_seconds())
    assert delays == [0.1, 0.15, 0.15]
    assert backend.get(item_id).attempts == 3


def test_failing_an_item_not_held_is_lease_lost(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "a")
    with pytest.raises(LeaseLost):  # nobody holds it
        backend.fail(item_id, W1, ErrorKind.BUSINESS, "X", "m")
    claim(backend, W1)
    for attempt in (
        lambda: backend.fail(item_id, W2, ErrorKind.BUSINESS, "X", "m"),
        lambda: backend.defer(item_id, W2, datetime.now(UTC), "r"),
        lambda: backend.release(item_id, W2),
        lambda: backend.complete(item_id, W2),
        lambda: backend.complete_and_claim(item_id, W2),
        lambda: backend.heartbeat(item_id, W2),
    ):
        with pytest.raises(LeaseLost) as caught:
            attempt()
        assert caught.value.item_id == item_id and caught.value.worker == W2
    assert backend.get(item_id).lease_owner == W1
    assert len(backend.events(item_id)) == 2


def test_release_gives_the_item_back_at_once(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "a")
    claim(backend, W1)
    released = backend.release(item_id, W1, "worker stopping")
    assert (released.status, released.attempts, released.lease_owner, released.not_before) == (
        Status.NEW, 0, None, None)
    assert last_event(backend, item_id).reason == "worker stopping"
    assert trail(backend, item_id)[-1] == ("released", "in_progress", "new")
    assert (claim(backend, W2).id, backend.get(item_id).attempts) == (item_id, 1)


# -- files --------------------------------------------------------------------------------------


def test_files_attached_on_fail_round_trip_byte_for_byte(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "a")
    claim(backend)
    screenshot = os.urandom(300_000) + b"\x00\x00\xff"
    html = "<html><body>Beløb: 1.635,20 kr. – Ærø</body></html>".encode()
    backend.fail(item_id, W1, ErrorKind.BUSINESS, "CRITERIA", "m", files=[
        Attachment("screen.png", screenshot), Attachment("page.html", html), Attachment("empty.bin", b""),
        Attachment("data", b"{}", content_type="application/json"),
    ])
    refs = backend.files(item_id)
    assert [r.name for r in refs] == ["screen.png", "page.html", "empty.bin", "data"]
    assert [r.content_type for r in refs] == ["image/png", "text/html", "application/octet-stream",
                                              "application/json"]
    for ref, content in zip(refs, (screenshot, html, b"", b"{}"), strict=True):
        assert ref.item_id == item_id
        assert ref.size == len(content)
        assert ref.sha256 == hashlib.sha256(content).hexdigest()
        assert backend.file_content(ref.id) == content
    assert last_event(backend, item_id).detail["files"] == [r.id for r in refs]


def test_attach_stores_a_file_and_records_it(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "a")
    letter = b"%PDF-1.7\n" + bytes(range(256)) * 100
    ref = backend.attach(item_id, Attachment("letter.pdf", letter), actor="robot:letters")
    assert isinstance(ref, FileRef) and ref.content_type == "application/pdf"
    assert backend.files(item_id) == [ref]
    assert backend.file_content(ref.id) == letter
    event = last_event(backend, item_id)
    assert (event.action, event.actor, event.reason) == ("file_attached", "robot:letters", "letter.pdf")
    assert event.detail == {"file_id": ref.id, "sha256": hashlib.sha256(letter).hexdigest(), "size": len(letter)}
    assert backend.get(item_id).status is Status.NEW  # attaching is no transition


# -- people: resolve, retry, cancel, assign, comment ------------------------------------------


def _manual(b: QueueBackend, reference: str = "a", code: str = "WATCHLIST") -> WorkItem:
    [item_id] = add(b, reference)
    claimed = claim(b)
    assert claimed.id == item_id
    return b.fail(item_id, W1, ErrorKind.BUSINESS, code, "needs a person")


def test_resolve_done(backend: QueueBackend) -> None:
    define(backend)
    item = _manual(backend)
    done = backend.resolve(item.id, "anna", Resolution.DONE, "paid by hand")
    assert (done.status, done.resolution) == (Status.DONE, "done")
    assert done.finished_at is not None
    event = last_event(backend, item.id)
    assert (event.action, event.actor, event.from_status, event.to_status, event.reason, event.detail) == (
        "resolved", "anna", "manual", "done", "paid by hand", {"resolution": "done"})
    with pytest.raises(InvalidTransition):
        backend.resolve(item.id, "anna", Resolution.DONE, "again")


def test_resolve_cancelled(backend: QueueBackend) -> None:
    define(backend)
    item = _manual(backend)
    cancelled = backend.resolve(item.id, "anna", "cancelled", "citizen moved away")
    assert (cancelled.status, cancelled.resolution) == (Status.CANCELLED, "cancelled")
    assert trail(backend, item.id)[-1] == ("resolved", "manual", "cancelled")
    assert backend.claim_one(Q, W1) is None


def test_resolve_back_to_the_robot_with_a_changed_payload(backend: QueueBackend) -> None:
    define(backend, max_attempts=1)
    [item_id] = add(backend, "a")
    claim(backend)
    backend.fail(item_id, W1, ErrorKind.APPLICATION, "HTTP500", "m")  # retries exhausted
    backend.assign(item_id, "anna", "anna")
    back = backend.resolve(item_id, "anna", Resolution.RETRY, "hours corrected", payload={"ref": "a", "hours": 7})
    assert (back.status, back.attempts, back.payload, back.resolution) == (
        Status.NEW, 0, {"ref": "a", "hours": 7}, "new")
    assert (back.manual_reason, back.error_kind, back.error_code, back.assigned_to, back.not_before) == (
        None, None, None, None, None)
    event = last_event(backend, item_id)
    assert (event.action, event.from_status, event.to_status, event.reason) == (
        "resolved", "manual", "new", "hours corrected")
    assert event.detail == {"resolution": "new", "payload_before": {"ref": "a"},
                            "payload_after": {"ref": "a", "hours": 7}}
    again = claim(backend, W2)
    assert (again.id, again.attempts, again.payload["hours"]) == (item_id, 1, 7)


@pytest.mark.parametrize("comment", ["", "  "])
def test_resolve_needs_a_comment_and_writes_nothing_without(backend: QueueBackend, comment: str) -> None:
    define(backend)
    item = _manual(backend)
    with pytest.raises(InvalidTransition, match="needs a comment"):
        backend.resolve(item.id, "anna", Resolution.DONE, comment)
    assert backend.get(item.id) == item
    assert trail(backend, item.id)[-1][0] == "failed"


def test_resolve_refuses_items_not_in_manual_handling(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "a")
    with pytest.raises(InvalidTransition, match="cannot resolve"):
        backend.resolve(item_id, "anna", Resolution.DONE, "c")


def test_retry_sends_a_manual_or_waiting_item_back_now(backend: QueueBackend) -> None:
    define(backend, backoff_seconds=3600)
    item = _manual(backend, "manual")
    retried = backend.retry(item.id, "ops", "system is back")
    assert (retried.status, retried.attempts, retried.manual_reason, retried.error_code) == (
        Status.NEW, 0, None, None)
    event = last_event(backend, item.id)
    assert (event.action, event.actor, event.from_status, event.to_status, event.reason) == (
        "retried", "ops", "manual", "new", "system is back")
    # A waiting item (an hour of backoff) is claimable at once after a retry.
    assert claim(backend, W1).id == item.id
    backend.fail(item.id, W1, ErrorKind.APPLICATION, "HTTP500", "m")
    assert backend.claim_one(Q, W1) is None
    backend.retry(item.id, "ops")
    assert last_event(backend, item.id).reason == "retry requested"
    assert claim(backend, W1).id == item.id
    with pytest.raises(InvalidTransition, match="cannot retry"):
        backend.retry(item.id, "ops")  # in progress


def test_cancel(backend: QueueBackend) -> None:
    define(backend)
    manual = _manual(backend, "manual")
    [busy_id] = add(backend, "busy")
    busy = claim(backend, W2)
    assert busy.id == busy_id
    [new_id] = add(backend, "new")
    cancelled = backend.cancel(new_id, "ops", "duplicate")
    assert cancelled.status is Status.CANCELLED and cancelled.finished_at is not None
    assert (last_event(backend, new_id).action, last_event(backend, new_id).reason) == ("cancelled", "duplicate")
    assert backend.cancel(manual.id, "ops").status is Status.CANCELLED
    assert trail(backend, manual.id)[-1] == ("cancelled", "manual", "cancelled")
    with pytest.raises(InvalidTransition, match="is working on it"):
        backend.cancel(busy_id, "ops", "r")
    assert backend.get(busy_id) == busy
    assert trail(backend, busy_id)[-1][0] == "claimed"
    with pytest.raises(InvalidTransition):
        backend.cancel(new_id, "ops", "twice")
    assert backend.claim_one(Q, W1) is None


def test_assign_and_comment(backend: QueueBackend) -> None:
    define(backend)
    item = _manual(backend)
    assert backend.assign(item.id, "lead", "anna").assigned_to == "anna"
    event = last_event(backend, item.id)
    assert (event.action, event.actor, event.from_status, event.to_status, event.reason, event.detail) == (
        "assigned", "lead", "manual", "manual", "assigned to anna", {"from": None})
    assert backend.assign(item.id, "anna", None).assigned_to is None
    assert (last_event(backend, item.id).reason, last_event(backend, item.id).detail) == (
        "unassigned", {"from": "anna"})
    comment = backend.comment(item.id, "anna", "Rang til borgeren, afventer svar")
    assert (comment.action, comment.actor, comment.from_status, comment.to_status, comment.reason) == (
        "commented", "anna", "manual", "manual", "Rang til borgeren, afventer svar")
    assert last_event(backend, item.id) == comment
    with pytest.raises(InvalidItem):
        backend.comment(item.id, "anna", "  ")
    [other] = add(backend, "new-one")
    with pytest.raises(InvalidTransition, match="cannot assign"):
        backend.assign(other, "lead", "anna")
    assert backend.comment(other, "anna", "a note on a new item").to_status == "new"
    assert backend.get(item.id).status is Status.MANUAL


# -- leases -------------------------------------------------------------------------------------


def test_heartbeat_extends_the_lease(backend: QueueBackend) -> None:
    define(backend, lease_seconds=40)
    [item_id] = add(backend, "a")
    item = claim(backend, W1, lease_seconds=0.3)
    until = backend.heartbeat(item_id, W1, lease_seconds=30)
    assert until - item.lease_expires_at > timedelta(seconds=29)
    assert backend.get(item_id).lease_expires_at == until
    time.sleep(0.4)  # past the first lease
    assert backend.claim_one(Q, W2) is None
    assert backend.requeue_expired() == []
    default = backend.heartbeat(item_id, W1)  # the queue's lease_seconds
    assert timedelta(seconds=39) < default - datetime.now(UTC) <= timedelta(seconds=40)
    assert backend.get(item_id).lease_owner == W1
    assert [e.action for e in backend.events(item_id)] == ["created", "claimed"]  # no event per heartbeat


def test_an_expired_lease_goes_back_to_new_and_the_old_worker_loses_it(backend: QueueBackend) -> None:
    define(backend, max_attempts=3)
    [item_id] = add(backend, "a")
    claim(backend, W1, lease_seconds=0.2)
    time.sleep(0.3)
    moved = backend.requeue_expired()
    assert [(i.id, i.status, i.attempts, i.lease_owner) for i in moved] == [(item_id, Status.NEW, 1, None)]
    event = last_event(backend, item_id)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "lease_expired", "lease-reaper", "in_progress", "new")
    assert event.detail == {"worker": W1, "attempts": 1}
    again = claim(backend, W2)
    assert (again.id, again.attempts, again.lease_owner) == (item_id, 2, W2)
    for lost in (lambda: backend.heartbeat(item_id, W1, 10), lambda: backend.complete(item_id, W1),
                 lambda: backend.fail(item_id, W1, ErrorKind.BUSINESS, "X", "m")):
        with pytest.raises(LeaseLost):
            lost()
    assert backend.complete(item_id, W2).status is Status.DONE
    assert [(e.action, e.actor) for e in backend.events(item_id)] == [
        ("created", "system"), ("claimed", W1), ("lease_expired", "lease-reaper"), ("claimed", W2),
        ("completed", W2)]


def test_claim_reaps_expired_leases(backend: QueueBackend) -> None:
    define(backend)
    [item_id] = add(backend, "a")
    claim(backend, W1, lease_seconds=SHORT)
    assert backend.claim_one(Q, W2) is None
    time.sleep(SHORT + 0.1)
    again = claim(backend, W2)  # reap_interval = 0: claim() reaps first
    assert (again.id, again.attempts) == (item_id, 2)


def test_expired_lease_with_no_attempts_left_is_abandoned(backend: QueueBackend) -> None:
    define(backend, max_attempts=2)
    [item_id] = add(backend, "a")
    for worker in (W1, W2):
        claim(backend, worker, lease_seconds=0.2)
        time.sleep(0.3)
        backend.requeue_expired()
    item = backend.get(item_id)
    assert (item.status, item.manual_reason, item.attempts, item.error_code, item.lease_owner) == (
        Status.MANUAL, "abandoned", 2, "abandoned", None)
    assert W2 in item.error_message
    event = last_event(backend, item_id)
    assert (event.action, event.to_status, event.reason, event.detail) == (
        "lease_expired", "manual", "abandoned", {"worker": W2, "attempts": 2})
    assert backend.claim_one(Q, W1) is None


def test_expired_lease_on_a_manual_expiry_queue_goes_to_a_person_at_once(backend: QueueBackend) -> None:
    define(backend, max_attempts=5, on_lease_expiry=LeaseExpiry.MANUAL)
    assert backend.queue(Q).on_lease_expiry is LeaseExpiry.MANUAL
    [item_id] = add(backend, "letter-1")
    claim(backend, W1, lease_seconds=0.2)
    time.sleep(0.3)
    assert backend.claim_one(Q, W2) is None  # reaped to manual, not handed out again
    item = backend.get(item_id)
    assert (item.status, item.manual_reason, item.attempts) == (Status.MANUAL, "abandoned", 1)


def test_requeue_expired_leaves_live_leases_and_other_queues_alone(backend: QueueBackend) -> None:
    define(backend)
    define(backend, "other")
    [short, long] = add(backend, "short", "long")
    [elsewhere] = add(backend, "x", queue="other")
    claim(backend, W1, lease_seconds=0.2)
    claim(backend, W1, lease_seconds=60)
    claim(backend, W1, queue="other", lease_seconds=0.2)
    time.sleep(0.3)
    assert [i.id for i in backend.requeue_expired(Q)] == [short]
    assert backend.get(long).status is Status.IN_PROGRESS
    assert backend.get(elsewhere).status is Status.IN_PROGRESS
    assert [i.id for i in backend.requeue_expired()] == [elsewhere]
    assert backend.requeue_expired() == []


# -- errors, reading ----------------------------------------------------------------------------


def test_unknown_queue_names_the_known_ones(backend: QueueBackend) -> None:
    with pytest.raises(UnknownQueue, match=r"none defined yet"):
        backend.add("nope", [NewItem("a")])
    define(backend, "b.second")
    define(backend, "a.first")
    for call in (lambda: backend.add("nope", [NewItem("a")]), lambda: backend.claim("nope", W1),
                 lambda: backend.stats("nope"), lambda: backend.queue("nope")):
        with pytest.raises(UnknownQueue, match=r"unknown queue 'nope' \(known queues: a\.first, b\.second\)"):
            call()
    assert all_events(backend) == []
    define(backend, "nope")  # defining it afterwards works, although it was looked up before
    assert backend.add_one("nope", "a") is not None


def test_define_queue_is_idempotent_and_updates_settings(backend: QueueBackend) -> None:
    define(backend, max_attempts=3, description="first")
    spec = define(backend, max_attempts=7, description="Flexløn", sla_seconds=86400.0,
                  on_lease_expiry=LeaseExpiry.MANUAL, backoff_max_seconds=99.0)
    assert [q for q in backend.queues() if q.name == Q] == [spec]
    [item_id] = add(backend, "a")
    assert backend.get(item_id).max_attempts == 7


@pytest.mark.parametrize("missing", [999_999, -1])
def test_item_not_found(backend: QueueBackend, missing: int) -> None:
    define(backend)
    add(backend, "a")
    for call in (
        lambda: backend.get(missing),
        lambda: backend.resolve(missing, "anna", Resolution.DONE, "c"),
        lambda: backend.retry(missing, "ops"),
        lambda: backend.cancel(missing, "ops"),
        lambda: backend.assign(missing, "lead", "anna"),
        lambda: backend.comment(missing, "anna", "text"),
        lambda: backend.attach(missing, Attachment("a.txt", b"a")),
        lambda: backend.fail(missing, W1, ErrorKind.BUSINESS, "X", "m"),
        lambda: backend.heartbeat(missing, W1),
    ):
        with pytest.raises(ItemNotFound, match=f"no work item with id {missing}"):
            call()
    # The hot paths cannot tell a wrong id from a lost lease (one statement): both backends say LeaseLost.
    for call in (lambda: backend.complete(missing, W1), lambda: backend.complete_and_claim(missing, W1)):
        with pytest.raises(LeaseLost):
            call()
    assert backend.events(missing) == [] and backend.files(missing) == [] and backend.children(missing) == []
    assert len(all_events(backend)) == 1


def test_stats_per_status_including_zeros(backend: QueueBackend) -> None:
    define(backend)
    define(backend, "empty")
    add(backend, "done", "manual", "busy", "released", "cancelled")
    items = {i.reference: i for i in backend.claim(Q, W1, limit=4)}
    backend.complete(items["done"].id, W1)
    backend.fail(items["manual"].id, W1, ErrorKind.BUSINESS, "X", "m")
    backend.release(items["released"].id, W1)
    backend.cancel(backend.find(Q, "cancelled").id, "ops")
    expected = {"new": 1, "in_progress": 1, "done": 1, "manual": 1, "cancelled": 1}
    zeros = dict.fromkeys(expected, 0)
    assert backend.stats() == {"empty": zeros, Q: expected}
    assert backend.stats(Q) == {Q: expected}
    assert backend.stats("empty") == {"empty": zeros}
    for status, reference in (("new", "released"), ("in_progress", "busy"), ("done", "done"),
                              ("manual", "manual"), ("cancelled", "cancelled")):
        assert [i.reference for i in backend.items(queue=Q, status=status)] == [reference]


def test_items_are_listed_newest_first_with_paging(backend: QueueBackend) -> None:
    define(backend)
    ids = add(backend, *(f"r{n}" for n in range(5)))
    assert [i.id for i in backend.items(queue=Q)] == ids[::-1]
    assert [i.id for i in backend.items(queue=Q, limit=2, offset=1)] == ids[3:1:-1]
    assert backend.items(queue="unknown") == []


def test_children_via_parent_id(backend: QueueBackend) -> None:
    define(backend, "calc")
    define(backend, "letters")
    [parent, leaf] = add(backend, "2026-05:0101", "2026-05:0102", queue="calc")
    result = backend.add("letters", [NewItem("2026-05:0101/letter", parent_id=parent),
                                     NewItem("2026-05:0101/copy", parent_id=parent), NewItem("unrelated")])
    children = backend.children(parent)
    assert [c.reference for c in children] == ["2026-05:0101/letter", "2026-05:0101/copy"]
    assert all(c.parent_id == parent and c.queue == "letters" for c in children)
    assert backend.children(leaf) == []
    assert backend.get(result.added["unrelated"]).parent_id is None
    created = backend.events(children[0].id)[0]
    assert (created.action, created.detail) == ("created", {"parent_id": parent})
    assert backend.events(result.added["unrelated"])[0].detail is None


# -- audit: one transaction, append-only ------------------------------------------------------


def _refuse_events(b: QueueBackend, action: str) -> None:
    """Make the database refuse audit events of one action (as a full disk or a bug would)."""
    if is_sqlite(b):
        b._conn.execute(f"CREATE TRIGGER test_refuse BEFORE INSERT ON audit_events WHEN NEW.action = '{action}' "
                        "BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
    else:
        b._conn.execute("CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "IF NEW.action = TG_ARGV[0] THEN RAISE EXCEPTION 'refused by test'; END IF; "
                        "RETURN NEW; END $$")
        b._conn.execute("CREATE TRIGGER test_refuse BEFORE INSERT ON audit_events FOR EACH ROW "
                        f"EXECUTE FUNCTION test_refuse('{action}')")


def _allow_events(b: QueueBackend) -> None:
    b._conn.execute("DROP TRIGGER test_refuse" if is_sqlite(b) else "DROP TRIGGER test_refuse ON audit_events")


def _snapshot(b: QueueBackend) -> tuple[Any, ...]:
    items = b.items(limit=1000)
    return ([i.to_dict() for i in items], [e.to_dict() for e in all_events(b)],
            [f for i in items for f in b.files(i.id)])


def _prepare(b: QueueBackend, scenario: str) -> tuple[str, Callable[[], object]]:
    """Set up what a scenario needs; return the event action to refuse and the operation to try."""
    if scenario in ("add", "cancel", "comment", "attach"):
        [item_id] = add(b, "a")
    elif scenario in ("resolve", "retry", "assign"):
        item_id = _manual(b).id
    else:
        add(b, "a", "b")
        if scenario != "claim":
            item_id = claim(b, W1, lease_seconds=0.1 if scenario == "lease expiry" else 60).id
    match scenario:
        case "add":
            return "created", lambda: b.add(Q, [NewItem("x"), NewItem("y")])
        case "claim":
            return "claimed", lambda: b.claim(Q, W1, limit=2)
        case "complete":
            return "completed", lambda: b.complete(item_id, W1, {"a": 1})
        case "complete_and_claim, refused claim":
            return "claimed", lambda: b.complete_and_claim(item_id, W1)
        case "complete_and_claim, refused completion":
            return "completed", lambda: b.complete_and_claim(item_id, W1)
        case "fail with files":
            return "failed", lambda: b.fail(item_id, W1, ErrorKind.BUSINESS, "X", "m",
                                            files=[Attachment("s.png", b"png")])
        case "application error":
            return "retry_scheduled", lambda: b.fail(item_id, W1, ErrorKind.APPLICATION, "X", "m")
        case "defer":
            return "deferred", lambda: b.defer(item_id, W1, datetime.now(UTC) + timedelta(hours=1), "r")
        case "release":
            return "released", lambda: b.release(item_id, W1)
        case "lease expiry":
            time.sleep(0.2)
            return "lease_expired", b.requeue_expired
        case "resolve":
            return "resolved", lambda: b.resolve(item_id, "anna", Resolution.RETRY, "c", payload={"new": 1})
        case "retry":
            return "retried", lambda: b.retry(item_id, "ops")
        case "cancel":
            return "cancelled", lambda: b.cancel(item_id, "ops")
        case "assign":
            return "assigned", lambda: b.assign(item_id, "lead", "anna")
        case "comment":
            return "commented", lambda: b.comment(item_id, "anna", "c")
        case "attach":
            return "file_attached", lambda: b.attach(item_id, Attachment("a.pdf", b"%PDF"))
    raise AssertionError(scenario)


SCENARIOS = [
    "add", "claim", "complete", "complete_and_claim, refused claim", "complete_and_claim, refused completion",
    "fail with files", "application error", "defer", "release", "lease expiry", "resolve", "retry", "cancel",
    "assign", "comment", "attach",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_change_and_its_event_are_one_transaction(backend: QueueBackend, scenario: str) -> None:
    define(backend)
    action, operation = _prepare(backend, scenario)
    before = _snapshot(backend)
    _refuse_events(backend, action)
    with pytest.raises(DB_ERRORS, match="refused by test"):
        operation()
    assert _snapshot(backend) == before, "the change was written without its event"
    _allow_events(backend)
    operation()  # the connection is still usable, and now it works
    after = all_events(backend)
    assert action in [e.action for e in after[len(before[1]):]]


def test_audit_events_are_append_only(backend: QueueBackend) -> None:
    define(backend)
    add(backend, "a", "b")
    before = all_events(backend)
    assert len(before) == 2
    for statement in ("UPDATE audit_events SET actor = 'someone else'",
                      "UPDATE audit_events SET reason = 'x' WHERE id = (SELECT max(id) FROM audit_events)",
                      "DELETE FROM audit_events", "DELETE FROM audit_events WHERE action = 'created'",
                      *([] if is_sqlite(backend) else ["TRUNCATE audit_events CASCADE"])):
        with pytest.raises(DB_ERRORS, match="append-only"):
            backend._conn.execute(statement)
    assert all_events(backend) == before
    assert backend.add_one(Q, "c") is not None  # inserting still works
    assert len(all_events(backend)) == 3


def test_work_items_are_never_deleted(backend: QueueBackend) -> None:
    # The audit trail's events point at their items (on PostgreSQL without a foreign key: see
    # migration 0011), so an item can be cancelled but never removed.
    define(backend)
    [a] = add(backend, "a")
    for statement in (f"DELETE FROM work_items WHERE id = {a}", "DELETE FROM work_items",
                      *([] if is_sqlite(backend) else ["TRUNCATE work_items CASCADE"])):
        with pytest.raises(DB_ERRORS, match="never deleted"):
            backend._conn.execute(statement)
    assert backend.get(a).status is Status.NEW
    assert trail(backend, a) == [("created", None, "new")]


@pytest.mark.parametrize(("column", "value"), [
    ("status", "'finished'"), ("error_kind", "'fatal'"), ("reference", "''"), ("max_attempts", "0"),
])
def test_the_item_rules_hold_in_the_database_itself(backend: QueueBackend, column: str, value: str) -> None:
    define(backend)
    [a] = add(backend, "a")
    with pytest.raises(DB_ERRORS, match="(?i)check constraint"):
        backend._conn.execute(f"UPDATE work_items SET {column} = {value} WHERE id = {a}")
    assert backend.get(a).status is Status.NEW


def test_an_item_someone_locked_and_let_go_is_still_claimed(
    backend: QueueBackend, open_backend: Callable[[], QueueBackend],
) -> None:
    # Another session locks "a" and commits without changing it (as a rolled-back claim or a file
    # attached does). On PostgreSQL the claim passes over such a row while an untouched one is
    # there (no lock convoys: migration 0011), and takes it as soon as nothing else is.
    define(backend)
    [a, b] = add(backend, "a", "b")
    if not is_sqlite(backend):  # SQLite has no row locks: its claims stay in strict order
        other = open_backend()
        with other._conn.transaction():
            other._conn.execute(f"SELECT id FROM work_items WHERE id = {a} FOR UPDATE")
    first, second = claim(backend), claim(backend, W2)
    assert [first.id, second.id] == ([a, b] if is_sqlite(backend) else [b, a])
    assert backend.claim_one(Q, W1) is None


def test_complete_and_claim_takes_a_locked_and_released_item_when_nothing_else_is_left(
    backend: QueueBackend, open_backend: Callable[[], QueueBackend],
) -> None:
    # complete_and_claim's own statement looks only at untouched rows (PostgreSQL); when it finds
    # none, the full claim runs after the completion, so such a row is never out of reach.
    define(backend)
    [a, b, c] = add(backend, "a", "b", "c")
    held = claim(backend)
    assert held.id == a
    if not is_sqlite(backend):
        other = open_backend()
        with other._conn.transaction():
            other._conn.execute(f"SELECT id FROM work_items WHERE id = {c} FOR UPDATE")
    nxt = backend.complete_and_claim(a, W1)
    assert nxt is not None and nxt.id == b
    last = backend.complete_and_claim(b, W1, {"n": 2})
    assert last is not None and last.id == c and last.status is Status.IN_PROGRESS and last.lease_owner == W1
    assert backend.complete_and_claim(c, W1) is None
    assert [backend.get(i).status for i in (a, b, c)] == [Status.DONE] * 3
    assert trail(backend, c) == [
        ("created", None, "new"), ("claimed", "new", "in_progress"), ("completed", "in_progress", "done")]


# -- time zones ---------------------------------------------------------------------------------


def _datetimes(value: object) -> list[tuple[str, datetime]]:
    fields = value.__dict__ if hasattr(value, "__dict__") else {}
    return [(f"{type(value).__name__}.{k}", v) for k, v in fields.items() if isinstance(v, datetime)]


def test_every_datetime_returned_is_timezone_aware_utc(backend: QueueBackend) -> None:
    if not is_sqlite(backend):
        # A session in Danish time: the backend must still hand back UTC.
        backend._conn.execute("SET TIME ZONE 'Europe/Copenhagen'")
    define(backend, backoff_seconds=0)
    deadline = datetime(2026, 6, 1, 23, 30, tzinfo=COPENHAGEN)
    not_before = datetime.now(COPENHAGEN) - timedelta(minutes=1)
    backend.add(Q, [NewItem("a", deadline=deadline, not_before=not_before), NewItem("b")])
    seen: list[tuple[str, datetime]] = []
    item = claim(backend)
    seen += _datetimes(item)
    seen.append(("heartbeat", backend.heartbeat(item.id, W1)))
    seen.append(("heartbeat(lease)", backend.heartbeat(item.id, W1, lease_seconds=5)))
    seen += _datetimes(backend.fail(item.id, W1, ErrorKind.APPLICATION, "X", "m",
                                    files=[Attachment("a.txt", b"a")]))
    item = claim(backend)
    seen += _datetimes(backend.defer(item.id, W1, datetime.now(COPENHAGEN) - timedelta(seconds=1), "r"))
    item = backend.complete_and_claim(claim(backend).id, W1)
    seen += _datetimes(item)
    seen += _datetimes(backend.complete(item.id, W1))
    seen += [d for i in backend.items(limit=10) for d in _datetimes(i)]
    seen += [d for e in all_events(backend) for d in _datetimes(e)]
    seen += [d for i in backend.items(limit=10) for f in backend.files(i.id) for d in _datetimes(f)]
    seen += _datetimes(backend.comment(item.id, "anna", "c"))
    seen += _datetimes(backend.attach(item.id, Attachment("b.txt", b"b")))
    names = {name for name, _ in seen}
    assert {"WorkItem.deadline", "WorkItem.not_before", "WorkItem.lease_expires_at", "WorkItem.finished_at",
            "Event.at", "FileRef.created_at", "heartbeat"} <= names
    wrong = [(name, value) for name, value in seen if value.tzinfo is None or value.utcoffset() != timedelta(0)]
    assert wrong == []
    stored = backend.find(Q, "a")
    assert stored.deadline == deadline  # the same instant
    assert stored.deadline.hour == 21  # shown in UTC
