"""``robots demo``: the main job on the embedded default."""

from __future__ import annotations

import click

from ..demo import run_demo
from ..queue import database_url
from ..runtime.runner import RunSummary
from ._common import console, emit_json, friendly_errors, json_option, open_queue
from .run import _print_summary


@click.command()
@click.option("--process", "only", multiple=True, help="Run only this process (repeatable; default: conf/demo.toml).")
@json_option
@friendly_errors
def demo(only: tuple[str, ...], as_json: bool) -> None:
    """Run the automated processes against the simulated systems and print what happened."""
    def show(summary: RunSummary) -> None:
        if as_json:
            return
        _print_summary(summary)
        with open_queue() as backend:
            manual = [q for q in _queues(summary.run.process) if backend.stats(q).get(q, {}).get("manual")]
        for queue in manual:
            console.print(f"  manual items: robots queue ls --queue {queue} --status manual")
        console.print()

    if not as_json:
        console.print(f"database: {database_url()}")
    with open_queue() as backend:
        report = run_demo(backend, list(only) or None, on_run=show)
    failed = [r.run.process for r in report.runs if r.run.status == "failed"]
    if as_json:
        emit_json({**report.to_dict(), "database": database_url()})
    else:
        where = "started for the demo" if report.started_simulators else "already running"
        console.print(f"simulators: {report.simulators} ({where}); "
                      f"{len(report.runs)} processes in {report.seconds:.1f} s")
        if report.watch_list:
            console.print(f"flex wage watch list: {report.watch_list}")
        for name, why in report.skipped.items():
            console.print(f"  skipped {name}: {why}")
    if failed:
        raise click.ClickException(f"failed: {', '.join(failed)} (see robots runs ls)")


def _queues(process: str) -> list[str]:
    from ..runtime.process import load_process

    return [q.name for q in load_process(process).queues]
