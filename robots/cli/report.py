"""``robots report``: Excel reports for operations (the negative pay overview)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ._common import Failure, emit_json, friendly_errors, json_option, open_queue


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Failure(f"{option}: not a date (YYYY-MM-DD expected): {value!r}") from None


@click.group("report")
def report_group() -> None:
    """Excel reports: negative-pay."""


@report_group.command("negative-pay")
@click.option("--from", "date_from", required=True, help="First run date (YYYY-MM-DD).")
@click.option("--to", "date_to", required=True, help="Last run date (YYYY-MM-DD), inclusive.")
@click.option("--org", help="Only this organisation (its code, e.g. 2101).")
@click.option("--pay-type", type=click.Choice(["monthly", "hourly"]), help="Only monthly- or hourly-paid.")
@click.option("--output", type=click.Path(path_type=Path), help="The .xlsx file (default negative-pay_FROM_TO.xlsx).")
@json_option
@friendly_errors
def negative_pay(date_from: str, date_to: str, org: str | None, pay_type: str | None, output: Path | None,
                 as_json: bool) -> None:
    """Every negative pay case of the runs in the period, with its status, as an Excel workbook."""
    from processes.negative_pay.report import STATUS_TEXT, write_report

    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    path = output or Path(f"negative-pay_{first:%Y-%m-%d}_{last:%Y-%m-%d}.xlsx")
    if path.suffix.lower() != ".xlsx":
        raise Failure(f"--output: the report is an Excel workbook, give a .xlsx file name (got {path.name!r})")
    if path.is_dir():
        raise Failure(f"--output: {path} is a directory")
    with open_queue() as backend:
        try:
            result = write_report(backend, path, first, last, org=org, pay_type=pay_type)
        except OSError as exc:
            raise Failure(f"cannot write {path}: {exc.strerror or exc}") from None
    if as_json:
        emit_json(result.to_dict())
        return
    # What the workbook holds, in the workbook's words (Danish, for payroll staff).
    statuses = ", ".join(f"{STATUS_TEXT[s].lower()} {n}" for s, n in result.by_status.items()) or "ingen"
    click.echo(f"{path}: {result.cases} {'sag' if result.cases == 1 else 'sager'} ({statuses})")
