"""``robots schedule ls|run``: the schedules of conf/schedules.toml, their next runs, a run now."""

from __future__ import annotations

from datetime import datetime

import click

from ..queue import QueueError, connect
from ..runtime.process import load_process
from ..runtime.runner import run_process
from ..scheduling import load_schedules, overview
from ..timeutil import show
from ._common import Failure, console, emit_json, friendly_errors, json_option, open_queue, table
from .queue import _actor


@click.group("schedule")
def schedule_group() -> None:
    """Schedules (conf/schedules.toml): list them with their next runs, or start one now."""


@schedule_group.command("ls")
@click.option("--count", type=click.IntRange(1, 50), default=5, show_default=True, help="Next runs per schedule.")
@json_option
@friendly_errors
def ls(count: int, as_json: bool) -> None:
    """Each schedule with its next runs (Copenhagen time), the queue triggers and the active scheduler."""
    schedules = load_schedules()
    try:
        with connect() as backend:
            backend.upgrade()
            data = overview(schedules, backend, count=count)
    except QueueError as exc:  # the schedules are worth showing without the database too
        data = overview(schedules, None, count=count)
        data["database_error"] = str(exc)
    if as_json:
        emit_json(data)
        return
    table(f"schedules ({schedules.path})",
          ["schedule", "process", "when", f"next {count} runs", "last fire", "last run"],
          [[s["name"] + ("" if s["enabled"] else " (off)"), s["process"] + (f" / {s['step']}" if s["step"] else ""),
            s["when"], "\n".join(_show(t) for t in s["next"]), _show(s["last_fire_at"]), s["last_run_id"] or ""]
           for s in data["schedules"]])
    if data["queue_triggers"]:
        table("queue triggers", ["trigger", "process / step", "queue", "starts at", "max workers", "new items now"],
              [[t["name"] + ("" if t["enabled"] else " (off)"), f"{t['process']} / {t['step']}", t["queue"],
                f"{t['min_items']} new items", t["max_workers"], "" if t["due"] is None else t["due"]]
               for t in data["queue_triggers"]])
    retention = data["retention"]
    if retention["enabled"]:
        console.print(f"retention: every day at {retention['time']}, keeps {retention['keep_days']} days; "
                      f"next {_show(retention['next'])}")
    scheduler = data["scheduler"]
    if scheduler and scheduler["active"]:
        console.print(f"active scheduler: {scheduler['holder']} (since {_show(scheduler['acquired_at'])})")
    else:
        console.print("[yellow]no scheduler is active[/] (start one: robots scheduler)")
    if not data["config"]["up_to_date"]:
        console.print("[yellow]the active scheduler loaded an older conf/schedules.toml: restart it to use this one[/]")
    if data.get("database_error"):
        console.print(f"[yellow]database not reachable: {data['database_error']}[/]")


@schedule_group.command("run")
@click.argument("name")
@json_option
@friendly_errors
def run(name: str, as_json: bool) -> None:
    """Start schedule NAME now, here, and wait for its run (recorded as started by you)."""
    schedule = load_schedules().get(name)
    process = load_process(schedule.process)
    actor = _actor()
    with open_queue() as backend:
        for spec in process.queues:
            backend.define_queue(spec)
        backend.record(actor, "schedule_run_by_hand", f"{name}: started now by {actor}",
                       {"schedule": name, "process": schedule.process, "step": schedule.step})
        summary = run_process(process, backend, step=schedule.step, trigger="schedule", started_by=actor,
                              max_items=schedule.max_items,
                              on_step=None if as_json else lambda step: console.print(f"[dim]step {step} ...[/]"))
    if as_json:
        emit_json({"schedule": name, **summary.to_dict()})
    else:
        from .run import _print_summary

        _print_summary(summary)
    if summary.run.status == "failed":
        raise Failure(f"schedule {name}: run {summary.run.id} failed: {summary.run.stop_reason}")


def _show(value: str | None) -> str:
    return show(datetime.fromisoformat(value)) if value else ""
