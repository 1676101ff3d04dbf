"""Helpers for a process's own tests: a private robot environment pointed at the simulators.

Used by every process's end-to-end test (and by the template's, which ``robots new-process``
copies)::

    from robots.testing import RobotEnv

    def test_end_to_end(robot_env, make_simulators):
        env = robot_env(make_simulators())
        record = env.run("my_process", "produce")
        ...

The environment is a fresh SQLite database, a copy of ``conf/`` whose ``[systems]`` point at the
given simulators, the simulators' login as the default credential, and a runs directory, all
under ``tmp_path`` and undone by ``monkeypatch`` after the test.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import config
from .paths import conf_dir
from .processes import define_queues
from .queue import QueueBackend, Status, WorkItem, connect
from .queue.runs import RunRecord
from .runtime import WorkerOptions, load_process, run_step
from .runtime.process import Process


def _point_at(settings_toml: str, systems: dict[str, str]) -> str:
    for name, url in systems.items():
        settings_toml, found = re.subn(rf'(?m)^{name}\s*=\s*".*"$', f'{name} = "{url}"', settings_toml)
        if not found:
            raise ValueError(f"conf/settings.toml has no [systems] {name}")
    return settings_toml


@dataclass
class RobotEnv:
    root: Path
    backend: QueueBackend
    simulators: Any

    @classmethod
    def start(cls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, simulators: Any,
              process_config: dict[str, str] | None = None, database_url: str | None = None) -> RobotEnv:
        """Database (an SQLite file, or ``database_url``), conf and credentials for a test, against ``simulators``."""
        conf = tmp_path / "conf"
        shutil.copytree(conf_dir(), conf)
        (conf / "processes").mkdir(exist_ok=True)
        settings = conf / "settings.toml"
        settings.write_text(_point_at(settings.read_text(encoding="utf-8"), simulators.systems), encoding="utf-8")
        for name, text in (process_config or {}).items():
            (conf / "processes" / f"{name}.toml").write_text(text, encoding="utf-8")
        user, password = simulators.credentials
        monkeypatch.setenv("ROBOTS_DATABASE_URL", database_url or f"sqlite:///{tmp_path / 'robots.sqlite3'}")
        monkeypatch.setenv("ROBOTS_CONF", str(conf))
        monkeypatch.setenv("ROBOTS_RUNS_DIR", str(tmp_path / "runs"))
        monkeypatch.setenv("ROBOTS_CREDENTIAL_DEFAULT", f"{user}:{password}")
        config.settings.cache_clear()
        backend = connect()
        backend.upgrade()
        define_queues(backend)
        return cls(tmp_path, backend, simulators)

    def process(self, name: str) -> Process:
        process = load_process(name)
        define_queues(self.backend, extra=process.queues)
        return process

    def run(self, process: str, step: str, **options: Any) -> RunRecord:
        """Run one step in this test's process until its queue is empty; the finished run record."""
        options.setdefault("wait_for_retries_seconds", 30.0)
        return run_step(self.process(process), step, self.backend, options=WorkerOptions(**options))

    def items(self, queue: str) -> list[WorkItem]:
        return self.backend.items(queue=queue, limit=100_000)

    def unfinished(self, queue: str) -> list[WorkItem]:
        """Items that ended neither done nor in manual with a reason (should be none)."""
        return [i for i in self.items(queue)
                if not (i.status is Status.DONE or (i.status is Status.MANUAL and i.manual_reason))]

    def close(self) -> None:
        self.backend.close()
        config.settings.cache_clear()


@pytest.fixture()
def robot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., RobotEnv]]:
    """Factory: ``robot_env(simulators, process_config={...}, database_url=...)`` -> a RobotEnv, closed after."""
    envs: list[RobotEnv] = []

    def start(simulators: Any, process_config: dict[str, str] | None = None,
              database_url: str | None = None) -> RobotEnv:
        env = RobotEnv.start(tmp_path, monkeypatch, simulators, process_config, database_url)
        envs.append(env)
        return env

    yield start
    for env in envs:
        env.close()


class SmtpInbox:
    """What a local SMTP server received (aiosmtpd), as parsed e-mail messages."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture()
def smtp_inbox() -> Iterator[SmtpInbox]:
    """A real SMTP server on a free loopback port for the test (``smtp_inbox.port``)."""
    import socket

    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        inbox.port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


__all__ = ["RobotEnv", "SmtpInbox", "robot_env", "smtp_inbox"]


@pytest.fixture()
def secret_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh credential key file under tmp_path (``ROBOTS_SECRET_KEY_FILE``), ``ROBOTS_SECRET_KEY`` unset."""
    from .credentials import new_key

    monkeypatch.delenv("ROBOTS_SECRET_KEY", raising=False)
    monkeypatch.setenv("ROBOTS_SECRET_KEY_FILE", str(tmp_path / "keys" / "secret.key"))
    return new_key()
