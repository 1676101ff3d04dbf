"""``python -m simulators.cli start`` serves every system and stops on Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from simulators.cli import sim

REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(sim, ["start", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--host", "--seed", "--employees", "--citizens", "--faults / --no-faults"):
        assert option in result.output


def test_start_prints_urls_serves_and_stops_on_ctrl_c() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.cli", "start", "--port", str(port), "--employees", "30",
         "--citizens", "10", "--seed", "5"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = []
        while not any("control" in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"simulators exited early: {''.join(lines)}"
            lines.append(line)
        output = "".join(lines)
        for system in ("payroll", "debtor", "benefits", "eincome", "esdh", "inbox", "post"):
            assert f"http://127.0.0.1:{port}/{system}/" in output
        deadline = time.monotonic() + 15
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_sim/health", timeout=2).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.1)
        assert health["seed"] == 5
        assert httpx.get(f"http://127.0.0.1:{port}/_sim/faults").json()["enabled"] is False
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def test_port_in_use_fails_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(sim, ["start", "--port", str(port), "--employees", "10", "--citizens", "5"])
    assert result.exit_code == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.output
