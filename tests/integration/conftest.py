"""Shared fixtures: a fresh, migrated queue database on each backend (for the modules that keep
tables beside the queue: one suite, run against SQLite and PostgreSQL), and a private database, conf
and runs directory for tests that run a process step (``env``, ``echo_backend``)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from robots import config
from robots.processes import define_queues
from robots.queue import QueueBackend, connect
from robots.runtime import load_process

REPO = Path(__file__).resolve().parents[2]
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


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ROBOTS_DATABASE_URL, ROBOTS_CONF and ROBOTS_RUNS_DIR under tmp_path (subprocesses inherit them)."""
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    (conf / "processes").mkdir(exist_ok=True)
    monkeypatch.setenv("ROBOTS_DATABASE_URL", f"sqlite:///{tmp_path / 'robots.sqlite3'}")
    monkeypatch.setenv("ROBOTS_CONF", str(conf))
    monkeypatch.setenv("ROBOTS_RUNS_DIR", str(tmp_path / "runs"))
    config.settings.cache_clear()
    yield tmp_path
    config.settings.cache_clear()


@pytest.fixture()
def echo_backend(env: Path) -> Iterator[QueueBackend]:
    backend = connect()
    backend.upgrade()
    define_queues(backend, extra=load_process("tests.processes.echo").queues)
    backend.reap_interval = 0
    yield backend
    backend.close()
