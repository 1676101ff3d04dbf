"""``robots run``, ``robots worker`` and ``robots runs``: running processes and their records."""

from __future__ import annotations

import click

from ..queue.runs import RunRecord, RunStore
from ..runtime.process import load_process
from ..runtime.runner import RunSummary, run_process, run_workers
from ..timeutil import now, show
from ._common import console, emit_json, friendly_errors, json_option, open_queue, table
from .queue import _actor


def _print_summary(summary: RunSummary) -> None:
    data = summary.to_dict()
    colour = {"succeeded": "green", "stopped": "yellow", "failed": "red"}.get(data["status"], "white")
    console.print(f"run [bold]{data['run_id']}[/] ({data['process']}): [{colour}]{data['status']}[/]"
                  f" in {data['seconds']:.1f} s")
    if data["stop_reason"]:
        console.print(f"  reason: {data['stop_reason']}")
    table("items per outcome", ["outcome", "items"],
          [[k, data[k]] for k in ("added", "skipped", "done", "manual", "retry_scheduled", "lease_lost") if data[k]])
    if data["finished"]:
        share = lambda n: f"{100 * n / data['finished']:.1f} %"  # noqa: E731
        console.print(f"  automation rate: [bold]{share(data['done'])}[/] of {data['finished']} finished items "
                      f"done by the robot")
    if data["manual_reasons"]:
        table("manual items per reason (share of finished items)", ["reason", "items", "share"],
              [[r, n, share(n)] for r, n in sorted(data["manual_reasons"].items(), key=lambda kv: -kv[1])])
    table("steps", ["step", "status", "run id", "artifacts"],
          [[s["step"], s["status"], s["run_id"], s["artifacts_dir"]] for s in data["steps"]])


@click.command("run")
@click.argument("process")
@click.option("--step", help="Run only this step (default: every step in order).")
@click.option("--max-items", type=click.IntRange(1), help="Stop each step after this many items.")
@json_option
@friendly_errors
def run(process: str, step: str | None, max_items: int | None, as_json: bool) -> None:
    """One run of PROCESS against the systems in conf/, and its summary."""
    definition = load_process(process)
    with open_queue() as backend:
        summary = run_process(
            definition, backend, step=step, trigger="operator", started_by=_actor(), max_items=max_items,
            on_step=None if as_json else lambda name: console.print(f"[dim]step {name} ...[/]"),
        )
    if as_json:
        emit_json(summary.to_dict())
    else:
        _print_summary(summary)
    if summary.run.status == "failed":
        raise SystemExit(1)


@click.command("worker")
@click.argument("process")
@click.option("--step", help="Only this step (default: every consumer step).")
@click.option("--processes", "processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes per step.")
@click.option("--max-items", type=click.IntRange(1), help="Each worker stops after this many items.")
@click.option("--until-empty", is_flag=True, help="Stop when nothing is left to do (default: keep polling).")
@json_option
@friendly_errors
def worker(process: str, step: str | None, processes: int, max_items: int | None, until_empty: bool,
           as_json: bool) -> None:
    """Unattended workers for PROCESS; SIGTERM or Ctrl-C finish the current items and stop."""
    definition = load_process(process)
    with open_queue() as backend:
        if not as_json:
            console.print(f"[dim]{processes} worker process(es) per step of {process}; Ctrl-C stops them[/]")
        summary = run_workers(definition, backend, step=step, processes=processes, max_items=max_items,
                              until_empty=until_empty, trigger="worker", started_by=_actor())
    if as_json:
        emit_json(summary.to_dict())
    else:
        _print_summary(summary)
    if summary.run.status == "failed":
        raise SystemExit(1)


@click.group("runs")
def runs() -> None:
    """Run records: what ran where, started by whom, and how it ended."""


def _status(record: RunRecord) -> str:
    return "lost" if record.seems_lost(now()) else record.status


@runs.command("ls")
@click.option("--process", help="Only this process.")
@click.option("--status", type=click.Choice(["running", "succeeded", "stopped", "failed"]))
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@json_option
@friendly_errors
def runs_ls(process: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """Recent runs, newest first."""
    with open_queue() as backend:
        records = RunStore(backend).list(process=process, status=status, limit=limit)
    if as_json:
        emit_json([{**r.to_dict(), "status": _status(r)} for r in records])
        return
    table(None, ["run id", "process", "step", "trigger", "by", "started", "status", "done", "manual"], [
        [r.id, r.process, r.step or "all", r.trigger, r.started_by, show(r.started_at), _status(r),
         r.counts.get("done", 0), r.counts.get("manual", 0)] for r in records
    ])


@runs.command("show")
@click.argument("run_id")
@json_option
@friendly_errors
def runs_show(run_id: str, as_json: bool) -> None:
    """One run, its step runs and where their artifacts (logs, log.html) are."""
    with open_queue() as backend:
        store = RunStore(backend)
        record = store.get(run_id)
        children = store.children(run_id)
    if as_json:
        emit_json({**record.to_dict(), "status": _status(record), "steps": [c.to_dict() for c in children]})
        return
    table(f"run {record.id}", ["field", "value"], [
        ["process", record.process], ["step", record.step or "all"], ["status", _status(record)],
        ["reason", record.stop_reason or ""], ["trigger", record.trigger], ["started by", record.started_by],
        ["host", f"{record.host} (pid {record.pid})"], ["started", show(record.started_at, seconds=True)],
        ["finished", show(record.finished_at, seconds=True)], ["artifacts", record.artifacts_dir or ""],
        ["counts", ", ".join(f"{k}={v}" for k, v in record.counts.items() if not isinstance(v, dict))],
    ])
    if children:
        table("step runs", ["run id", "step", "status", "done", "manual", "retries", "log"], [
            [c.id, c.step, _status(c), c.counts.get("done", 0), c.counts.get("manual", 0),
             c.counts.get("retry_scheduled", 0), f"{c.artifacts_dir}/log.html" if c.artifacts_dir else ""]
            for c in children
        ])
