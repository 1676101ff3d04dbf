"""``robots audit seal|verify|export`` and ``robots retention run``: the audit trail for auditors."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click

from .. import audit
from ..retention import run_retention
from ..runtime.process import load_process
from ..runtime.runner import runs_dir
from ..scheduling import load_retention_settings
from ..timeutil import COPENHAGEN, now
from ._common import Failure, console, emit_json, friendly_errors, json_option, open_queue, table
from .queue import _actor


@click.group("audit")
def audit_group() -> None:
    """The audit trail: seal it into its hash chain, verify it, export it (CPR masked)."""


@audit_group.command("seal")
@json_option
@friendly_errors
def seal(as_json: bool) -> None:
    """Seal the events not sealed yet (the active scheduler does this every minute)."""
    with open_queue() as backend:
        result = audit.seal(backend)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(f"sealed {result.sealed} event(s)" + (f"; head {result.head.text()}" if result.head else ""))
    if result.head:
        click.echo("(write the head down outside the database: robots audit verify --head <head> proves that "
                   "nothing up to it was rewritten)")


@audit_group.command("verify")
@click.option("--item", "item_id", type=int, help="Verify only this item's own chain.")
@click.option("--head", "expect_head", help="A head written down earlier (SEQ:HASH from robots audit seal).")
@json_option
@friendly_errors
def verify(item_id: int | None, expect_head: str | None, as_json: bool) -> None:
    """Recompute the hash chain from the events; name the first changed or removed event (exit 1)."""
    with open_queue() as backend:
        report = audit.verify_item(backend, item_id) if item_id is not None else audit.verify(
            backend, expect_head=expect_head)
    if as_json:
        emit_json(report.to_dict())
    elif report.problems:
        table(f"problems ({len(report.problems)})", ["kind", "event", "seal", "what"],
              [[p.kind, p.event_id or "", p.seq or "", p.message] for p in report.problems[:20]])
    if not report.ok:
        raise Failure(report.summary())
    if not as_json:
        click.echo(report.summary())


@audit_group.command("export")
@click.option("--from", "start_text", required=True, help="First day (2026-01-01 or 01-01-2026), Copenhagen time.")
@click.option("--to", "end_text", required=True, help="Last day, included (or an ISO time, excluded).")
@click.option("--process", help="Only this process's events.")
@click.option("--out", "out", type=click.Path(path_type=Path), help="File name without extension (default: "
              "audit-<from>-<to>[-<process>] here).")
@click.option("--format", "formats", type=click.Choice(["both", "xlsx", "csv"]), default="both", show_default=True)
@json_option
@friendly_errors
def export(start_text: str, end_text: str, process: str | None, out: Path | None, formats: str,
           as_json: bool) -> None:
    """Write the audit events of a period to Excel and CSV (CPR masked, each event's seal included)."""
    start, end = _moment(start_text, end=False), _moment(end_text, end=True)
    if end <= start:
        raise Failure(f"--to ({end_text}) must be after --from ({start_text})")
    queues = tuple(spec.name for spec in load_process(process).queues) if process else ()
    request = audit.ExportRequest(start, end, process, queues)
    base = out or Path(f"audit-{start.astimezone(COPENHAGEN):%Y%m%d}-"
                       f"{(end - timedelta(microseconds=1)).astimezone(COPENHAGEN):%Y%m%d}"
                       + (f"-{process}" if process else ""))
    actor, at = _actor(), now()
    with open_queue() as backend:
        rows = audit.export_rows(backend, request)
        written = []
        if formats in ("both", "xlsx"):
            written.append(audit.write_xlsx(rows, base.with_name(base.name + ".xlsx"), request, actor, at))
        if formats in ("both", "csv"):
            written.append(audit.write_csv(rows, base.with_name(base.name + ".csv")))
        backend.record(actor, "audit_exported", f"{request.describe()}: {len(rows)} event(s)", {
            "from": start.isoformat(), "to": end.isoformat(), "process": process, "events": len(rows),
            "files": [p.name for p in written]})
    if as_json:
        emit_json({"events": len(rows), "files": [str(p) for p in written], "from": start.isoformat(),
                   "to": end.isoformat(), "process": process})
    else:
        click.echo(f"{len(rows)} audit event(s) ({request.describe()}) written to "
                   + ", ".join(str(p) for p in written) + " (CPR numbers masked)")


def _moment(text: str, *, end: bool) -> datetime:
    """A day (ISO or Danish dd-mm-yyyy: its start, or for --to the start of the next day) or an ISO time."""
    text = text.strip()
    day = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
    elif re.fullmatch(r"\d{2}-\d{2}-\d{4}", text):
        day = datetime.strptime(text, "%d-%m-%Y").date()
    if day is not None:
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=COPENHAGEN)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Failure(f"not a day or time: {text!r} (2026-01-31, 31-01-2026 or 2026-01-31T08:00)") from None
    return value.replace(tzinfo=COPENHAGEN) if value.tzinfo is None else value


@click.group("retention")
def retention_group() -> None:
    """Retention: delete run logs and evidence files past the configured period (audited)."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@click.option("--keep-days", type=click.IntRange(1), help="Override [retention] keep_days of conf/schedules.toml.")
@json_option
@friendly_errors
def retention_run(dry_run: bool, keep_days: int | None, as_json: bool) -> None:
    """Delete the evidence files and run logs of cases finished more than keep_days ago."""
    settings = load_retention_settings()
    with open_queue() as backend:
        result = run_retention(backend, keep_days or settings.keep_days, runs_root=runs_dir(), actor=_actor(),
                               dry_run=dry_run)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(result.summary())
    if result.skipped_dirs:
        console.print(f"[yellow]skipped {len(result.skipped_dirs)} run directory(ies) outside {runs_dir()}[/]")
    if dry_run and result.runs:
        click.echo(f"runs: {', '.join(result.runs[:20])}{' ...' if len(result.runs) > 20 else ''}")
