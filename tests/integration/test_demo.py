"""`robots demo`: starts the simulators, runs the processes as robocorp tasks, prints the summary."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def demo_env(tmp_path: Path) -> dict[str, str]:
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    settings = conf / "settings.toml"
    settings.write_text(re.sub(r"127\.0\.0\.1:8700", f"127.0.0.1:{free_port()}", settings.read_text()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROBOTS_")}
    return {**env, "ROBOTS_CONF": str(conf), "ROBOTS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "ROBOTS_RUNS_DIR": str(tmp_path / "runs"), "ROBOTS_SECRET_KEY_FILE": str(tmp_path / "keys" / "secret.key")}


def demo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    robots = Path(sys.executable).with_name("robots")
    return subprocess.run([str(robots), "demo", *args], env=env, capture_output=True, text=True, timeout=600)


def test_demo_runs_processes_against_its_own_simulators(demo_env: dict[str, str]) -> None:
    robots = Path(sys.executable).with_name("robots")
    subprocess.run([str(robots), "credentials", "new-key"], env=demo_env, check=True, capture_output=True)
    first = demo(demo_env, "--process", "_template", "--process", "no_such_process", "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["started_simulators"] is True and report["credentials"] == "credential store"
    assert "unknown process 'no_such_process'" in report["skipped"]["no_such_process"]
    (run,) = report["runs"]
    assert run["process"] == "_template" and run["status"] == "succeeded"
    assert run["added"] > 0 and run["done"] + run["manual"] == run["added"] == run["finished"]
    assert run["automation_rate"] == round(run["done"] / run["finished"], 4)
    assert [s["step"] for s in run["steps"]] == ["produce", "check"]
    assert all((Path(s["artifacts_dir"]) / "log.html").is_file() for s in run["steps"])

    again = demo(demo_env, "--process", "_template")  # people's output, and nothing added twice
    assert again.returncode == 0, again.stderr
    assert "started for the demo" in again.stdout
    assert re.search(rf"skipped\s+│\s+{run['added']}\s", again.stdout), again.stdout  # all there already
    assert "│ added" not in again.stdout
