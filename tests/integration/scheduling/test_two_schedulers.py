"""Two schedulers started at once: one runs jobs, the other stands by; SIGKILL the first, the other takes over.

Both backends: SQLite (a lease, taken over when it expires) and PostgreSQL (an advisory lock, free as
soon as the killed scheduler's session ends). The jobs are queue triggers on the echo process: items
added to its queue start workers, whose run records name the scheduler that started them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

import pytest

from robots import audit
from robots.queue import NewItem, Status
from robots.queue.runs import RunStore
from robots.scheduling.lock import current_holder
from robots.timeutil import now

from .conftest import ECHO, ROBOTS, SchedulingEnv

pytestmark = pytest.mark.slow

SCHEDULES = f"""
[scheduler]
lock_lease_seconds = 2
heartbeat_seconds = 0.4
standby_poll_seconds = 0.3
queue_check_seconds = 0.5
seal_interval_seconds = 1

[retention]
enabled = false

[queue_triggers.echo]
process = "{ECHO}"
queue = "test_echo.input"
min_items = 1
max_workers = 1
"""


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def start(env: SchedulingEnv, name: str) -> subprocess.Popen[bytes]:
    log = (env.root / f"{name}.log").open("wb")
    return subprocess.Popen([ROBOTS, "scheduler", "--id", name], stdout=log, stderr=subprocess.STDOUT,
                            env=os.environ.copy(), stdin=subprocess.DEVNULL)


def test_one_active_scheduler_and_a_standby_that_takes_over(any_env: SchedulingEnv) -> None:
    env = any_env
    env.write_schedules(SCHEDULES)
    procs = {"scheduler-a": start(env, "scheduler-a"), "scheduler-b": start(env, "scheduler-b")}  # at once
    try:
        with env.backend() as backend:
            runs = RunStore(backend)

            def active() -> str | None:
                holder = current_holder(backend)
                return holder.holder if holder and holder.expires_at > now() else None

            first = str(wait_for(active, 30, "a scheduler to hold the lock"))
            second = next(name for name in procs if name != first)

            def done() -> int:
                return backend.stats("test_echo.input")["test_echo.input"][Status.DONE]

            def idle(count: int) -> bool:
                return done() == count and not [r for r in runs.list(process="echo") if r.status == "running"]

            backend.add("test_echo.input", [NewItem(f"first-{n}", {"n": n}) for n in range(6)])
            wait_for(lambda: idle(6), 45, "the first items to be done by the active scheduler's workers")
            before = runs.list(process="echo")
            assert before and {(r.trigger, r.started_by) for r in before} == {("queue trigger", first)}
            fired = [e.actor for e in backend.events() if e.action == "queue_trigger_fired"]
            assert set(fired) == {first}  # only the active one ran jobs
            assert active() == first and procs[second].poll() is None  # the other is standing by

            procs[first].send_signal(signal.SIGKILL)
            procs[first].wait(timeout=10)
            killed_at = time.monotonic()
            wait_for(lambda: active() == second, 30, "the standby to take the lock")
            takeover = time.monotonic() - killed_at
            backend.add("test_echo.input", [NewItem(f"second-{n}", {"n": n}) for n in range(6)])
            wait_for(lambda: idle(12), 45, "the new items to be done by the new active scheduler's workers")
            after = [r for r in runs.list(process="echo") if r.id not in {b.id for b in before}]
            assert after and {(r.trigger, r.started_by) for r in after} == {("queue trigger", second)}
            activations = [e.actor for e in backend.events() if e.action == "scheduler_active"]
            assert activations == [first, second]
            assert takeover < (5 if env.url.startswith("sqlite") else 3)
            print(f"takeover after SIGKILL: {takeover:.2f} s ({env.url.split(':')[0]})")

            procs[second].send_signal(signal.SIGTERM)
            assert procs[second].wait(timeout=30) == 0
            assert active() is None  # released on a clean stop
            audit.seal(backend)
            report = audit.verify(backend)
            assert report.ok and report.sealed == report.events
        log = (env.root / f"{second}.log").read_text()
        assert "standing by: another scheduler is active" in log and "active (holds the scheduler lock)" in log
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
