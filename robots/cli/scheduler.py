"""``robots scheduler``: run the schedules and queue triggers (one active scheduler; the others stand by)."""

from __future__ import annotations

import signal

import click

from ..queue import connect, database_url, worker_id
from ..scheduling import load_schedules
from ..scheduling.service import SchedulerService
from ._common import friendly_errors


@click.command("scheduler")
@click.option("--once", is_flag=True,
              help="Run what is due now (missed runs, queue triggers, sealing), wait for it, and exit.")
@click.option("--id", "scheduler_id", help="This scheduler's name (default: scheduler@host:pid:random).")
@friendly_errors
def scheduler(once: bool, scheduler_id: str | None) -> None:
    """Run conf/schedules.toml until stopped (SIGTERM/Ctrl-C: running runs finish their current items).

    Start one on each machine that may run robots: the first holds the lock in the database and runs
    the schedules; the others stand by and take over when it stops or dies. Runs missed while none
    was active are reported and run once.
    """
    schedules = load_schedules()  # a bad cron line or unknown process stops the start here
    with connect() as backend:
        backend.upgrade()
    service = SchedulerService(schedules, database_url(), scheduler_id=scheduler_id or worker_id("scheduler"))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, service.request_stop)
    click.echo(f"scheduler {service.id}: {len(schedules.schedules)} schedule(s), {len(schedules.triggers)} queue "
               f"trigger(s) from {schedules.path}", err=True)
    service.run(once=once)
