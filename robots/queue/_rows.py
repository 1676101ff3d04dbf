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
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def item_from_row(row: Mapping[str, Any], t: TimeParser) -> WorkItem:
    return WorkItem(
        id=row["id"], queue=row["queue"], reference=row["reference"],
        payload=load_json(row["payload"]) or {}, priority=row["priority"], status=Status(row["status"]),
        attempts=row["attempts"], max_attempts=row["max_attempts"], not_before=t(row["not_before"]),
        deadline=t(row["deadline"]), lease_owner=row["lease_owner"],
        lease_expires_at=t(row["lease_expires_at"]), created_at=t(row["created_at"]),
        created_by=row["created_by"], started_at=t(row["started_at"]), finished_at=t(row["finished_at"]),
        output=load_json(row["output"]),
        error_kind=ErrorKind(row["error_kind"]) if row["error_kind"] else None,
        error_code=row["error_code"], error_message=row["error_message"], parent_id=row["parent_id"],
        run_id=row["run_id"], manual_reason=row["manual_reason"], assigned_to=row["assigned_to"],
        resolution=row["resolution"], updated_at=t(row["updated_at"]),
    )


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
