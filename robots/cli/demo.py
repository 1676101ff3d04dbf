"""``robots demo``: the main job on the embedded default."""

from __future__ import annotations

import click

from ..demo import LETTERS, PAYSLIPS, run_demo
from ..queue import database_url
from ._common import emit_json, friendly_errors, json_option, open_queue, table


@click.command()
@click.option("--size", type=click.IntRange(1, 100_000), default=200, show_default=True, help="Items in the batch.")
@json_option
@friendly_errors
def demo(size: int, as_json: bool) -> None:
    """Create the queue, load a sample batch, run a demo consumer and print what happened."""
    with open_queue() as backend:
        report = run_demo(backend, size)
        stats = backend.stats()
    if as_json:
        emit_json({**report.to_dict(), "database": database_url(), "queues": stats})
        return
    click.echo(f"database: {database_url()}")
    click.echo(f"batch {report.batch}: loaded {report.loaded} items into {PAYSLIPS}; "
               f"loading it again added {report.reloaded_added} and skipped {report.reloaded_skipped}")
    total = sum(report.outcomes.values())
    rate = report.outcomes.get("done", 0) / total * 100 if total else 0
    click.echo(f"consumer: {total} items in {report.seconds:.2f} s; done by the robot {rate:.1f} %; "
               f"{report.retries} system errors (retried with backoff); {report.letters} letters queued in {LETTERS}")
    table("outcome", ["status", "items"], sorted(report.outcomes.items()))
    if report.manual_reasons:
        table("manual handling, by reason", ["reason", "items"], sorted(report.manual_reasons.items()))
        click.echo(f"the manual items: robots queue ls --queue {PAYSLIPS} --status manual")
