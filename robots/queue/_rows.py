"""Turning database rows into model objects, shared by the backends."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from .model import ErrorKind, Event, FileRef, LeaseExpiry, QueueSpec, Status, WorkItem

TimeParser = Callable[[Any], datetime | None]


def utc_text(value: datetime | None) -> str | None:
    """A datetime as sortable UTC text for SQLite: 2026-05-31T22:00:00.000000Z."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: times must be timezone-aware")
    # isoformat is several times faster than strftime; astimezone(UTC) always ends it in +00:00.
    return value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_utc_text(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value)


def aware(value: Any) -> datetime | None:
    """PostgreSQL gives aware datetimes already; normalise them to UTC."""
    return None if value is None else value.astimezone(UTC)


def load_json(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)


_ITEM_FIELDS = tuple(WorkItem.__dataclass_fields__)
_ITEM_TIMES = ("not_before", "deadline", "lease_expires_at", "created_at", "started_at", "finished_at",
               "updated_at")


def item_from_row(row: Mapping[str, Any], t: TimeParser) -> WorkItem:
    """A work item from its row (a dict, or a sqlite3.Row)."""
    if not isinstance(row, dict):  # sqlite3.Row looks names up one by one: one pass is cheaper
        row = dict(zip(row.keys(), row, strict=True))
    values = {name: row[name] for name in _ITEM_FIELDS}
    for name in _ITEM_TIMES:
        values[name] = t(values[name])
    values["payload"] = load_json(values["payload"]) or {}
    values["output"] = load_json(values["output"])
    values["status"] = Status(values["status"])
    values["error_kind"] = ErrorKind(values["error_kind"]) if values["error_kind"] else None
    # The frozen dataclass's __init__ sets each of the 26 fields through object.__setattr__, which
    # costs more than the rest of this function; the values are complete and typed, so fill the
    # instance dict directly (same fields, same order, same object).
    item = object.__new__(WorkItem)
    item.__dict__.update(values)
    return item


def spec_from_row(row: Mapping[str, Any]) -> QueueSpec:
    return QueueSpec(
        name=row["name"], description=row["description"], max_attempts=row["max_attempts"],
        lease_seconds=row["lease_seconds"], backoff_seconds=row["backoff_seconds"],
        backoff_max_seconds=row["backoff_max_seconds"], on_lease_expiry=LeaseExpiry(row["on_lease_expiry"]),
        sla_seconds=row["sla_seconds"],
    )


def spec_params(spec: QueueSpec) -> dict[str, Any]:
    return {
        "name": spec.name, "description": spec.description, "max_attempts": spec.max_attempts,
        "lease_seconds": spec.lease_seconds, "backoff_seconds": spec.backoff_seconds,
        "backoff_max_seconds": spec.backoff_max_seconds, "on_lease_expiry": spec.on_lease_expiry.value,
        "sla_seconds": spec.sla_seconds,
    }


def event_from_row(row: Mapping[str, Any], t: TimeParser) -> Event:
    return Event(
        id=row["id"], item_id=row["item_id"], queue=row["queue"], at=t(row["at"]), actor=row["actor"],
        action=row["action"], from_status=row["from_status"], to_status=row["to_status"],
        reason=row["reason"], detail=load_json(row["detail"]),
    )


def file_from_row(row: Mapping[str, Any], t: TimeParser) -> FileRef:
    return FileRef(
        id=row["id"], item_id=row["item_id"], name=row["name"], size=row["size"], sha256=row["sha256"],
        content_type=row["content_type"], created_at=t(row["created_at"]),
    )


def stats_from_rows(rows: list[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = out.setdefault(row["queue"], {s.value: 0 for s in Status})
        if row["status"] is not None:
            counts[row["status"]] = row["n"]
    return out
