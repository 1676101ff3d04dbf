"""``robots queue``: add, import, list, show, count, retry and cancel work items."""

from __future__ import annotations

from pathlib import Path

import click

from ..cpr import mask, mask_value
from ..queue import NewItem, Status, WorkItem
from ..queue.importer import import_file
from ..timeutil import parse, show
from ._common import Failure, emit_json, friendly_errors, json_option, load_json_object, open_queue, table

OPERATOR = "operator"


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return f"cli:{OPERATOR}"


def _item_row(item: WorkItem) -> list[object]:
    return [
        item.id, item.queue, mask(item.reference), item.status.value, item.priority,
        f"{item.attempts}/{item.max_attempts}", item.manual_reason or item.error_code or "",
        show(item.created_at), show(item.not_before),
    ]


ITEM_COLUMNS = ["id", "queue", "reference", "status", "prio", "attempts", "reason", "created", "not before"]


@click.group("queue")
def queue_group() -> None:
    """Work items: add, import, ls, show, stats, retry, cancel."""


@queue_group.command("add")
@click.argument("queue")
@click.argument("reference")
@click.option("--payload", default="{}", help="The item's data as a JSON object ('-' reads stdin).")
@click.option("--priority", type=int, default=0, show_default=True, help="Higher is claimed first.")
@click.option("--not-before", help="Do not start before this time (ISO 8601, Copenhagen time if no zone).")
@click.option("--deadline", help="SLA deadline (ISO 8601).")
@click.option("--max-attempts", type=click.IntRange(1, 100), help="Override the queue's max attempts.")
@json_option
@friendly_errors
def add(queue: str, reference: str, payload: str, priority: int, not_before: str | None,
        deadline: str | None, max_attempts: int | None, as_json: bool) -> None:
    """Add one item. An existing reference is reported and nothing changes."""
    if payload == "-":
        payload = click.get_text_stream("stdin").read()
    item = NewItem(
        reference=reference, payload=load_json_object(payload), priority=priority,
        not_before=parse(not_before) if not_before else None, deadline=parse(deadline) if deadline else None,
        max_attempts=max_attempts,
    )
    with open_queue() as backend:
        result = backend.add(queue, [item], actor=_actor())
    item_id = result.added.get(reference)
    if as_json:
        emit_json({"queue": queue, "reference": mask(reference), "id": item_id, "added": item_id is not None})
    elif item_id is None:
        click.echo(f"{queue}: reference {mask(reference)} is already in the queue; nothing changed")
    else:
        click.echo(f"{queue}: added item {item_id} ({mask(reference)})")


@queue_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--queue", "queue", required=True, help="The queue to add the rows to.")
@click.option("--reference-column", default="reference", show_default=True, help="Column with the business key.")
@click.option("--sheet", help="Worksheet name (.xlsx; default the first).")
@json_option
@friendly_errors
def import_(file: Path, queue: str, reference_column: str, sheet: str | None, as_json: bool) -> None:
    """Import rows of an .xlsx or .csv file as items; bad rows are reported, good rows go in."""
    with open_queue() as backend:
        report = import_file(backend, queue, file, reference_column=reference_column, sheet=sheet,
                             actor=_actor())
    if as_json:
        emit_json(report.to_dict())
        return
    click.echo(f"{file.name} -> {queue}: {len(report.added)} added, {len(report.skipped)} already there, "
               f"{len(report.rejected)} rejected")
    for rejected in report.rejected:
        click.echo(f"  row {rejected.row}: {rejected.reason}")


@queue_group.command("ls")
@click.option("--queue", help="Only this queue.")
@click.option("--status", type=click.Choice([s.value for s in Status]), help="Only this status.")
@click.option("--reason", help="Only manual items with this reason code.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@json_option
@friendly_errors
def ls(queue: str | None, status: str | None, reason: str | None, limit: int, offset: int, as_json: bool) -> None:
    """List items, newest first."""
    with open_queue() as backend:
        if queue:
            backend.queue(queue)
        items = backend.items(queue=queue, status=status, reason=reason, limit=limit, offset=offset)
    if as_json:
        emit_json([mask_value(i.to_dict()) for i in items])
    else:
        table(None, ITEM_COLUMNS, [_item_row(i) for i in items])


@queue_group.command("show")
@click.argument("item_id", type=int)
@json_option
@friendly_errors
def show_item(item_id: int, as_json: bool) -> None:
    """One item with its history and files."""
    with open_queue() as backend:
        item = backend.get(item_id)
        events = backend.events(item_id)
        files = backend.files(item_id)
    if as_json:
        emit_json(mask_value({
            "item": item.to_dict(), "events": [e.to_dict() for e in events],
            "files": [{"id": f.id, "name": f.name, "size": f.size, "sha256": f.sha256,
                       "content_type": f.content_type} for f in files],
        }))
        return
    fields = item.to_dict()
    for key in ("created_at", "started_at", "finished_at", "not_before", "deadline", "lease_expires_at",
                "updated_at"):
        fields[key] = show(getattr(item, key), seconds=True)
    table(f"work item {item.id}", ["field", "value"], [[k, mask(str(v))] for k, v in mask_value(fields).items()
                                                        if v not in (None, "")])
    table("history", ["when", "who", "what", "from", "to", "why"], [
        [show(e.at, seconds=True), e.actor, e.action, e.from_status, e.to_status, mask(e.reason or "")]
        for e in events
    ])
    if files:
        table("files", ["id", "name", "size", "type"], [[f.id, f.name, f.size, f.content_type] for f in files])


@queue_group.command("stats")
@click.option("--queue", help="Only this queue.")
@json_option
@friendly_errors
def stats(queue: str | None, as_json: bool) -> None:
    """Items per status for every queue."""
    with open_queue() as backend:
        counts = backend.stats(queue)
    if as_json:
        emit_json(counts)
        return
    statuses = [s.value for s in Status]
    table(None, ["queue", *statuses, "total"],
          [[name, *(c[s] for s in statuses), sum(c.values())] for name, c in counts.items()])


@queue_group.command("retry")
@click.argument("item_ids", type=int, nargs=-1, required=True)
@click.option("--comment", default="retry requested by operator", show_default=True)
@json_option
@friendly_errors
def retry(item_ids: tuple[int, ...], comment: str, as_json: bool) -> None:
    """Send manual items back to the robot now, with fresh attempts."""
    with open_queue() as backend:
        items = [backend.retry(i, _actor(), comment) for i in item_ids]
    _report(items, as_json, "back to the robot")


@queue_group.command("cancel")
@click.argument("item_ids", type=int, nargs=-1, required=True)
@click.option("--reason", required=True, help="Why nobody will do these items (kept in the audit trail).")
@json_option
@friendly_errors
def cancel(item_ids: tuple[int, ...], reason: str, as_json: bool) -> None:
    """Cancel new or manual items."""
    with open_queue() as backend:
        items = [backend.cancel(i, _actor(), reason) for i in item_ids]
    _report(items, as_json, "cancelled")


def _report(items: list[WorkItem], as_json: bool, what: str) -> None:
    if as_json:
        emit_json([{"id": i.id, "status": i.status.value} for i in items])
    else:
        for i in items:
            click.echo(f"item {i.id}: {what} (now {i.status.value})")


__all__ = ["Failure", "queue_group"]
