"""The ``robots`` command: one entry point for operators, caseworkers, developers and auditors."""

from __future__ import annotations

import click

from .db import db
from .demo import demo
from .queue import queue_group
from .run import run, runs, worker


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="robots")
def cli() -> None:
    """Software robots with a persistent process queue for payroll and HR offices."""


cli.add_command(db)
cli.add_command(queue_group)
cli.add_command(demo)
cli.add_command(run)
cli.add_command(worker)
cli.add_command(runs)

try:  # the simulated legacy systems are an optional part of an installation
    from simulators.cli import sim

    cli.add_command(sim)
except ImportError:  # pragma: no cover
    pass


def main() -> None:
    cli(prog_name="robots")
