"""``robots watchlist``: the flex wage watch list (obsliste) kept by caseworkers.

The full CPR number is accepted as input (DDMMYY-SSSS or 10 digits); every output shows it masked
(DDMMYY-XXXX). Every change is in the audit trail with who made it and why.
"""

from __future__ import annotations

import getpass

import click

from .. import watchlist
from ..cpr import mask
from ..timeutil import show
from ._common import emit_json, friendly_errors, json_option, open_queue, table


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli:operator"


by_option = click.option("--by", "actor", help="Who makes the change (default: cli:<your user name>).")
reason_option = click.option("--reason", required=True, help="Why (kept with the entry and in the audit trail).")


@click.group("watchlist")
def watch_list_group() -> None:
    """The flex wage watch list: citizens the robot skips (add, remove, ls)."""


@watch_list_group.command("add")
@click.argument("cpr")
@reason_option
@by_option
@json_option
@friendly_errors
def add(cpr: str, reason: str, actor: str | None, as_json: bool) -> None:
    """Put a citizen on the watch list. One already on it is reported and nothing changes."""
    with open_queue() as backend:
        change = watchlist.add(backend, cpr, reason, actor or _default_actor())
    entry = change.entry
    if as_json:
        emit_json({**entry.to_dict(), "added": change.changed})
    elif change.changed:
        click.echo(f"watch list: added {entry.masked_cpr} (entry {entry.id})")
    else:
        click.echo(f"watch list: {entry.masked_cpr} is already on it since {show(entry.added_at)} "
                   f"(by {entry.added_by}: {mask(entry.reason)}); nothing changed")


@watch_list_group.command("remove")
@click.argument("cpr")
@reason_option
@by_option
@json_option
@friendly_errors
def remove(cpr: str, reason: str, actor: str | None, as_json: bool) -> None:
    """Take a citizen off the watch list (the robot takes their case again from the next run)."""
    with open_queue() as backend:
        entry = watchlist.remove(backend, cpr, actor or _default_actor(), reason)
    if as_json:
        emit_json({**entry.to_dict(), "removed": True})
    else:
        click.echo(f"watch list: removed {entry.masked_cpr} (entry {entry.id})")


@watch_list_group.command("ls")
@json_option
@friendly_errors
def ls(as_json: bool) -> None:
    """Everyone on the watch list now, oldest first (CPR masked)."""
    with open_queue() as backend:
        entries = watchlist.ls(backend)
    if as_json:
        emit_json([e.to_dict() for e in entries])
        return
    table(f"watch list ({len(entries)})", ["id", "cpr", "since", "by", "reason"],
          [[e.id, e.masked_cpr, show(e.added_at), e.added_by, mask(e.reason)] for e in entries])
