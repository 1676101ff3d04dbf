"""What the scheduler remembers in the database: when each schedule last fired, and the loaded schedules.

``schedule_state`` holds, per schedule, the scheduled time of the last fire that was handled (run,
skipped because the previous run was still going, or made up for after a down time). A scheduler
that becomes active compares it with the schedule's fires up to now: those in between were missed.
``scheduler_config`` holds the schedules the active scheduler loaded, to record changes to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..audit import _db
from ..queue import QueueBackend, _rows
from ..timeutil import now


@dataclass(frozen=True)
class ScheduleState:
    name: str
    last_fire_at: datetime
    last_run_id: str | None
    updated_at: datetime
    updated_by: str

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def load_state(backend: QueueBackend) -> dict[str, ScheduleState]:
    parse = _db.time_parser(backend)
    return {
        r["name"]: ScheduleState(r["name"], parse(r["last_fire_at"]), r["last_run_id"],  # type: ignore[arg-type]
                                 parse(r["updated_at"]), r["updated_by"])  # type: ignore[arg-type]
        for r in _db.read(backend, "scheduler", "state_all")
    }


def mark_fired(backend: QueueBackend, name: str, fire_at: datetime, actor: str) -> None:
    """Record that the fire of ``name`` scheduled for ``fire_at`` was handled."""
    _db.execute(backend, "scheduler", "state_set", {
        "name": name, "last_fire_at": _db.db_time(backend, fire_at), "now": _db.db_time(backend, now()),
        "actor": actor})


def mark_run(backend: QueueBackend, name: str, run_id: str) -> None:
    _db.execute(backend, "scheduler", "state_run", {"name": name, "run_id": run_id,
                                                    "now": _db.db_time(backend, now())})


def loaded_config(backend: QueueBackend) -> dict[str, Any] | None:
    """The schedules the last active scheduler loaded: sha256, definitions, loaded_at, loaded_by."""
    rows = _db.read(backend, "scheduler", "config_get")
    if not rows:
        return None
    row = rows[0]
    return {"sha256": row["sha256"], "definitions": _rows.load_json(row["definitions"]),
            "loaded_at": _db.time_parser(backend)(row["loaded_at"]), "loaded_by": row["loaded_by"]}


def store_config(backend: QueueBackend, sha256: str, definitions: dict[str, Any], actor: str) -> None:
    _db.execute(backend, "scheduler", "config_set", {
        "sha256": sha256, "definitions": json.dumps(definitions, sort_keys=True, ensure_ascii=False),
        "now": _db.db_time(backend, now()), "actor": actor})


def config_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    """Which schedules/triggers were added, removed or changed between two definitions."""
    changes: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    for section in sorted(set(before) | set(after)):
        old, new = before.get(section) or {}, after.get(section) or {}
        if not isinstance(old, dict) or not isinstance(new, dict) or section == "retention":
            if old != new:
                changes["changed"].append(section)
            continue
        changes["added"] += [f"{section}.{k}" for k in sorted(set(new) - set(old))]
        changes["removed"] += [f"{section}.{k}" for k in sorted(set(old) - set(new))]
        changes["changed"] += [f"{section}.{k}" for k in sorted(set(old) & set(new)) if old[k] != new[k]]
    return changes


__all__ = ["ScheduleState", "config_changes", "load_state", "loaded_config", "mark_fired", "mark_run",
           "store_config"]
