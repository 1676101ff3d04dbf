"""The ``robots`` command: one entry point for operators, caseworkers, developers and auditors."""

from __future__ import annotations

import click

from .alerts import alerts_group
from .audit import audit_group, retention_group
from .credentials import credentials_group
from .db import db
from .demo import demo
from .personnel_files import personnel_files
from .queue import queue_group
from .report import report_group
from .run import run, runs, worker
from .scaffold import new_process
from .schedule import schedule_group
from .scheduler import scheduler
from .users import users_group
from .watchlist import watch_list_group
from .web import web


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="robots")
def cli() -> None:
    """Software robots with a persistent process queue for payroll and HR offices."""


cli.add_command(db)
cli.add_command(credentials_group)
cli.add_command(alerts_group)
cli.add_command(queue_group)
cli.add_command(demo)
cli.add_command(run)
cli.add_command(worker)
cli.add_command(runs)
cli.add_command(new_process)
cli.add_command(personnel_files)
cli.add_command(watch_list_group)  # "watchlist", the name DESIGN.md gives
cli.add_command(users_group)
cli.add_command(web)
cli.add_command(report_group)
cli.add_command(schedule_group)
cli.add_command(scheduler)
cli.add_command(audit_group)
cli.add_command(retention_group)

try:  # the simulated legacy systems are an optional part of an installation
    from simulators.cli import sim

    cli.add_command(sim)
except ImportError:  # pragma: no cover
    pass


def main() -> None:
    cli(prog_name="robots")
