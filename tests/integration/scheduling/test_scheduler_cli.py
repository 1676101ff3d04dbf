"""``robots schedule ls|run`` and ``robots scheduler`` as an operator uses them (SQLite, the echo process)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta

from robots.queue import NewItem, Status
from robots.queue.runs import RunStore
from robots.scheduling import state
from robots.timeutil import COPENHAGEN, now

from .conftest import ECHO, ROBOTS, SchedulingEnv

SCHEDULES = f"""
[scheduler]
lock_lease_seconds = 10
heartbeat_seconds = 1

[schedules.weekdays]
process = "{ECHO}"
step = "work"
cron = "0 7 * * 1-5"

[schedules.tenth]
process = "{ECHO}"
rule = "monthly_day_or_next_business_day"
day = 10
time = "06:00"
enabled = false

[queue_triggers.echo]
process = "{ECHO}"
queue = "test_echo.input"
min_items = 10
"""


def test_ls_shows_each_schedule_with_its_next_five_runs(sqlite_env: SchedulingEnv) -> None:
    sqlite_env.write_schedules(SCHEDULES)
    proc = sqlite_env.robots("schedule", "ls", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    weekdays = next(s for s in data["schedules"] if s["name"] == "weekdays")
    fires = [datetime.fromisoformat(t).astimezone(COPENHAGEN) for t in weekdays["next"]]
    assert len(fires) == 5 and fires == sorted(fires) and fires[0] > now()
    assert all(f.weekday() < 5 and (f.hour, f.minute) == (7, 0) for f in fires)  # Monday-Friday, crontab's 1-5
    assert {f.date() for f in fires} == {(fires[0] + timedelta(days=n)).date() for n in range(7)
                                         if (fires[0] + timedelta(days=n)).weekday() < 5}
    tenth = next(s for s in data["schedules"] if s["name"] == "tenth")
    assert tenth["enabled"] is False and tenth["next"] == [] and "the 10th" in tenth["when"]
    assert data["queue_triggers"][0] | {"due": 0} == {
        "name": "echo", "process": ECHO, "queue": "test_echo.input", "step": "work", "min_items": 10,
        "max_workers": 2, "enabled": True, "due": 0}
    assert data["scheduler"] is None
    human = sqlite_env.robots("schedule", "ls")
    assert human.returncode == 0 and "next 5 runs" in human.stdout and "no scheduler is active" in human.stdout


def test_schedule_run_starts_one_now(sqlite_env: SchedulingEnv) -> None:
    sqlite_env.write_schedules(SCHEDULES)
    with sqlite_env.backend() as backend:
        backend.add("test_echo.input", [NewItem(f"now-{n}", {"n": n}) for n in range(3)])
    proc = sqlite_env.robots("schedule", "run", "weekdays", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["schedule"], summary["status"], summary["done"]) == ("weekdays", "succeeded", 3)
    with sqlite_env.backend() as backend:
        record = RunStore(backend).get(summary["run_id"])
        assert record.trigger == "schedule" and record.started_by.startswith("cli:")
        by_hand = [e for e in backend.events() if e.action == "schedule_run_by_hand"]
        assert len(by_hand) == 1 and by_hand[0].detail["schedule"] == "weekdays"  # type: ignore[index]
    unknown = sqlite_env.robots("schedule", "run", "nope")
    assert unknown.returncode == 1 and "no schedule 'nope' (schedules: weekdays, tenth)" in unknown.stderr


def test_the_scheduler_refuses_a_bad_cron_line_or_unknown_process_at_start(sqlite_env: SchedulingEnv) -> None:
    path = sqlite_env.write_schedules(f'[schedules.nightly]\nprocess = "{ECHO}"\ncron = "61 2 * * *"\n')
    proc = sqlite_env.robots("scheduler", "--once")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1
    assert lines[0].startswith(f"robots: error: {path}: schedules.nightly.cron: bad cron expression '61 2 * * *'")
    sqlite_env.write_schedules('[schedules.nightly]\nprocess = "bogus_no_such_process"\ncron = "0 2 * * *"\n')
    proc = sqlite_env.robots("scheduler", "--once")
    assert proc.returncode == 1
    assert f"{path}: schedules.nightly.process: unknown process 'bogus_no_such_process'" in proc.stderr
    with sqlite_env.backend() as backend:  # nothing started, nothing recorded
        assert not [e for e in backend.events() if e.action.startswith("schedule")]


def test_missed_runs_are_reported_and_run_once(sqlite_env: SchedulingEnv) -> None:
    sqlite_env.write_schedules(f'[schedules.hourly]\nprocess = "{ECHO}"\nstep = "work"\ncron = "0 * * * *"\n')
    down_since = now() - timedelta(days=3, minutes=10)
    with sqlite_env.backend() as backend:
        state.mark_fired(backend, "hourly", down_since, "scheduler-before")  # then no scheduler for 3 days
        backend.add("test_echo.input", [NewItem(f"missed-{n}", {"n": n}) for n in range(4)])
    proc = sqlite_env.robots("scheduler", "--once", "--id", "scheduler-test")
    assert proc.returncode == 0, proc.stderr
    assert "run(s) of hourly missed while no scheduler was active" in proc.stderr
    with sqlite_env.backend() as backend:
        (missed,) = [e for e in backend.events() if e.action == "schedule_missed"]
        assert 72 <= missed.detail["missed"] <= 73 and missed.actor == "scheduler-test"  # type: ignore[index]
        runs = RunStore(backend).list(process="echo")
        assert len(runs) == 1  # once, not 72 times
        assert (runs[0].trigger, runs[0].started_by, runs[0].status) == ("schedule", "scheduler-test", "succeeded")
        assert backend.stats("test_echo.input")["test_echo.input"][Status.DONE] == 4
        last = state.load_state(backend)["hourly"]
        assert last.last_run_id == runs[0].id
        assert now() - timedelta(hours=1) < last.last_fire_at <= now() and last.last_fire_at.minute == 0
    again = sqlite_env.robots("scheduler", "--once", "--id", "scheduler-test")
    assert again.returncode == 0 and "run(s) of hourly missed" not in again.stderr
    with sqlite_env.backend() as backend:
        assert len(RunStore(backend).list(process="echo")) == 1
        assert len([e for e in backend.events() if e.action == "schedule_missed"]) == 1


def test_first_start_runs_nothing_and_records_the_schedules_and_their_changes(sqlite_env: SchedulingEnv) -> None:
    sqlite_env.write_schedules(SCHEDULES)
    assert sqlite_env.robots("scheduler", "--once", "--id", "s1").returncode == 0
    with sqlite_env.backend() as backend:
        assert RunStore(backend).list(process="echo") == []
        assert set(state.load_state(backend)) == {"weekdays", "_retention"}  # baselines: from now on
        (loaded,) = [e for e in backend.events() if e.action == "schedules_changed"]
        assert "first loaded" in (loaded.reason or "") and loaded.detail["added"] == [  # type: ignore[index]
            "queue_triggers.echo", "schedules.tenth", "schedules.weekdays"]
    sqlite_env.write_schedules(SCHEDULES.replace('cron = "0 7 * * 1-5"', 'cron = "0 8 * * 1-5"'))
    assert sqlite_env.robots("scheduler", "--once", "--id", "s2").returncode == 0
    assert sqlite_env.robots("scheduler", "--once", "--id", "s3").returncode == 0  # unchanged: no new event
    with sqlite_env.backend() as backend:
        changes = [e for e in backend.events() if e.action == "schedules_changed"]
        assert len(changes) == 2 and changes[1].actor == "s2"
        assert changes[1].detail["changed"] == ["schedules.weekdays"]  # type: ignore[index]
        ls = json.loads(sqlite_env.robots("schedule", "ls", "--json").stdout)
        assert ls["config"]["up_to_date"] is True


def test_sigterm_lets_running_workers_finish_their_item_and_stops(sqlite_env: SchedulingEnv) -> None:
    sqlite_env.write_schedules(f"""
[scheduler]
lock_lease_seconds = 4
heartbeat_seconds = 1
queue_check_seconds = 0.5
[retention]
enabled = false
[queue_triggers.echo]
process = "{ECHO}"
queue = "test_echo.input"
min_items = 1
max_workers = 1
""")
    with sqlite_env.backend() as backend:
        backend.add("test_echo.input", [NewItem(f"slow-{n}", {"sleep": 0.5}) for n in range(30)])
        log = (sqlite_env.root / "scheduler.log").open("wb")
        proc = subprocess.Popen([ROBOTS, "scheduler", "--id", "graceful"], stdout=log, stderr=subprocess.STDOUT,
                                env=os.environ.copy())
        deadline = time.monotonic() + 40
        while backend.stats("test_echo.input")["test_echo.input"][Status.DONE] < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        counts = backend.stats("test_echo.input")["test_echo.input"]
        assert counts[Status.IN_PROGRESS] == 0 and 2 <= counts[Status.DONE] < 30  # current item finished, rest left
        (run,) = RunStore(backend).list(process="echo")
        assert (run.status, run.trigger, run.started_by) == ("stopped", "queue trigger", "graceful")
        assert [e.action for e in backend.events() if e.actor == "graceful"][-1] == "scheduler_stopped"
