"""A worker killed (SIGKILL) right after payroll registered a pay line: the retry pays nothing twice.

The worker is a real subprocess running the ``pay`` step as robocorp runs it. The simulator kills it
the moment it records the first 0620 line, before the answer leaves the server: deterministic, and
the worst moment (done in payroll, not known to the robot, the case not yet handled). The item's
lease then runs out and a second run takes it over.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from robots.paths import home
from robots.queue import Status
from robots.timeutil import now

from .test_sixth_holiday_week import EMPLOYEES, PROCESS, REQUESTS, check_requests, inbox_truth, sixth_week_lines, start

pytestmark = [pytest.mark.browser]

LEASE_SECONDS = 3


def spawn_worker(output: Path) -> subprocess.Popen[bytes]:
    """``python -m robocorp.tasks run processes/sixth_holiday_week/tasks.py -t pay`` in its own process group."""
    output.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(home()), "ROBOTS_UNTIL_EMPTY": "1", "ROBOTS_ARTIFACTS_DIR": str(output)}
    tasks = home() / "processes" / PROCESS / "tasks.py"
    with (output / "console.log").open("wb") as console:
        return subprocess.Popen([sys.executable, "-m", "robocorp.tasks", "run", str(tasks), "-t", "pay",
                                 "--output-dir", str(output)], env=env, cwd=home(), stdout=console,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def test_a_worker_killed_after_registering_is_retried_without_paying_twice(robot_env, make_simulators, tmp_path,
                                                                           monkeypatch) -> None:
    sims = make_simulators(employees=EMPLOYEES)
    env = start(robot_env, sims, lease=LEASE_SECONDS)
    truth = inbox_truth(sims)
    assert env.run(PROCESS, "produce").status == "succeeded"
    worker = spawn_worker(tmp_path / "worker")
    killed: list[dict[str, Any]] = []
    record = sims.state.record

    def kill_on_first_pay_line(system: str, action: str, **details: Any) -> None:
        record(system, action, **details)
        if action == "pay_line" and not killed:
            killed.append(details)
            os.killpg(worker.pid, signal.SIGKILL)  # the worker and its browser, before payroll answers

    monkeypatch.setattr(sims.state, "record", kill_on_first_pay_line)
    try:
        assert worker.wait(timeout=50) == -signal.SIGKILL, (tmp_path / "worker" / "console.log").read_text()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    [paid] = killed
    [stuck] = env.backend.items(queue=REQUESTS, status=Status.IN_PROGRESS)
    assert stuck.payload["employee_no"] == paid["employee_no"]
    assert sims.state.cases[stuck.reference].status == "open"  # killed before the case was marked handled
    assert [p.receipt_no for p in sixth_week_lines(sims)] == [paid["receipt_no"]]

    time.sleep(max(0.0, (stuck.lease_expires_at - now()).total_seconds()) + 0.5)  # the lease runs out
    assert env.run(PROCESS, "pay").status == "succeeded"
    check_requests(env, sims, truth, faults=False)
    retried = env.backend.get(stuck.id)
    assert retried.status is Status.DONE and retried.attempts == 2
    assert retried.output["outcome"] == "recorded" and retried.output["pay_line"]["receipt_no"] == paid["receipt_no"]
    assert "lease_expired" in [e.action for e in env.backend.events(stuck.id)]
    assert sum(1 for p in sixth_week_lines(sims) if p.employee_no == paid["employee_no"]) == 1
