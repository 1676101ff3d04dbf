"""The desk's access to the queue database: its own named statements on the backend's connection.

The desk shares the open :class:`~robots.queue.QueueBackend` (one connection, under its lock) and
writes inside the backend's transactions, so a desk change and its audit event commit together
(as robots/watchlist.py does). Times go in and come out per dialect: UTC text on SQLite,
timestamptz on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from ..queue import QueueBackend, _rows
from .sql import queries


class Db:
    """Named statements of ``robots/web/sql/<dialect>.sql`` run on one queue backend."""

    def __init__(self, backend: QueueBackend) -> None:
        self.backend = backend
        self.dialect: str = backend.dialect  # type: ignore[attr-defined]
        self.sql = queries(self.dialect)
        self.sqlite = self.dialect == "sqlite"

    def time_param(self, value: datetime | None) -> Any:
        """A time as this dialect stores it."""
        return _rows.utc_text(value) if self.sqlite else value

    def time(self, value: Any) -> datetime | None:
        """A stored time as an aware UTC datetime."""
        return _rows.parse_utc_text(value) if self.sqlite else _rows.aware(value)

    def read(self, statement: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read statement (a name from the SQL file, or composed SQL) and return dict rows."""
        sql = self.sql.get(statement, statement)
        backend = self.backend
        with backend._lock:  # type: ignore[attr-defined]
            rows = backend._conn.execute(sql, params or {}).fetchall()  # type: ignore[attr-defined]
        if self.sqlite:
            return [dict(zip(row.keys(), row, strict=True)) for row in rows]
        return rows

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """A write transaction of the backend: statements and audit events commit together."""
        with self.backend._write() as tx:  # type: ignore[attr-defined]
            yield Writer(self, tx)


class Writer:
    """Statements inside one write transaction; ``now`` is the transaction's time."""

    def __init__(self, db: Db, tx: Any) -> None:
        self.db, self.tx = db, tx
        self.now: datetime = tx.now

    def run(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        cursor = self.tx.conn.execute(self.db.sql[name], params)
        if cursor.description is None:
            return []
        rows = cursor.fetchall()
        if self.db.sqlite:
            return [dict(zip(row.keys(), row, strict=True)) for row in rows]
        return rows

    def event(self, actor: str, action: str, reason: str | None, detail: dict[str, Any] | None = None) -> None:
        """An audit event about no item (a user added, a sign-in), in this transaction."""
        self.tx.insert_event(None, actor, action, None, None, reason, detail)
