"""`robots new-process demo_case` on a copy of the checkout, then its tests: they pass straight away."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".venv", ".git", "runs", "output", "*.sqlite3*", "__pycache__", ".ruff_cache",
                              ".pytest_cache")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROBOTS_HOME": str(cwd), "PYTHONPATH": str(cwd)}
    for name in ("ROBOTS_DATABASE_URL", "ROBOTS_CONF", "ROBOTS_RUNS_DIR"):
        env.pop(name, None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_new_process_from_the_template_passes_its_tests(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO, checkout, ignore=SKIP)
    bin_dir = Path(sys.executable).parent

    created = run([str(bin_dir / "robots"), "new-process", "demo_case"], checkout)
    assert created.returncode == 0, created.stderr
    for path in ("processes/demo_case/__init__.py", "processes/demo_case/tasks.py", "processes/demo_case/rules.py",
                 "processes/demo_case/systems.py", "conf/processes/demo_case.toml",
                 "tests/unit/processes/test_demo_case_rules.py", "tests/e2e/test_demo_case.py"):
        assert path in created.stdout and (checkout / path).is_file(), path
    assert "_template" not in (checkout / "processes/demo_case/tasks.py").read_text()
    robot_yaml = (checkout / "robot.yaml").read_text()
    assert "demo_case.produce:" in robot_yaml and "demo_case.check:" in robot_yaml

    again = run([str(bin_dir / "robots"), "new-process", "demo_case"], checkout)
    assert again.returncode != 0 and "processes/demo_case already exists" in again.stderr

    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "tests/unit/processes/test_demo_case_rules.py", "tests/e2e/test_demo_case.py"], checkout)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "5 passed" in tests.stdout
