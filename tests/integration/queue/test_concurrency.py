"""Four worker processes drain one queue together: every item is done exactly once.

Each worker is a separate process (multiprocessing, 'spawn') with its own connection, as robot
workers are. A barrier starts them together, and a second one holds each worker's first claim
until all four hold one: four leases are then live at once, so the claims had to skip each other's
rows, and a fast worker cannot drain the queue before a slow one has started (which made the
"ran together" check flaky on a busy 2-core machine).
"""

from __future__ import annotations

import multiprocessing
import queue as stdlib_queue
from collections import Counter
from typing import Any

import pytest

from robots.queue import NewItem, QueueBackend, QueueSpec, connect, worker_id

Q = "payroll.concurrent"
ITEMS = 2000
WORKERS = 4

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _drain(url: str, batch: int, barrier: Any, results: Any) -> None:
    """One worker process: claim and complete until the queue is empty; report the ids it did."""
    backend = connect(url)
    backend.reap_interval = 0
    me = worker_id("drain")
    done: list[int] = []
    try:
        barrier.wait(timeout=60)
        if batch == 1:
            item = backend.claim_one(Q, me)
            barrier.wait(timeout=60)  # everyone holds a lease before anyone completes
            while item is not None:
                done.append(item.id)
                item = backend.complete_and_claim(item.id, me, {"by": me})
                if item is None:  # the queue looked empty in that transaction: make sure
                    item = backend.claim_one(Q, me)
        else:
            items = backend.claim(Q, me, limit=batch)
            barrier.wait(timeout=60)  # everyone holds a lease before anyone completes
            while items:
                for item in items:
                    backend.complete(item.id, me, {"by": me})
                    done.append(item.id)
                items = backend.claim(Q, me, limit=batch)
        results.put((me, done, None))
    except BaseException as exc:  # report instead of dying silently
        results.put((me, done, f"{type(exc).__name__}: {exc}"))
    finally:
        backend.close()


def _run_workers(url: str, batch: int) -> dict[str, list[int]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_drain, args=(url, batch, barrier, results), daemon=True) for _ in range(WORKERS)]
    for p in procs:
        p.start()
    reports: dict[str, list[int]] = {}
    errors = []
    try:
        for _ in procs:
            me, done, error = results.get(timeout=120)
            reports[me] = done
            if error:
                errors.append(f"{me}: {error}")
    except stdlib_queue.Empty:
        pytest.fail(f"workers did not all report; exit codes {[p.exitcode for p in procs]}")
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert errors == []
    assert [p.exitcode for p in procs] == [0] * WORKERS
    return reports


def _check_each_item_done_exactly_once(backend: QueueBackend, ids: set[int], reports: dict[str, list[int]]) -> None:
    # What the workers say.
    done_by = [item_id for done in reports.values() for item_id in done]
    assert len(done_by) == ITEMS, "items were done twice or not at all"
    assert set(done_by) == ids
    workers = list(reports)
    for i, a in enumerate(workers):
        for b in workers[i + 1:]:
            assert not set(reports[a]) & set(reports[b]), f"{a} and {b} both did the same items"
    assert all(reports.values()), "a worker did no item although each held a lease at the second barrier"
    # What the database says.
    assert backend.stats(Q)[Q] == {"new": 0, "in_progress": 0, "done": ITEMS, "manual": 0, "cancelled": 0}
    events = backend.events(limit=10 * ITEMS)
    completed = [e for e in events if e.action == "completed"]
    claimed = [e for e in events if e.action == "claimed"]
    assert len(completed) == ITEMS
    assert max(Counter(e.item_id for e in completed).values()) == 1
    claims = Counter(e.item_id for e in claimed)
    assert set(claims) == ids and set(claims.values()) == {1}
    assert Counter(e.action for e in events) == {"created": ITEMS, "claimed": ITEMS, "completed": ITEMS}
    owner = {item_id: me for me, done in reports.items() for item_id in done}
    assert all(e.actor == owner[e.item_id] for e in completed + claimed)
    for item in backend.items(queue=Q, limit=ITEMS):
        assert item.attempts == 1 and item.output == {"by": owner[item.id]}


@pytest.mark.parametrize("batch", [1, 10], ids=["complete_and_claim", "claim_limit_10"])
def test_four_workers_do_every_item_exactly_once(backend: QueueBackend, backend_url: str, batch: int) -> None:
    backend.define_queue(QueueSpec(Q, lease_seconds=120))
    added = backend.add(Q, [NewItem(f"2026-05:{n:05d}", {"n": n}) for n in range(ITEMS)])
    assert len(added.added) == ITEMS
    reports = _run_workers(backend_url, batch)
    _check_each_item_done_exactly_once(backend, set(added.added.values()), reports)
