"""``robots db``: create or migrate the database."""

from __future__ import annotations

import click

from ..processes import define_queues
from ..queue import connect, database_url
from ._common import emit_json, friendly_errors, json_option


@click.group()
def db() -> None:
    """The queue database (ROBOTS_DATABASE_URL, default queue/robots.sqlite3)."""


@db.command()
@json_option
@friendly_errors
def upgrade(as_json: bool) -> None:
    """Create or migrate the schema and define the configured queues."""
    with connect() as backend:
        applied = backend.upgrade()
        queues = define_queues(backend)
    url = database_url()
    if as_json:
        emit_json({"database": url.split("@")[-1], "applied": applied, "queues": queues})
    else:
        click.echo(f"database {url.split('@')[-1]}: "
                   + (f"applied {', '.join(applied)}" if applied else "schema up to date")
                   + f"; {len(queues)} queues defined")
