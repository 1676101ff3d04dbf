"""Bulk import of work items from a spreadsheet (.xlsx) or a CSV file.

Each row becomes one item. The reference column is the business key; ``priority``,
``not_before``, ``deadline`` and ``max_attempts`` columns set those fields; every other column
goes into the payload. Bad rows are reported with their row number (as the spreadsheet shows it)
and the reason; the good rows go in together in one transaction, and a row whose reference is
already in the queue is skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..cpr import mask
from ..timeutil import parse
from .backend import QueueBackend
from .errors import QueueError
from .model import NewItem

FIELD_COLUMNS = ("priority", "not_before", "deadline", "max_attempts")
RowValidator = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Rejected:
    row: int
    reason: str


@dataclass
class ImportReport:
    """What an import did. ``skipped`` lists (row, reference) already in the queue."""

    file: str
    queue: str
    added: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "queue": self.queue, "added": len(self.added), "skipped": len(self.skipped),
            "rejected": len(self.rejected),
            "skipped_rows": [{"row": r, "reference": mask(ref)} for r, ref in self.skipped],
            "rejected_rows": [{"row": r.row, "reason": r.reason} for r in self.rejected],
        }


def read_rows(path: Path, sheet: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) for each data row; the first row holds the column names."""
    if not path.is_file():
        raise QueueError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, sheet)
    if suffix == ".csv":
        return _csv_rows(path)
    raise QueueError(f"cannot import {path.name}: only .xlsx and .csv files are supported")


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, dict[str, Any]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise QueueError(f"cannot read spreadsheet {path.name}: {type(exc).__name__}: {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise QueueError(f"{path.name} has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = _header(next(rows, None), path)
        out = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            out.append((number, dict(zip(header, values, strict=False))))
        return iter(out)
    finally:
        book.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")  # Excel's "CSV" on Danish Windows
    # Excel writes ';' in Danish locales and ',' elsewhere: the header line tells which.
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header = _header(next(reader, None), path)
    out = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            out.append((number, {"__error__": f"{len(values)} values but {len(header)} columns"}))
            continue
        row = {k: (v.strip() if v.strip() != "" else None) for k, v in zip(header, values, strict=False)}
        out.append((number, row))
    return iter(out)


def _header(values: Any, path: Path) -> list[str]:
    names = [str(v).strip().lower() if v is not None else "" for v in (values or ())]
    if not any(names):
        raise QueueError(f"{path.name}: the first row must hold the column names, and it is empty")
    return names


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _int(value: Any, column: str) -> int:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a whole number") from None


def _time(value: Any, column: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return parse(value.isoformat())
    if isinstance(value, dt.date):
        return parse(dt.datetime.combine(value, dt.time()).isoformat())
    try:
        return parse(str(value))
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a date/time (e.g. 2026-05-31 or 2026-05-31T08:00)") from None


def row_to_item(values: dict[str, Any], reference_column: str, validate: RowValidator | None) -> NewItem:
    """One row -> one item; ValueError with a reason a person can act on."""
    if "__error__" in values:
        raise ValueError(values["__error__"])
    reference = values.get(reference_column)
    if reference is None or str(_json_value(reference)).strip() == "":
        raise ValueError(f"{reference_column} is empty")
    fields: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    for column, value in values.items():
        if column in ("", reference_column) or value is None:
            continue
        if column in ("priority", "max_attempts"):
            fields[column] = _int(value, column)
        elif column in ("not_before", "deadline"):
            fields[column] = _time(value, column)
        else:
            payload[column] = _json_value(value)
    if fields.get("max_attempts", 1) < 1:
        raise ValueError("max_attempts must be at least 1")
    if validate is not None:
        payload = validate(payload)
    return NewItem(reference=str(_json_value(reference)).strip(), payload=payload, **fields)


def import_file(
    backend: QueueBackend, queue: str, path: Path, *, reference_column: str = "reference",
    sheet: str | None = None, actor: str = "import", validate: RowValidator | None = None,
) -> ImportReport:
    """Import a spreadsheet into ``queue``: good rows in one transaction, bad rows reported."""
    backend.queue(queue)  # unknown queue: fail before reading anything
    report = ImportReport(file=str(path), queue=queue)
    reference_column = reference_column.strip().lower()
    rows = list(read_rows(path, sheet))
    if rows and all(reference_column not in values for _, values in rows if "__error__" not in values):
        columns = ", ".join(next((v for _, v in rows if "__error__" not in v), {}).keys())
        raise QueueError(f"{path.name} has no column {reference_column!r} (columns: {columns})")
    items: list[tuple[int, NewItem]] = []
    first_row: dict[str, int] = {}
    for number, values in rows:
        try:
            item = row_to_item(values, reference_column, validate)
        except ValueError as exc:
            report.rejected.append(Rejected(number, mask(str(exc))))
            continue
        if item.reference in first_row:
            repeated = f"reference {mask(item.reference)!r} repeats row {first_row[item.reference]}"
            report.rejected.append(Rejected(number, repeated))
            continue
        first_row[item.reference] = number
        items.append((number, item))
    result = backend.add(queue, [item for _, item in items], actor=actor)
    for number, item in items:
        if item.reference in result.added:
            report.added.append((number, item.reference))
        else:
            report.skipped.append((number, item.reference))
    return report
