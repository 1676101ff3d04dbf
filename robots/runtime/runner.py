"""Runs of a whole process: each step as a robocorp task in its own process, recorded as a run.

``robots run`` runs the steps in order (producers first), each until nothing is left to do;
``robots worker`` starts N processes per consumer step that keep polling until stopped. Every
step process is ``python -m robocorp.tasks run <tasks.py> -t <step>``, so it writes robocorp's
log.html next to our JSON-lines log in ``runs/<run id>/<step>[-n]/``. The parent run record
aggregates its step runs' counts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import logs, timeutil
from ..paths import home
from ..queue import QueueBackend
from ..queue.runs import RunRecord, RunStore, new_run_id
from .process import Process

SUMMED = ("done", "manual", "retry_scheduled", "lease_lost", "added", "skipped", "application_errors",
          "transient_retries")


def runs_dir() -> Path:
    return Path(os.environ.get("ROBOTS_RUNS_DIR") or home() / "runs")


@dataclass
class RunSummary:
    run: RunRecord
    steps: list[RunRecord] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        totals: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        for step in self.steps:
            for key in SUMMED:
                totals[key] += step.counts.get(key, 0)
            reasons.update(step.counts.get("manual_reasons", {}))
        # A run is summed just before it is closed: until then its length runs to now.
        seconds = ((self.run.finished_at or timeutil.now()) - self.run.started_at).total_seconds()
        finished = totals["done"] + totals["manual"]
        return {**{k: totals[k] for k in SUMMED}, "manual_reasons": dict(reasons), "seconds": round(seconds, 3),
                "finished": finished, "automation_rate": round(totals["done"] / finished, 4) if finished else None}

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run.id, "process": self.run.process, "status": self.run.status,
            "stop_reason": self.run.stop_reason, "artifacts_dir": self.run.artifacts_dir, **self.totals(),
            "steps": [
                {"run_id": s.id, "step": s.step, "status": s.status, "stop_reason": s.stop_reason,
                 "counts": s.counts, "artifacts_dir": s.artifacts_dir}
                for s in self.steps
            ],
        }


def _alert(backend: QueueBackend, run: RunRecord) -> None:
    """The run_failed alert for a failed or stopped run; alerting never fails the run itself."""
    from .. import alerts

    try:
        alerts.after_run(backend, run)
    except Exception as exc:  # a bad conf/alerts.toml or a broken database must not hide the run's result
        logs.get_logger("robots.alerts").error("could not evaluate alerts", run_id=run.id, error=str(exc))


def _step_command(process: Process, step: str) -> list[str]:
    return [sys.executable, "-m", "robocorp.tasks", "run", str(process.tasks_file()), "-t", step]


def _spawn(process: Process, step: str, parent: RunRecord, *, trigger: str, started_by: str,
           until_empty: bool, max_items: int | None, label: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    run_id = f"{parent.id}.{label}"
    artifacts = Path(parent.artifacts_dir or runs_dir() / parent.id) / label
    artifacts.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ, "ROBOTS_RUN_ID": run_id, "ROBOTS_PARENT_RUN_ID": parent.id, "ROBOTS_TRIGGER": trigger,
        "ROBOTS_STARTED_BY": started_by, "ROBOTS_ARTIFACTS_DIR": str(artifacts),
        "ROBOTS_UNTIL_EMPTY": "1" if until_empty else "0", "PYTHONPATH": _pythonpath(),
    }
    if max_items is not None:
        env["ROBOTS_MAX_ITEMS"] = str(max_items)
    console = (artifacts / "console.log").open("wb")
    proc = subprocess.Popen([*_step_command(process, step), "--output-dir", str(artifacts)], env=env,
                            stdout=console, stderr=subprocess.STDOUT, cwd=home(), stdin=subprocess.DEVNULL)
    console.close()
    return proc, run_id, artifacts


def _pythonpath() -> str:
    parts = [str(home()), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return os.pathsep.join(dict.fromkeys(parts))


def _wait_all(procs: list[subprocess.Popen[bytes]], on_tick: Any = None) -> None:
    """Wait for the step processes; SIGTERM/Ctrl-C are passed on so each finishes its item."""
    def forward(signum: int, _frame: Any) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(0.2)
            if on_tick:
                on_tick()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _step_record(runs: RunStore, run_id: str, proc: subprocess.Popen[bytes], artifacts: Path) -> RunRecord:
    """The step's own record, or a failed one when the process died before it could write it."""
    try:
        return runs.get(run_id)
    except Exception:
        tail = (artifacts / "console.log").read_text(errors="replace").strip().splitlines()[-3:]
        from ..cpr import mask

        message = f"step process exited with {proc.returncode} before starting: {' | '.join(tail)}"
        raise RuntimeError(mask(message)) from None


