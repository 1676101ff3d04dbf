"""A fresh, migrated queue database on each backend, for the modules that keep tables beside the
queue (watch list, credentials, users, audit seals): one suite, run against SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from robots.queue import QueueBackend, connect

PG_ADMIN_URL = os.environ.get("ROBOTS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An upgraded database: an SQLite file, or a PostgreSQL database made here and dropped after."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
        with connect(url) as backend:
            backend.upgrade()
        yield url
        return
    name = f"robots_store_{uuid.uuid4().hex[:12]}"
    base = PG_ADMIN_URL.rpartition("/")[0]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with connect(f"{base}/{name}") as backend:
                backend.upgrade()
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def store(store_url: str) -> Iterator[QueueBackend]:
    with connect(store_url) as backend:
        yield backend
