"""Fixtures for the queue's conformance, concurrency and crash tests: one fresh database per test.

``backend_url`` is parametrised over both backends: an SQLite file in ``tmp_path``, and a fresh
PostgreSQL database ``robots_t_<hex>`` on the local server, dropped again at teardown. Both are
upgraded; the PostgreSQL ones are copied from a database upgraded once per session (a migration
run costs half a second there, a copy a quarter of that).

The PostgreSQL server must be running (it is here and in CI): when it cannot be reached the
postgres tests fail and say so. Deselect them with ``-m "not postgres"`` on a machine without one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from robots.queue import QueueBackend, connect

PG_ADMIN_URL = os.environ.get("ROBOTS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[psycopg.Connection]:
    """An autocommit connection to the server's maintenance database (to create/drop databases)."""
    try:
        conn = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        problem = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    else:
        with conn:
            yield conn
        return
    pytest.fail(
        f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({problem}). The postgres tests need the server "
        "running (trust auth for user postgres); set ROBOTS_TEST_PG_URL to point elsewhere, or deselect "
        'them with -m "not postgres".',
        pytrace=False,
    )


def _upgraded(url: str) -> str:
    with connect(url) as b:
        applied = b.upgrade()
    assert applied, f"no migrations applied to the fresh database {url}"
    return url


@pytest.fixture(scope="session")
def pg_template(pg_admin: psycopg.Connection) -> Iterator[str]:
    """An upgraded PostgreSQL database that each test's fresh database is copied from (fast)."""
    name = f"robots_t_{uuid.uuid4().hex[:16]}"
    pg_admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _upgraded(_pg_url(name))
        yield name
    finally:
        pg_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, upgraded queue database (for tests that open their own connections)."""
    if request.param == "sqlite":
        yield _upgraded(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
        return
    admin: psycopg.Connection = request.getfixturevalue("pg_admin")
    template: str = request.getfixturevalue("pg_template")
    name = f"robots_t_{uuid.uuid4().hex[:16]}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def open_backend(backend_url: str) -> Iterator[Callable[[], QueueBackend]]:
    """A factory of further connections to the test database (another worker, another machine)."""
    opened: list[QueueBackend] = []

    def factory() -> QueueBackend:
        b = connect(backend_url)
        b.reap_interval = 0  # reap expired leases on every claim
        opened.append(b)
        return b

    yield factory
    for b in opened:
        b.close()


@pytest.fixture()
def backend(open_backend: Callable[[], QueueBackend]) -> QueueBackend:
    """The backend under test, on a fresh database."""
    return open_backend()

