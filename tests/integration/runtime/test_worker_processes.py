"""Workers as real processes: `robots run` / `robots worker` through robocorp.tasks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from robots.queue import NewItem, QueueBackend, Status
from robots.queue.runs import RunStore

ROBOTS = str(Path(sys.executable).with_name("robots"))
INPUT = "test_echo.input"
pytestmark = pytest.mark.slow


def robots(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ROBOTS, *args], capture_output=True, text=True, timeout=timeout, env=os.environ.copy())


def test_two_worker_processes_share_the_work_without_overlap(echo_backend: QueueBackend) -> None:
    ids = echo_backend.add(INPUT, [NewItem(f"w-{n:03d}", {"sleep": 0.01}) for n in range(150)]).added
    proc = robots("worker", "tests.processes.echo", "--step", "work", "--processes", "2", "--until-empty", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["status"] == "succeeded" and summary["done"] == 150
    per_worker = [s["counts"].get("done", 0) for s in summary["steps"]]
    assert len(per_worker) == 2 and all(n > 0 for n in per_worker) and sum(per_worker) == 150
    for item_id in ids.values():
        events = echo_backend.events(item_id)
        assert [e.action for e in events].count("claimed") == 1
        assert [e.action for e in events].count("completed") == 1
    claimers = {e.actor.split("/")[0] for i in ids.values() for e in echo_backend.events(i) if e.action == "claimed"}
    assert claimers == {s["run_id"] for s in summary["steps"]}


def test_run_prints_summary_and_records_artifacts(echo_backend: QueueBackend) -> None:
    echo_backend.add(INPUT, [NewItem("biz", {"business": "watch_list"}), NewItem("ok", {})])
    proc = robots("run", "tests.processes.echo", "--step", "work", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["done"], summary["manual"], summary["manual_reasons"]) == (1, 1, {"watch_list": 1})
    assert (summary["finished"], summary["automation_rate"]) == (2, 0.5)
    step = summary["steps"][0]
    artifacts = Path(step["artifacts_dir"])
    assert (artifacts / "log.html").is_file() and (artifacts / "run.jsonl").is_file()
    record = RunStore(echo_backend).get(summary["run_id"])
    assert record.status == "succeeded" and record.trigger == "operator"
    shown = json.loads(robots("runs", "show", summary["run_id"], "--json").stdout)
    assert shown["steps"][0]["counts"]["done"] == 1
    listed = json.loads(robots("runs", "ls", "--json").stdout)
    assert listed[0]["id"] == summary["run_id"]


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def test_sigterm_finishes_the_current_item_and_stops(echo_backend: QueueBackend) -> None:
    echo_backend.add(INPUT, [NewItem(f"slow-{n}", {"sleep": 1.0}) for n in range(5)])
    proc = subprocess.Popen([ROBOTS, "worker", "tests.processes.echo", "--step", "work", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: echo_backend.stats(INPUT)[INPUT]["in_progress"] == 1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    summary = json.loads(out)
    assert summary["status"] == "stopped", err
    assert "SIGTERM" in summary["steps"][0]["stop_reason"]
    stats = echo_backend.stats(INPUT)[INPUT]
    assert stats["in_progress"] == 0 and stats["done"] >= 1 and stats["new"] == 5 - stats["done"]


def test_sigkill_loses_nothing(echo_backend: QueueBackend) -> None:
    (item_id,) = echo_backend.add(INPUT, [NewItem("killed", {"sleep_first": 60})]).added.values()
    proc = subprocess.Popen([ROBOTS, "worker", "tests.processes.echo", "--step", "work"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_for(lambda: echo_backend.get(item_id).status is Status.IN_PROGRESS)
    os.killpg(proc.pid, signal.SIGKILL)  # the worker and its step process, without warning
    proc.wait(timeout=10)
    # The lease (5 s for this queue) runs out; the next run's claim brings the item back.
    time.sleep(5.5)
    done = robots("run", "tests.processes.echo", "--step", "work", "--json")
    assert json.loads(done.stdout)["done"] == 1, done.stderr
    item = echo_backend.get(item_id)
    assert item.status is Status.DONE and item.attempts == 2
    events = echo_backend.events(item_id)
    assert [e.action for e in events] == ["created", "claimed", "lease_expired", "claimed", "completed"]
    assert events[1].actor != events[3].actor  # two different workers


def test_no_unmasked_cpr_reaches_any_log_file(echo_backend: QueueBackend, env: Path) -> None:
    (env / "conf" / "processes" / "echo.toml").write_text("max_consecutive_application_errors = 10\n")
    echo_backend.add(INPUT, [NewItem("cpr-case", {"cpr_error": "4605011234"}),
                             NewItem("cpr-case-2", {"cpr_error": "470812-4321"})])
    proc = robots("run", "tests.processes.echo", "--step", "work", "--json")
    assert proc.returncode == 0, proc.stderr
    run_dir = Path(json.loads(proc.stdout)["artifacts_dir"])
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"run.jsonl", "console.log", "log.html"}
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for secret in ("4605011234", "460501-1234", "4708124321", "470812-4321"):
            assert secret not in text, f"{secret} in {path}"
    records = [json.loads(line) for line in (run_dir / "work" / "run.jsonl").read_text().splitlines()]
    errors = [r for r in records if r.get("event") == "application error"]
    assert errors and all("460501-XXXX" in r["exception"] or "470812-XXXX" in r["exception"] for r in errors)
    assert all(r["run_id"] and r["process"] == "echo" and r["step"] == "work" and r["item_id"] for r in errors)
    assert "460501-XXXX" in proc.stdout or "470812-XXXX" in proc.stdout  # last_error, masked
