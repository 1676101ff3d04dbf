"""The work item's state machine (robots.queue.states) on hand-built items: no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from robots.queue import ErrorKind, InvalidTransition, LeaseExpiry, QueueSpec, Resolution, Status, WorkItem, states

NOW = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
SPEC = QueueSpec("payroll.flex", max_attempts=3, backoff_seconds=30, backoff_max_seconds=100)
ALL = tuple(Status)


def item(status: Status = Status.IN_PROGRESS, **fields: Any) -> WorkItem:
    base = WorkItem(
        id=7, queue=SPEC.name, reference="2026-05:0101", payload={"citizen": 101}, priority=0,
        status=status, attempts=1, max_attempts=3, not_before=None, deadline=None,
        lease_owner="w1" if status is Status.IN_PROGRESS else None,
        lease_expires_at=NOW + timedelta(minutes=5) if status is Status.IN_PROGRESS else None,
        created_at=NOW - timedelta(hours=1), created_by="system", started_at=NOW - timedelta(minutes=1),
        finished_at=None, output=None, error_kind=None, error_code=None, error_message=None, parent_id=None,
        run_id=None, manual_reason=None, assigned_to=None, resolution=None, updated_at=NOW,
    )
    return replace(base, **fields)


def manual_item(**fields: Any) -> WorkItem:
    defaults: dict[str, Any] = {
        "error_kind": ErrorKind.APPLICATION, "error_code": "HTTP500", "error_message": "server error",
        "manual_reason": states.RETRIES_EXHAUSTED, "attempts": 3, "assigned_to": "anna",
        "not_before": NOW - timedelta(minutes=3),
    }
    return item(Status.MANUAL, **{**defaults, **fields})


LEASE_CLEARED = {"lease_owner": None, "lease_expires_at": None}


# -- backoff ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts", "expected"), [(0, 30), (1, 30), (2, 60), (3, 120), (4, 240), (10, 30 * 2**9)]
)
def test_backoff_doubles_per_failed_attempt(attempts: int, expected: float) -> None:
    spec = QueueSpec("q", backoff_seconds=30, backoff_max_seconds=10**9)
    assert spec.backoff_for(attempts) == expected


def test_backoff_is_capped_at_backoff_max() -> None:
    spec = QueueSpec("q", backoff_seconds=30, backoff_max_seconds=100)
    assert [spec.backoff_for(n) for n in (1, 2, 3, 4, 50)] == [30, 60, 100, 100, 100]


def test_backoff_zero_means_retry_at_once() -> None:
    assert QueueSpec("q", backoff_seconds=0).backoff_for(5) == 0


# -- fail -------------------------------------------------------------------------------------


def test_business_error_goes_to_a_person_with_the_code_as_reason() -> None:
    change = states.fail(item(attempts=1), SPEC, NOW, ErrorKind.BUSINESS, "WATCHLIST", "citizen on watch list")
    assert change.action == "failed"
    assert change.to_status is Status.MANUAL
    assert change.reason == "WATCHLIST"
    assert change.values["manual_reason"] == "WATCHLIST"
    assert change.values["error_kind"] == "business"
    assert change.values["error_code"] == "WATCHLIST"
    assert change.values["error_message"] == "citizen on watch list"
    assert change.values["lease_owner"] is None and change.values["lease_expires_at"] is None
    assert "not_before" not in change.values  # never scheduled for a retry
    assert "attempts" not in change.values


def test_business_error_is_never_retried_even_with_attempts_left() -> None:
    change = states.fail(item(attempts=1, max_attempts=10), SPEC, NOW, ErrorKind.BUSINESS, "CRITERIA", "m")
    assert change.to_status is Status.MANUAL


@pytest.mark.parametrize(("attempts", "delay"), [(1, 30), (2, 60)])
def test_application_error_with_attempts_left_goes_back_with_backoff(attempts: int, delay: float) -> None:
    change = states.fail(item(attempts=attempts), SPEC, NOW, ErrorKind.APPLICATION, "HTTP500", "server error")
    assert change.action == "retry_scheduled"
    assert change.to_status is Status.NEW
    assert change.values["not_before"] == NOW + timedelta(seconds=delay)
    assert change.detail == {"backoff_seconds": delay}
    assert change.reason == f"HTTP500: attempt {attempts} of 3"
    assert change.values["error_kind"] == "application"
    assert change.values["error_code"] == "HTTP500"
    assert change.values["error_message"] == "server error"
    assert {k: change.values[k] for k in LEASE_CLEARED} == LEASE_CLEARED
    assert "manual_reason" not in change.values
    assert "attempts" not in change.values  # the attempt counts


def test_application_backoff_is_capped_at_backoff_max() -> None:
    spec = QueueSpec("q", backoff_seconds=30, backoff_max_seconds=45)
    change = states.fail(item(attempts=4, max_attempts=9), spec, NOW, ErrorKind.APPLICATION, "T", "m")
    assert change.values["not_before"] == NOW + timedelta(seconds=45)
    assert change.detail == {"backoff_seconds": 45}


def test_application_backoff_uses_the_items_own_max_attempts_not_the_queues() -> None:
    # The queue allows 3, the item was added with 5: attempt 3 is retried.
    change = states.fail(item(attempts=3, max_attempts=5), SPEC, NOW, ErrorKind.APPLICATION, "T", "m")
    assert change.to_status is Status.NEW
    assert change.values["not_before"] == NOW + timedelta(seconds=100)  # 30 * 4 = 120, capped at 100


@pytest.mark.parametrize("attempts", [3, 4])
def test_application_error_with_no_attempts_left_goes_to_manual(attempts: int) -> None:
    change = states.fail(item(attempts=attempts), SPEC, NOW, ErrorKind.APPLICATION, "TIMEOUT", "no answer")
    assert change.action == "failed"
    assert change.to_status is Status.MANUAL
    assert change.reason == states.RETRIES_EXHAUSTED == "retries_exhausted"
    assert change.values["manual_reason"] == "retries_exhausted"
    assert change.values["error_code"] == "TIMEOUT"
    assert change.detail == {"attempts": attempts}
    assert "not_before" not in change.values
    assert {k: change.values[k] for k in LEASE_CLEARED} == LEASE_CLEARED


@pytest.mark.parametrize("status", [s for s in ALL if s is not Status.IN_PROGRESS])
def test_only_a_leased_item_can_fail(status: Status) -> None:
    with pytest.raises(InvalidTransition, match="cannot fail work item 7"):
        states.fail(item(status), SPEC, NOW, ErrorKind.APPLICATION, "X", "m")


# -- lease expiry -----------------------------------------------------------------------------


def test_expired_lease_with_attempts_left_goes_back_to_new_and_the_attempt_counts() -> None:
    change = states.lease_expired(item(attempts=2, lease_owner="w9"), SPEC)
    assert change.action == "lease_expired"
    assert change.to_status is Status.NEW
    assert change.values == LEASE_CLEARED  # attempts untouched: the lost attempt counts
    assert change.detail == {"worker": "w9", "attempts": 2}
    assert "w9" in (change.reason or "")


def test_expired_lease_with_no_attempts_left_is_abandoned_to_manual() -> None:
    change = states.lease_expired(item(attempts=3, lease_owner="w9"), SPEC)
    assert change.to_status is Status.MANUAL
    assert change.reason == states.ABANDONED == "abandoned"
    assert change.values["manual_reason"] == "abandoned"
    assert change.values["error_kind"] == "application"
    assert change.values["error_code"] == "abandoned"
    assert "w9" in change.values["error_message"]
    assert change.values["lease_owner"] is None and change.values["lease_expires_at"] is None
    assert change.detail == {"worker": "w9", "attempts": 3}


def test_expired_lease_on_a_manual_expiry_queue_goes_to_a_person_at_once() -> None:
    spec = replace(SPEC, on_lease_expiry=LeaseExpiry.MANUAL)
    change = states.lease_expired(item(attempts=1), spec)
    assert change.to_status is Status.MANUAL
    assert change.values["manual_reason"] == states.ABANDONED


@pytest.mark.parametrize("status", [s for s in ALL if s is not Status.IN_PROGRESS])
def test_only_a_leased_item_can_expire(status: Status) -> None:
    with pytest.raises(InvalidTransition):
        states.lease_expired(item(status), SPEC)


# -- defer / release --------------------------------------------------------------------------


def test_defer_gives_the_attempt_back_and_waits() -> None:
    until = NOW + timedelta(days=1)
    change = states.defer(item(attempts=2), until, "payroll run not closed yet")
    assert change.action == "deferred"
    assert change.to_status is Status.NEW
    assert change.reason == "payroll run not closed yet"
    assert change.values == {**LEASE_CLEARED, "not_before": until, "attempts": 1}
    assert change.detail == {"until": until.isoformat()}


def test_defer_never_makes_attempts_negative() -> None:
    assert states.defer(item(attempts=0), NOW, "r").values["attempts"] == 0


def test_defer_refuses_a_naive_time() -> None:
    # A naive time would be read in the database session's zone by PostgreSQL (silently wrong).
    with pytest.raises(ValueError, match="timezone-aware"):
        states.defer(item(), datetime(2026, 6, 1, 8, 0), "r")


def test_release_gives_the_attempt_back_without_waiting() -> None:
    change = states.release(item(attempts=1), "worker stopping")
    assert change.action == "released"
    assert change.to_status is Status.NEW
    assert change.reason == "worker stopping"
    assert change.values == {**LEASE_CLEARED, "attempts": 0}


@pytest.mark.parametrize("status", [s for s in ALL if s is not Status.IN_PROGRESS])
def test_only_a_leased_item_can_be_deferred_or_released(status: Status) -> None:
    with pytest.raises(InvalidTransition, match="cannot defer"):
        states.defer(item(status), NOW, "r")
    with pytest.raises(InvalidTransition, match="cannot release"):
        states.release(item(status), "r")


# -- resolve ----------------------------------------------------------------------------------


def test_resolve_done_finishes_the_item() -> None:
    change = states.resolve(manual_item(), NOW, Resolution.DONE, "paid by hand in the payroll system")
    assert change.action == "resolved"
    assert change.to_status is Status.DONE
    assert change.reason == "paid by hand in the payroll system"
    assert change.values == {"resolution": "done", "finished_at": NOW}
    assert change.detail == {"resolution": "done"}


def test_resolve_cancelled_finishes_the_item() -> None:
    change = states.resolve(manual_item(), NOW, Resolution.CANCELLED, "citizen moved away")
    assert change.to_status is Status.CANCELLED
    assert change.values == {"resolution": "cancelled", "finished_at": NOW}
    assert change.detail == {"resolution": "cancelled"}


def test_resolve_back_to_the_robot_resets_attempts_and_errors() -> None:
    change = states.resolve(manual_item(), NOW, Resolution.RETRY, "data corrected")
    assert change.to_status is Status.NEW
    assert change.values == {
        "resolution": "new", "attempts": 0, "not_before": None, "error_kind": None, "error_code": None,
        "error_message": None, "manual_reason": None, "finished_at": None, "assigned_to": None,
    }
    assert change.detail == {"resolution": "new"}  # no payload change recorded


def test_resolve_back_to_the_robot_records_a_payload_change() -> None:
    before = {"citizen": 101}
    after = {"citizen": 101, "hours": 12.5}
    change = states.resolve(manual_item(payload=before), NOW, Resolution.RETRY, "hours added", payload=after)
    assert change.values["payload"] == after
    assert change.detail == {"resolution": "new", "payload_before": before, "payload_after": after}


def test_resolve_with_the_same_payload_records_no_change() -> None:
    change = states.resolve(manual_item(payload={"a": 1}), NOW, Resolution.RETRY, "again", payload={"a": 1})
    assert "payload" not in change.values
    assert change.detail == {"resolution": "new"}


@pytest.mark.parametrize("comment", ["", "   ", "\n\t"])
@pytest.mark.parametrize("resolution", list(Resolution))
def test_resolve_needs_a_comment(comment: str, resolution: Resolution) -> None:
    with pytest.raises(InvalidTransition, match="needs a comment"):
        states.resolve(manual_item(), NOW, resolution, comment)


@pytest.mark.parametrize("status", [s for s in ALL if s is not Status.MANUAL])
def test_only_a_manual_item_can_be_resolved(status: Status) -> None:
    with pytest.raises(InvalidTransition, match="cannot resolve"):
        states.resolve(item(status), NOW, Resolution.DONE, "comment")


# -- retry / cancel / assign ------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.MANUAL, Status.NEW])
def test_retry_sends_the_item_back_with_fresh_attempts(status: Status) -> None:
    source = manual_item(resolution="done") if status is Status.MANUAL else item(
        Status.NEW, attempts=2, not_before=NOW + timedelta(hours=1))
    change = states.retry(source, "operator: system is back")
    assert change.action == "retried"
    assert change.to_status is Status.NEW
    assert change.reason == "operator: system is back"
    assert change.values == {
        "attempts": 0, "not_before": None, "error_kind": None, "error_code": None, "error_message": None,
        "manual_reason": None, "finished_at": None, "assigned_to": None, "resolution": None,
    }


def test_retry_without_comment_says_so() -> None:
    assert states.retry(manual_item(), "").reason == "retry requested"


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.DONE, Status.CANCELLED])
def test_retry_refuses_items_not_manual_or_waiting(status: Status) -> None:
    with pytest.raises(InvalidTransition, match="cannot retry"):
        states.retry(item(status), "c")


@pytest.mark.parametrize("status", [Status.NEW, Status.MANUAL])
def test_cancel_takes_a_new_or_manual_item_out(status: Status) -> None:
    change = states.cancel(item(status), NOW, "duplicate case")
    assert change.action == "cancelled"
    assert change.to_status is Status.CANCELLED
    assert change.reason == "duplicate case"
    assert change.values == {"finished_at": NOW, **LEASE_CLEARED}


def test_cancel_without_reason_says_cancelled() -> None:
    assert states.cancel(item(Status.NEW), NOW, "").reason == "cancelled"


def test_cancel_refuses_an_item_a_worker_holds() -> None:
    with pytest.raises(InvalidTransition, match="worker w1 is working on it"):
        states.cancel(item(Status.IN_PROGRESS, lease_owner="w1"), NOW, "r")


@pytest.mark.parametrize("status", [Status.DONE, Status.CANCELLED])
def test_cancel_refuses_a_finished_item(status: Status) -> None:
    with pytest.raises(InvalidTransition, match="cannot cancel"):
        states.cancel(item(status), NOW, "r")


def test_assign_takes_and_releases_a_manual_item() -> None:
    taken = states.assign(manual_item(assigned_to=None), "anna")
    assert taken.action == "assigned"
    assert taken.to_status is Status.MANUAL
    assert taken.reason == "assigned to anna"
    assert taken.values == {"assigned_to": "anna"}
    assert taken.detail == {"from": None}
    released = states.assign(manual_item(assigned_to="anna"), None)
    assert released.reason == "unassigned"
    assert released.values == {"assigned_to": None}
    assert released.detail == {"from": "anna"}


@pytest.mark.parametrize("status", [s for s in ALL if s is not Status.MANUAL])
def test_only_a_manual_item_can_be_assigned(status: Status) -> None:
    with pytest.raises(InvalidTransition, match="cannot assign"):
        states.assign(item(status), "anna")


def test_transitions_do_not_mutate_the_item() -> None:
    source = manual_item(payload={"a": 1})
    snapshot = source.to_dict()
    states.resolve(source, NOW, Resolution.RETRY, "c", payload={"a": 2})
    states.assign(source, "bo")
    states.cancel(source, NOW, "r")
    assert source.to_dict() == snapshot
