"""The work item and the values that travel with it.

These are plain data: backends build them from rows, callers read them. Times are timezone-aware
UTC datetimes; use :func:`robots.timeutil.local` to show them to people.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Status(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    MANUAL = "manual"
    CANCELLED = "cancelled"


class ErrorKind(enum.StrEnum):
    """Business: the case is outside what the robot may decide (to a person, never retried).
    Application: the system misbehaved (retried with backoff until max_attempts)."""

    BUSINESS = "business"
    APPLICATION = "application"


class Resolution(enum.StrEnum):
    """What a caseworker decides for an item in manual handling."""

    DONE = "done"
    RETRY = "new"
    CANCELLED = "cancelled"


class LeaseExpiry(enum.StrEnum):
    """What happens to an item whose worker vanished (lease expired)."""

    RETRY = "retry"  # back to new, counting the attempt; manual when none are left
    MANUAL = "manual"  # straight to a person: for steps that are not safe to repeat


@dataclass(frozen=True)
class QueueSpec:
    """A queue's settings. Defined by a process (or the CLI) and stored in the database."""

    name: str
    description: str = ""
    max_attempts: int = 3
    lease_seconds: float = 300.0
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    on_lease_expiry: LeaseExpiry = LeaseExpiry.RETRY
    sla_seconds: float | None = None

    def backoff_for(self, attempts: int) -> float:
        """Exponential backoff after the given number of failed attempts (1 -> base)."""
        return min(self.backoff_seconds * (2 ** max(0, attempts - 1)), self.backoff_max_seconds)


@dataclass(frozen=True)
class NewItem:
    """One item to add. ``reference`` is the business key, unique per queue."""

    reference: str
    payload: dict[str, Any] = field(default_factory=dict)
    priority: int = 0
    not_before: datetime | None = None
    deadline: datetime | None = None
    max_attempts: int | None = None
    parent_id: int | None = None
    run_id: str | None = None


@dataclass(frozen=True)
class AddResult:
    """What a bulk add did: ids of new items (by reference) and references already present."""

    added: dict[str, int]
    skipped: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"added": len(self.added), "skipped": len(self.skipped), "skipped_references": self.skipped}


@dataclass(frozen=True)
class FileRef:
    """A file attached to an item (evidence, produced letters). Content is fetched on demand."""

    id: int
    item_id: int
    name: str
    size: int
    sha256: str
    content_type: str
    created_at: datetime


@dataclass(frozen=True)
class WorkItem:
    id: int
    queue: str
    reference: str
    payload: dict[str, Any]
    priority: int
    status: Status
    attempts: int
    max_attempts: int
    not_before: datetime | None
    deadline: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    created_at: datetime
    created_by: str
    started_at: datetime | None
    finished_at: datetime | None
    output: dict[str, Any] | None
    error_kind: ErrorKind | None
    error_code: str | None
    error_message: str | None
    parent_id: int | None
    run_id: str | None
    manual_reason: str | None
    assigned_to: str | None
    resolution: str | None
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with stable keys (times as ISO 8601 UTC)."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, enum.Enum):
                value = value.value
            out[key] = value
        return out


@dataclass(frozen=True)
class Event:
    """One audit event: who moved what from where to where, and why."""

    id: int
    item_id: int | None
    queue: str | None
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    detail: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["at"] = self.at.isoformat()
        return d
