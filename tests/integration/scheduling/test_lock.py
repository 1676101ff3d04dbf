"""One active scheduler: the lock on SQLite (a lease) and PostgreSQL (an advisory lock), one interface."""

from __future__ import annotations

import time

import psycopg

from robots.queue import QueueBackend
from robots.scheduling.lock import PostgresAdvisoryLock, SqliteLeaseLock, current_holder, open_lock


def test_only_one_holds_the_lock_and_the_other_takes_it_when_released(store_url: str, store: QueueBackend) -> None:
    first, second = open_lock(store_url, "scheduler-a", 30), open_lock(store_url, "scheduler-b", 30)
    try:
        assert isinstance(first, SqliteLeaseLock if store_url.startswith("sqlite") else PostgresAdvisoryLock)
        assert first.acquire() and not second.acquire()
        assert first.renew() and first.acquire() and not second.acquire()  # acquiring again keeps it
        holder = current_holder(store)
        assert holder is not None and holder.holder == "scheduler-a" and holder.expires_at > holder.heartbeat_at
        first.release()
        assert not first.held and not first.renew()
        assert second.acquire() and not first.acquire()
        assert current_holder(store).holder == "scheduler-b"  # type: ignore[union-attr]
    finally:
        first.close()
        second.close()


def test_a_dead_holder_is_replaced(store_url: str) -> None:
    lease = 0.6
    first, second = open_lock(store_url, "scheduler-a", lease), open_lock(store_url, "scheduler-b", lease)
    try:
        assert first.acquire()
        if store_url.startswith("sqlite"):
            assert not second.acquire()  # the lease is still running
            time.sleep(lease + 0.2)  # the holder stopped renewing (killed, paused)
        else:  # the holder's session ends (its process was killed): the server drops the lock at once
            pid = first.backend._conn.info.backend_pid  # type: ignore[attr-defined]
            with psycopg.connect(store_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            time.sleep(0.2)
        assert second.acquire()
        assert not first.renew() and not first.held  # the old holder learns it lost the lock
        assert not first.acquire()  # and stands by (on PostgreSQL in a new session)
        second.release()
        assert first.acquire()
    finally:
        first.close()
        second.close()
