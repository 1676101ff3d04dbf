"""``robots credentials``: the encrypted logins robots use for the legacy systems."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..credentials import key_file, list_credentials, new_key, rotate_key, set_credential
from ..timeutil import show
from ._common import emit_json, friendly_errors, json_option, open_queue, table
from .queue import _actor


@click.group("credentials")
def credentials_group() -> None:
    """Logins for the legacy systems: stored encrypted, granted per process; secrets are never shown."""


@credentials_group.command("set")
@click.argument("name")
@click.option("--username", required=True, help="The user the robot signs in as.")
@click.option("--allow", "allowed", multiple=True, required=True,
              help="A process allowed to read it (repeatable; '*' for every process).")
@click.option("--secret-stdin", is_flag=True, help="Read the secret from standard input instead of a prompt.")
@json_option
@friendly_errors
def set_(name: str, username: str, allowed: tuple[str, ...], secret_stdin: bool, as_json: bool) -> None:
    """Store (or replace) the credential NAME (a system: payroll, debtor, benefits, ...)."""
    if secret_stdin:
        secret = sys.stdin.readline().rstrip("\n")
    else:
        secret = click.prompt("secret", hide_input=True, confirmation_prompt=True)
    with open_queue() as backend:
        stored = set_credential(backend, name, username, secret, allowed, _actor())
    if as_json:
        emit_json(stored.to_dict())
    else:
        click.echo(f"credential {name} stored for {username}; granted to {', '.join(stored.allowed)}")


@credentials_group.command("ls")
@json_option
@friendly_errors
def ls(as_json: bool) -> None:
    """Every credential: name, user, grants, last change. Never the secret."""
    with open_queue() as backend:
        entries = list_credentials(backend)
    if as_json:
        emit_json([e.to_dict() for e in entries])
        return
    table("credentials", ["name", "username", "granted to", "changed", "by"],
          [[e.name, e.username, ", ".join(e.allowed), show(e.changed_at), e.changed_by] for e in entries])


@credentials_group.command("new-key")
@click.option("--file", "path", type=click.Path(path_type=Path), help="Where (default: ROBOTS_SECRET_KEY_FILE "
              "or ~/.config/robots/secret.key).")
@friendly_errors
def new_key_(path: Path | None) -> None:
    """Create the encryption key file (mode 600, outside the repository)."""
    written = new_key(path)
    click.echo(f"key written to {written}; keep a copy in the organisation's key vault")


@credentials_group.command("rotate-key")
@json_option
@friendly_errors
def rotate(as_json: bool) -> None:
    """Re-encrypt every secret under a new key, in one transaction; the old key is kept as .old."""
    with open_queue() as backend:
        count = rotate_key(backend, _actor())
    if as_json:
        emit_json({"rotated": count, "key_file": str(key_file())})
    else:
        click.echo(f"{count} secrets re-encrypted; {key_file()} holds the new key ({key_file()}.old the old one)")
