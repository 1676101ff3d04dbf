"""``robots new-process``: start a new automated process from the template."""

from __future__ import annotations

import click

from ..paths import home
from ..scaffold import new_process as scaffold
from ._common import emit_json, friendly_errors, json_option


@click.command("new-process")
@click.argument("name")
@click.option("--title", help="A human title (default from the name).")
@json_option
@friendly_errors
def new_process(name: str, title: str | None, as_json: bool) -> None:
    """Create processes/NAME from processes/_template, with its config, tests and robot.yaml tasks."""
    written = [p.relative_to(home()).as_posix() for p in scaffold(name, title)]
    if as_json:
        emit_json({"process": name, "files": written})
        return
    click.echo(f"created process {name}:")
    for path in written:
        click.echo(f"  {path}")
    click.echo(f"next: edit processes/{name}/rules.py, then run the tests: .venv/bin/pytest -k {name}")
