"""What ``robots schedule ls`` (and the dashboard) shows: each schedule with its next fires and last run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..audit import _db
from ..queue import QueueBackend
from ..timeutil import now
from . import state
from .config import Schedules
from .lock import current_holder
from .rules import CronRule, parse_time_of_day


def overview(schedules: Schedules, backend: QueueBackend | None, *, count: int = 5,
             at: datetime | None = None) -> dict[str, Any]:
    """Plain data (times as ISO 8601): schedules, queue triggers, retention, the active scheduler."""
    at = at or now()
    states = state.load_state(backend) if backend else {}
    holder = current_holder(backend) if backend else None
    loaded = state.loaded_config(backend) if backend else None

    def last(name: str) -> dict[str, Any]:
        st = states.get(name)
        return {"last_fire_at": st.last_fire_at.isoformat() if st else None,
                "last_run_id": st.last_run_id if st else None}

    rows = [{
        "name": s.name, "process": s.process, "step": s.step, "when": s.rule.describe(), "enabled": s.enabled,
        "next": [t.isoformat() for t in s.next_fires(at, count)] if s.enabled else [], **last(s.name),
    } for s in schedules.schedules.values()]
    triggers = [{
        "name": t.name, "process": t.process, "queue": t.queue, "step": t.step, "min_items": t.min_items,
        "max_workers": t.max_workers, "enabled": t.enabled,
        "due": _due(backend, t.queue) if backend else None,
    } for t in schedules.triggers.values()]
    retention = schedules.retention
    retention_rule = CronRule(f"{parse_time_of_day(retention.time).minute} {parse_time_of_day(retention.time).hour} "
                              f"* * *")
    return {
        "schedules": rows,
        "queue_triggers": triggers,
        "retention": {"enabled": retention.enabled, "keep_days": retention.keep_days, "time": retention.time,
                      "next": retention_rule.next_fire(at).isoformat() if retention.enabled else None,  # type: ignore[union-attr]
                      **last("_retention")},
        "scheduler": None if holder is None else {**holder.to_dict(), "active": holder.expires_at > at},
        "config": {"file": str(schedules.path), "sha256": schedules.sha256,
                   "loaded_by_scheduler": loaded["sha256"] if loaded else None,
                   "up_to_date": loaded is None or loaded["sha256"] == schedules.sha256},
    }


def _due(backend: QueueBackend, queue: str) -> int:
    rows = _db.read(backend, "scheduler", "due_items", {"queue": queue, "now": _db.db_time(backend, now())})
    return int(rows[0]["n"])


__all__ = ["overview"]
