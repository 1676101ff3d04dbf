"""A private database, conf directory and runs directory for each runtime test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from robots import config
from robots.processes import define_queues
from robots.queue import QueueBackend, connect
from robots.runtime import load_process

REPO = Path(__file__).resolve().parents[3]


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