def run_process(process: Process, backend: QueueBackend, *, step: str | None = None, trigger: str = "operator",
                started_by: str = "operator", max_items: int | None = None, on_step: Any = None) -> RunSummary:
    """One run of a process: its steps in order (or one), each until nothing is left to do."""
    steps = [process.step(step).name] if step else list(process.load_steps())
    runs = RunStore(backend)
    run_id = new_run_id(process.name)
    parent = runs.start(process.name, step, trigger=trigger, started_by=started_by, run_id=run_id,
                        artifacts_dir=str(runs_dir() / run_id))
    summary = RunSummary(parent)
    status, reason = "succeeded", None
    for name in steps:
        if on_step:
            on_step(name)
        proc, child_id, artifacts = _spawn(process, name, parent, trigger=trigger, started_by=started_by,
                                           until_empty=True, max_items=max_items, label=name)
        _wait_all([proc])
        try:
            record = _step_record(runs, child_id, proc, artifacts)
        except RuntimeError as exc:
            status, reason = "failed", f"{name}: {exc}"
            break
        summary.steps.append(record)
        if record.status != "succeeded":
            status, reason = record.status, f"{name}: {record.stop_reason}"
            break
    summary.run = runs.update(parent.id, summary.totals(), status=status, stop_reason=reason)
    _alert(backend, summary.run)
    return summary


def run_workers(process: Process, backend: QueueBackend, *, step: str | None = None, processes: int = 1,
                max_items: int | None = None, until_empty: bool = False, trigger: str = "operator",
                started_by: str = "operator") -> RunSummary:
    """N unattended worker processes per consumer step (or the one step), until stopped."""
    steps = [process.step(step)] if step else [s for s in process.load_steps().values() if s.kind == "consumer"]
    runs = RunStore(backend)
    run_id = new_run_id(process.name)
    parent = runs.start(process.name, step, trigger=trigger, started_by=started_by, run_id=run_id,
                        artifacts_dir=str(runs_dir() / run_id))
    spawned = [
        _spawn(process, s.name, parent, trigger=trigger, started_by=started_by, until_empty=until_empty,
               max_items=max_items, label=f"{s.name}-{n}")
        for s in steps for n in range(1, processes + 1)
    ]
    _wait_all([p for p, _, _ in spawned])
    summary = RunSummary(parent)
    failures = []
    for proc, child_id, artifacts in spawned:
        try:
            summary.steps.append(_step_record(runs, child_id, proc, artifacts))
        except RuntimeError as exc:
            failures.append(str(exc))
    bad = [s for s in summary.steps if s.status not in ("succeeded", "stopped")]
    status = "failed" if failures or bad else ("stopped" if any(s.status == "stopped" for s in summary.steps)
                                               else "succeeded")
    reason = "; ".join(failures + [f"{s.id}: {s.stop_reason}" for s in summary.steps if s.stop_reason]) or None
    summary.run = runs.update(parent.id, summary.totals(), status=status, stop_reason=reason)
    _alert(backend, summary.run)
    return summary
