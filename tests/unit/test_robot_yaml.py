"""robot.yaml lists every step of every process (robocorp tooling and Control Room read it)."""

from __future__ import annotations

from pathlib import Path

import yaml

from robots.processes import process_modules
from robots.runtime import load_process
from robots.scaffold import robot_yaml

REPO = Path(__file__).resolve().parents[2]


def test_robot_yaml_is_up_to_date_and_lists_every_step() -> None:
    committed = (REPO / "robot.yaml").read_text(encoding="utf-8")
    assert committed == robot_yaml(REPO), "robot.yaml is stale: run `robots new-process` or robots.scaffold"
    tasks = yaml.safe_load(committed)["tasks"] or {}
    for module in process_modules():
        process = load_process(module.removeprefix("processes."))
        for step in process.load_steps():
            name = f"{process.name}.{step}"
            assert name in tasks, f"{name} missing from robot.yaml"
            assert tasks[name]["shell"].endswith(f"processes/{process.name}/tasks.py -t {step}")
