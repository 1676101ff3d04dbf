"""What every command shares: one-line errors, --json output, tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from ..config import ConfigError
from ..cpr import mask
from ..credentials import CredentialError
from ..queue import QueueError, connect

F = TypeVar("F", bound=Callable[..., Any])
# Piped output is not cut to 80 columns: scripts use --json, people get the whole table.
console = Console(width=None if sys.stdout.isatty() else 200)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output (stable keys).")


class Failure(click.ClickException):
    """A failed command: one line naming the problem, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"robots: error: {mask(self.format_message())}", err=True)


def friendly_errors(fn: F) -> F:
    """Turn the framework's own errors into one-line messages and a non-zero exit."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (QueueError, ConfigError, CredentialError, ValueError, FileNotFoundError) as exc:
            raise Failure(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def open_queue() -> Any:
    """The configured queue database, migrated to the current schema."""
    from ..processes import define_queues

    backend = connect()
    backend.upgrade()
    define_queues(backend)
    return backend


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    t = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    console.print(t)


def load_json_object(text: str, what: str = "payload") -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Failure(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(value, dict):
        raise Failure(f"{what} must be a JSON object ({{...}}), got {type(value).__name__}")
    return value


def stdin_is_tty() -> bool:
    return sys.stdin.isatty()
