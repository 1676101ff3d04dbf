"""A private conf directory (with its own schedules.toml), database and runs directory per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from robots import config
from robots.queue import QueueBackend, connect
from robots.runtime import load_process

REPO = Path(__file__).resolve().parents[3]
ROBOTS = str(Path(sys.executable).with_name("robots"))
ECHO = "tests.processes.echo"


@dataclass
class SchedulingEnv:
    root: Path
    conf: Path
    url: str

    def write_schedules(self, text: str) -> Path:
        path = self.conf / "schedules.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def robots(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ROBOTS, *args], capture_output=True, text=True, timeout=timeout, env=os.environ.copy())

    def backend(self) -> QueueBackend:
        backend = connect(self.url)
        backend.upgrade()
        for spec in load_process(ECHO).queues:
            backend.define_queue(spec)
        return backend


def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> Iterator[SchedulingEnv]:
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    monkeypatch.setenv("ROBOTS_DATABASE_URL", url)
    monkeypatch.setenv("ROBOTS_CONF", str(conf))
    monkeypatch.setenv("ROBOTS_RUNS_DIR", str(tmp_path / "runs"))
    config.settings.cache_clear()
    yield SchedulingEnv(tmp_path, conf, url)
    config.settings.cache_clear()


@pytest.fixture()
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SchedulingEnv]:
    """SQLite only: for the command-line behaviour, which does not depend on the backend."""
    yield from _env(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'robots.sqlite3'}")


@pytest.fixture()
def any_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> Iterator[SchedulingEnv]:
    """Both backends: a fresh upgraded SQLite file or PostgreSQL database (store_url, made and dropped)."""
    yield from _env(tmp_path, monkeypatch, store_url)
