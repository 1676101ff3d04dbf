"""``robots users``: the people who sign in to the desk, and their roles.

Roles: caseworker (the processes given with --process), operator, auditor, admin. The password is
read from a prompt, or from standard input with --password-stdin (one line), never from an option.
"""

from __future__ import annotations

import getpass
import sys

import click

from ..timeutil import show
from ..web import users
from ._common import Failure, emit_json, friendly_errors, json_option, open_queue, table


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli:operator"


@click.group("users")
def users_group() -> None:
    """People at the desk: add, ls, disable."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(users.ROLES),
              help="A role (repeat for several).")
@click.option("--process", "processes", multiple=True, help="A process a caseworker works on (repeat for several).")
@click.option("--full-name", default="", help="The name shown at the desk.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@json_option
@friendly_errors
def add(name: str, roles: tuple[str, ...], processes: tuple[str, ...], full_name: str, password_stdin: bool,
        as_json: bool) -> None:
    """Add a user who signs in to the desk with NAME and a password."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_queue() as backend:
        user = users.add(backend, name, password, roles, processes, full_name, actor=_actor())
    if as_json:
        emit_json(user.to_dict())
    else:
        click.echo(f"user {user.name} added: {', '.join(sorted(user.roles))}"
                   + (f" for {', '.join(sorted(user.processes))}" if user.processes else ""))


@users_group.command("ls")
@json_option
@friendly_errors
def ls(as_json: bool) -> None:
    """Every user with roles and processes (disabled ones too)."""
    with open_queue() as backend:
        found = users.ls(backend)
    if as_json:
        emit_json([u.to_dict() for u in found])
        return
    table(f"users ({len(found)})", ["name", "full name", "roles", "processes", "active", "created", "by"],
          [[u.name, u.full_name, ", ".join(sorted(u.roles)), ", ".join(sorted(u.processes)),
            "yes" if u.active else f"no (since {show(u.disabled_at)})", show(u.created_at), u.created_by]
           for u in found])


@users_group.command("disable")
@click.argument("name")
@json_option
@friendly_errors
def disable(name: str, as_json: bool) -> None:
    """Disable a user: signed out at once, cannot sign in again. Nothing is deleted."""
    with open_queue() as backend:
        before = users.get(backend, name)
        if before is None:
            raise Failure(f"no user {name!r}")
        user = users.disable(backend, name, actor=_actor())
    if as_json:
        emit_json({**user.to_dict(), "changed": before.active})
    elif before.active:
        click.echo(f"user {name} disabled")
    else:
        click.echo(f"user {name} was already disabled; nothing changed")
