"""The work item's state machine as pure functions: an item and a fact in, the changes out.

No I/O here. The backends lock the row, call one of these, write the changes and the event in the
same transaction. Keeping the rules here means both backends apply exactly the same machine::

    new ──claim──▶ in_progress ──done──▶ done
     ▲                 │  ├─business error──────────────▶ manual ──resolve──▶ done | new | cancelled
     │                 │  ├─application error, attempts left ──▶ new (not_before = now + backoff)
     │                 │  ├─application error, none left ──────▶ manual (retries_exhausted)
     └──lease expired──┘  └─lease expired, none left ──────────▶ manual (abandoned)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .errors import InvalidTransition
from .model import ErrorKind, LeaseExpiry, QueueSpec, Resolution, Status, WorkItem

RETRIES_EXHAUSTED = "retries_exhausted"
ABANDONED = "abandoned"


@dataclass
class Change:
    """What a transition does: the columns to set, and the audit event that records it."""

    action: str
    to_status: Status
    reason: str | None
    values: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] | None = None


def _require(item: WorkItem, *allowed: Status, doing: str) -> None:
    if item.status not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise InvalidTransition(
            f"cannot {doing} work item {item.id}: it is {item.status.value}, must be {wanted}"
        )


def _cleared_lease() -> dict[str, Any]:
    return {"lease_owner": None, "lease_expires_at": None}


def fail(
    item: WorkItem, spec: QueueSpec, now: datetime, kind: ErrorKind, code: str, message: str
) -> Change:
    """A worker reports an error. Business: to a person. Application: retry with backoff or give up."""
    _require(item, Status.IN_PROGRESS, doing="fail")
    errors = {"error_kind": kind.value, "error_code": code, "error_message": message, **_cleared_lease()}
    if kind is ErrorKind.BUSINESS:
        return Change("failed", Status.MANUAL, code, {**errors, "manual_reason": code, "finished_at": None})
    if item.attempts < item.max_attempts:
        delay = spec.backoff_for(item.attempts)
        values = {**errors, "not_before": now + timedelta(seconds=delay)}
        return Change(
            "retry_scheduled", Status.NEW, f"{code}: attempt {item.attempts} of {item.max_attempts}",
            values, {"backoff_seconds": delay},
        )
    return Change(
        "failed", Status.MANUAL, RETRIES_EXHAUSTED, {**errors, "manual_reason": RETRIES_EXHAUSTED},
        {"attempts": item.attempts},
    )


def lease_expired(item: WorkItem, spec: QueueSpec) -> Change:
    """The worker vanished. Retry (the attempt counts) or, for unsafe steps / none left, to a person."""
    _require(item, Status.IN_PROGRESS, doing="expire the lease of")
    previous = {"worker": item.lease_owner, "attempts": item.attempts}
    message = f"worker {item.lease_owner} stopped renewing its lease (attempt {item.attempts})"
    if spec.on_lease_expiry is LeaseExpiry.MANUAL or item.attempts >= item.max_attempts:
        values = {
            **_cleared_lease(), "manual_reason": ABANDONED, "error_kind": ErrorKind.APPLICATION.value,
            "error_code": ABANDONED, "error_message": message,
        }
        return Change("lease_expired", Status.MANUAL, ABANDONED, values, previous)
    return Change("lease_expired", Status.NEW, message, _cleared_lease(), previous)


def defer(item: WorkItem, until: datetime, reason: str) -> Change:
    """Put the item back until a later time (data not there yet). The attempt does not count."""
    _require(item, Status.IN_PROGRESS, doing="defer")
    if until.tzinfo is None:
        raise ValueError(f"cannot defer work item {item.id} until {until!r}: times must be timezone-aware")
    values = {**_cleared_lease(), "not_before": until, "attempts": max(0, item.attempts - 1)}
    return Change("deferred", Status.NEW, reason, values, {"until": until.isoformat()})


def release(item: WorkItem, reason: str) -> Change:
    """Give the item back untouched (worker stopping). The attempt does not count."""
    _require(item, Status.IN_PROGRESS, doing="release")
    return Change("released", Status.NEW, reason, {**_cleared_lease(), "attempts": max(0, item.attempts - 1)})


def resolve(
    item: WorkItem, now: datetime, resolution: Resolution, comment: str,
    payload: dict[str, Any] | None = None,
) -> Change:
    """A caseworker's decision on a manual item: handled by hand, back to the robot, or cancelled."""
    _require(item, Status.MANUAL, doing="resolve")
    if not comment.strip():
        raise InvalidTransition(f"resolving work item {item.id} needs a comment saying what was decided")
    detail: dict[str, Any] = {"resolution": resolution.value}
    values: dict[str, Any] = {"resolution": resolution.value}
    if resolution is Resolution.DONE:
        values["finished_at"] = now
        return Change("resolved", Status.DONE, comment, values, detail)
    if resolution is Resolution.CANCELLED:
        values["finished_at"] = now
        return Change("resolved", Status.CANCELLED, comment, values, detail)
    values.update(_back_to_robot())
    if payload is not None and payload != item.payload:
        values["payload"] = payload
        detail["payload_before"] = item.payload
        detail["payload_after"] = payload
    return Change("resolved", Status.NEW, comment, values, detail)


def _back_to_robot() -> dict[str, Any]:
    return {
        "attempts": 0, "not_before": None, "error_kind": None, "error_code": None, "error_message": None,
        "manual_reason": None, "finished_at": None, "assigned_to": None,
    }


def retry(item: WorkItem, comment: str) -> Change:
    """An operator sends a manual (or waiting) item back to the robot now, with fresh attempts."""
    _require(item, Status.MANUAL, Status.NEW, doing="retry")
    return Change("retried", Status.NEW, comment or "retry requested", {**_back_to_robot(), "resolution": None})


def cancel(item: WorkItem, now: datetime, reason: str) -> Change:
    """Take an item out of the work: nobody will do it. Not while a worker holds it."""
    if item.status is Status.IN_PROGRESS:
        raise InvalidTransition(
            f"cannot cancel work item {item.id}: worker {item.lease_owner} is working on it; try again later"
        )
    _require(item, Status.NEW, Status.MANUAL, doing="cancel")
    return Change("cancelled", Status.CANCELLED, reason or "cancelled", {"finished_at": now, **_cleared_lease()})


def assign(item: WorkItem, assignee: str | None) -> Change:
    """Take, reassign or release a manual item at the desk. No status change."""
    _require(item, Status.MANUAL, doing="assign")
    reason = f"assigned to {assignee}" if assignee else "unassigned"
    return Change("assigned", Status.MANUAL, reason, {"assigned_to": assignee}, {"from": item.assigned_to})
