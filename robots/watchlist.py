"""The flex wage watch list ("obsliste"): citizens the robot must not look at, kept by caseworkers.

Thisted's caseworkers put about a fifth of the flex wage cases on it because they know of special
circumstances; the flex wage robot skips a citizen on it before any look-up. The list lives in
the queue's database (table ``watch_list``, migration 0005), so every robot machine, the desk and
the command line see one list. API, over an open :class:`~robots.queue.QueueBackend`::

    from robots import watchlist
    watchlist.add(backend, "450377-1234", "reassessment of working hours", actor="desk:kmj")
    watchlist.contains(backend, "4503771234")  # True
    watchlist.ls(backend)                        # active entries, oldest first
    watchlist.remove(backend, "450377-1234", actor="desk:kmj", reason="settled")

Every change is written together with its audit event (``watch_list_added`` /
``watch_list_removed``) in one transaction; the event names the CPR masked (DDMMYY-XXXX) and the
entry id, never the full number. A removal keeps the row (removed_at/by/reason), so the table holds
the list's whole history. The SQL is in ``robots/queue/sql/watch_list_<dialect>.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .cpr import mask, normalise
from .queue import QueueBackend, QueueError, _rows
from .queue.sql import queries

ADDED = "watch_list_added"
REMOVED = "watch_list_removed"


class WatchListError(QueueError):
    """A watch-list change that cannot be made (not on the list, no reason given)."""


@dataclass(frozen=True)
class Entry:
    """A citizen on the watch list: since when, put there by whom, and why."""

    id: int
    cpr: str
    reason: str
    added_by: str
    added_at: datetime

    @property
    def masked_cpr(self) -> str:
        return mask(self.cpr)

    def to_dict(self) -> dict[str, Any]:
        """For output meant for people and scripts: the CPR (and any CPR in the reason) masked."""
        return {"id": self.id, "cpr": self.masked_cpr, "reason": mask(self.reason), "added_by": self.added_by,
                "added_at": self.added_at.isoformat()}


@dataclass(frozen=True)
class Change:
    """The entry a call acted on, and whether the list changed (False: it already was so)."""

    entry: Entry
    changed: bool


def _sql(backend: QueueBackend) -> dict[str, str]:
    return queries(f"watch_list_{backend.dialect}")  # type: ignore[attr-defined]


def _is_sqlite(backend: QueueBackend) -> bool:
    return backend.dialect == "sqlite"  # type: ignore[attr-defined]


def _entry(backend: QueueBackend, row: Any) -> Entry:
    values = dict(row)
    parse = _rows.parse_utc_text if _is_sqlite(backend) else _rows.aware
    return Entry(id=int(values["id"]), cpr=values["cpr"], reason=values["reason"], added_by=values["added_by"],
                 added_at=parse(values["added_at"]))  # type: ignore[arg-type]


def _required(text: str, what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise WatchListError(f"a watch-list change needs {what}")
    return text.strip()


def add(backend: QueueBackend, cpr: str, reason: str, actor: str) -> Change:
    """Put a citizen on the watch list; one already on it stays as is (``changed`` False)."""
    key = normalise(cpr)
    reason, actor = _required(reason, "a reason"), _required(actor, "an actor (who makes it)")
    sql = _sql(backend)
    with backend._write() as tx:  # type: ignore[attr-defined]
        now = _rows.utc_text(tx.now) if _is_sqlite(backend) else tx.now
        row = tx.conn.execute(sql["insert"], {"cpr": key, "reason": reason, "actor": actor, "now": now}).fetchone()
        if row is None:  # already on the list: nothing changes, nothing to audit
            existing = tx.conn.execute(sql["active"], {"cpr": key}).fetchone()
            return Change(_entry(backend, existing), changed=False)
        entry = _entry(backend, row)
        tx.insert_event(None, actor, ADDED, None, None, mask(reason)[:500],
                        {"cpr": entry.masked_cpr, "entry_id": entry.id})
    return Change(entry, changed=True)


def remove(backend: QueueBackend, cpr: str, actor: str, reason: str) -> Entry:
    """Take a citizen off the watch list (the entry that was removed); WatchListError if not on it."""
    key = normalise(cpr)
    reason, actor = _required(reason, "a reason"), _required(actor, "an actor (who makes it)")
    sql = _sql(backend)
    with backend._write() as tx:  # type: ignore[attr-defined]
        now = _rows.utc_text(tx.now) if _is_sqlite(backend) else tx.now
        row = tx.conn.execute(sql["remove"], {"cpr": key, "reason": reason, "actor": actor, "now": now}).fetchone()
        if row is None:
            raise WatchListError(f"{mask(key)} is not on the watch list; nothing changed")
        entry = _entry(backend, row)
        tx.insert_event(None, actor, REMOVED, None, None, mask(reason)[:500],
                        {"cpr": entry.masked_cpr, "entry_id": entry.id})
    return entry


def get(backend: QueueBackend, cpr: str) -> Entry | None:
    """The citizen's active entry, or None when they are not on the watch list."""
    rows = _read(backend, "active", {"cpr": normalise(cpr)})
    return _entry(backend, rows[0]) if rows else None


def contains(backend: QueueBackend, cpr: str) -> bool:
    """Whether the citizen is on the watch list now."""
    return get(backend, cpr) is not None


def ls(backend: QueueBackend) -> list[Entry]:
    """Everyone on the watch list now, oldest entry first."""
    return [_entry(backend, row) for row in _read(backend, "list_active", {})]


def _read(backend: QueueBackend, name: str, params: dict[str, Any]) -> list[Any]:
    """One read statement on the backend's connection (under its lock, outside a write)."""
    with backend._lock:  # type: ignore[attr-defined]
        return backend._conn.execute(_sql(backend)[name], params).fetchall()  # type: ignore[attr-defined]


__all__ = ["ADDED", "REMOVED", "Change", "Entry", "WatchListError", "add", "contains", "get", "ls", "remove"]
