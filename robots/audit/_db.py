"""Small helpers for modules that keep tables beside the queue (audit seals, scheduler state).

They use the backend's connection and write transaction, with their own named SQL per dialect in
``robots/queue/sql/<family>_<dialect>.sql`` (as robots.watchlist does).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ..queue import QueueBackend, _rows
from ..queue.sql import queries


def is_sqlite(backend: QueueBackend) -> bool:
    return backend.dialect == "sqlite"  # type: ignore[attr-defined]


def sql(backend: QueueBackend, family: str) -> dict[str, str]:
    """The named statements of one family (``audit``, ``scheduler``) for the backend's dialect."""
    return queries(f"{family}_{backend.dialect}")  # type: ignore[attr-defined]


def time_parser(backend: QueueBackend) -> Callable[[Any], datetime | None]:
    return _rows.parse_utc_text if is_sqlite(backend) else _rows.aware


def db_time(backend: QueueBackend, value: datetime | None) -> Any:
    """A time as the backend stores it (UTC text on SQLite, a timestamptz on PostgreSQL)."""
    return _rows.utc_text(value) if is_sqlite(backend) else value


def db_list(backend: QueueBackend, values: Sequence[Any]) -> Any:
    """A list parameter (a JSON array for SQLite's json_each, an array for PostgreSQL)."""
    return json.dumps(list(values)) if is_sqlite(backend) else list(values)


def read(backend: QueueBackend, family: str, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One read statement on the backend's connection (under its lock, outside a write)."""
    with backend._lock:  # type: ignore[attr-defined]
        rows = backend._conn.execute(sql(backend, family)[name], params or {}).fetchall()  # type: ignore[attr-defined]
    return [dict(r) for r in rows]


def execute(backend: QueueBackend, family: str, name: str, params: dict[str, Any] | None = None) -> None:
    """One write statement that returns no rows, in its own transaction."""
    with backend._write() as tx:  # type: ignore[attr-defined]
        tx.conn.execute(sql(backend, family)[name], params or {})
