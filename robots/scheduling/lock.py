"""One active scheduler at a time, across processes and machines: a lock in the queue database.

Any number of schedulers may be started; the one holding the lock runs jobs, the others stand by
and take over when it goes away. One small interface, two implementations:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its own.
  It is held as long as that session lives: a scheduler that is killed (even SIGKILL) or loses its
  connection loses the lock at once, and a standby takes it on its next try.
- SQLite: a lease row in ``scheduler_lock`` (holder, expires_at), renewed by heartbeats; a standby
  takes it once it has expired. A holder that misses its renewal (paused, killed) stops running
  jobs as soon as it notices; a killed one is replaced after at most one lease.

Both also keep the ``scheduler_lock`` row up to date, so ``robots schedule ls`` shows who is active.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..audit import _db
from ..queue import QueueBackend, QueueError, connect
from ..timeutil import now

PG_SCHEDULER_LOCK = 0x726F626F74730002  # "robots" 0002


@dataclass(frozen=True)
class LockHolder:
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


class SchedulerLock(ABC):
    """The scheduler's lock. ``acquire`` and ``renew`` never block; both say whether it is held."""

    def __init__(self, backend: QueueBackend, holder: str, lease_seconds: float) -> None:
        self.backend = backend
        self.url = backend.url
        self.holder = holder
        self.lease_seconds = lease_seconds
        self.held = False

    @abstractmethod
    def acquire(self) -> bool:
        """Take the lock if it is free; True when this scheduler holds it now."""

    @abstractmethod
    def renew(self) -> bool:
        """Keep holding it (a heartbeat); False when it was lost."""

    @abstractmethod
    def release(self) -> None:
        """Give it up (a standby may take it at once)."""

    def close(self) -> None:
        try:
            if self.held:
                self.release()
        finally:
            self.backend.close()


class SqliteLeaseLock(SchedulerLock):
    """The lease row is the lock (see the module docstring)."""

    def _times(self) -> dict[str, str | None]:
        at = now()
        return {"now": _db.db_time(self.backend, at),
                "until": _db.db_time(self.backend, at + timedelta(seconds=self.lease_seconds))}

    def _write(self, name: str) -> bool:
        with self.backend._write() as tx:  # type: ignore[attr-defined]
            row = tx.conn.execute(_db.sql(self.backend, "scheduler")[name],
                                  {"holder": self.holder, **self._times()}).fetchone()
        return row is not None

    def acquire(self) -> bool:
        self.held = self._write("lock_take")
        return self.held

    def renew(self) -> bool:
        if not self.held:
            return False
        try:
            self.held = self._write("lock_renew")
        except Exception:  # the database is unreachable: we cannot prove we still hold it
            self.held = False
        return self.held

    def release(self) -> None:
        if self.held:
            with self.backend._write() as tx:  # type: ignore[attr-defined]
                tx.conn.execute(_db.sql(self.backend, "scheduler")["lock_release"],
                                {"holder": self.holder, "now": _db.db_time(self.backend, now())})
        self.held = False


class PostgresAdvisoryLock(SchedulerLock):
    """A session-level advisory lock on this lock's own connection (see the module docstring)."""

    def _show(self) -> None:
        _db.read(self.backend, "scheduler", "lock_show", {"holder": self.holder, "lease": self.lease_seconds})

    def acquire(self) -> bool:
        if self.held:
            return self.renew()
        if self.backend._conn.closed or self.backend._conn.broken:  # type: ignore[attr-defined]
            self.backend.close()
            self.backend = connect(self.url)  # a new session (the old one, and any lock it held, is gone)
        (row,) = _db.read(self.backend, "scheduler", "lock_try", {"key": PG_SCHEDULER_LOCK})
        self.held = bool(row["ok"])
        if self.held:
            self._show()
        return self.held

    def renew(self) -> bool:
        if not self.held:
            return False
        try:
            self._show()  # a round trip on the session that holds the lock: it is alive
        except Exception:
            self.held = False  # the session is gone, and with it the lock
        return self.held

    def release(self) -> None:
        if self.held:
            try:
                _db.execute(self.backend, "scheduler", "lock_release", {"holder": self.holder})
                _db.read(self.backend, "scheduler", "lock_unlock", {"key": PG_SCHEDULER_LOCK})
            except Exception:
                pass  # the session is gone: so is the lock
        self.held = False


def open_lock(url: str, holder: str, lease_seconds: float) -> SchedulerLock:
    """The lock for the database at ``url``, on a connection of its own."""
    backend = connect(url)
    if _db.is_sqlite(backend):
        return SqliteLeaseLock(backend, holder, lease_seconds)
    if backend.dialect == "postgresql":  # type: ignore[attr-defined]
        return PostgresAdvisoryLock(backend, holder, lease_seconds)
    backend.close()
    raise QueueError(f"no scheduler lock for {url}")


def current_holder(backend: QueueBackend) -> LockHolder | None:
    """Who holds (or last held) the lock, from the ``scheduler_lock`` row."""
    rows = _db.read(backend, "scheduler", "lock_get")
    if not rows:
        return None
    parse = _db.time_parser(backend)
    row = rows[0]
    return LockHolder(row["holder"], parse(row["acquired_at"]), parse(row["heartbeat_at"]),  # type: ignore[arg-type]
                      parse(row["expires_at"]))  # type: ignore[arg-type]


__all__ = ["LockHolder", "PostgresAdvisoryLock", "SchedulerLock", "SqliteLeaseLock", "current_holder", "open_lock"]
