"""Exporting the audit trail for auditors: Excel and CSV, CPR numbers masked.

One row per event in a time range (optionally of one process: events of its queues' items, and
events about no item whose detail names the process), in id order, with each event's seal (its
chain position and chain hash; empty when not sealed yet), so an export can be checked against the
chain later. The CSV is what Danish Excel opens directly: UTF-8 with a byte-order mark, ``;``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..cpr import mask, mask_value
from ..queue import QueueBackend, _rows
from ..timeutil import show
from . import _db

COLUMNS = ("event", "time (Copenhagen)", "time (UTC)", "actor", "action", "queue", "item", "reference",
           "from status", "to status", "reason", "detail", "seal", "chain hash")


@dataclass(frozen=True)
class ExportRow:
    """One audit event as exported: everything a person reads, CPR numbers masked."""

    event_id: int
    at: datetime
    actor: str
    action: str
    queue: str | None
    item_id: int | None
    reference: str | None
    from_status: str | None
    to_status: str | None
    reason: str | None
    detail: str
    seal_seq: int | None
    chain_hash: str | None

    def values(self) -> list[Any]:
        return [self.event_id, show(self.at, seconds=True), _rows.utc_text(self.at), self.actor, self.action,
                self.queue or "", self.item_id if self.item_id is not None else "", self.reference or "",
                self.from_status or "", self.to_status or "", self.reason or "", self.detail,
                self.seal_seq if self.seal_seq is not None else "", self.chain_hash or ""]


@dataclass(frozen=True)
class ExportRequest:
    start: datetime
    end: datetime
    process: str | None = None
    queues: tuple[str, ...] = ()

    def describe(self) -> str:
        scope = f" of process {self.process}" if self.process else ""
        return f"audit events{scope} from {show(self.start)} to {show(self.end)} (Copenhagen time, end excluded)"


def export_rows(backend: QueueBackend, request: ExportRequest) -> list[ExportRow]:
    """The events of the request, oldest first, masked."""
    parse = _db.time_parser(backend)
    rows = _db.read(backend, "audit", "export_events", {
        "start": _db.db_time(backend, request.start), "end": _db.db_time(backend, request.end),
        "process": request.process, "queues": _db.db_list(backend, request.queues),
    })
    return [_row(r, parse) for r in rows]


def _row(row: dict[str, Any], parse: Any) -> ExportRow:
    detail = _rows.load_json(row["detail"])
    return ExportRow(
        event_id=row["id"], at=parse(row["at"]), actor=mask(row["actor"]), action=row["action"], queue=row["queue"],
        item_id=row["item_id"], reference=mask(row["reference"]) if row["reference"] else None,
        from_status=row["from_status"], to_status=row["to_status"],
        reason=mask(row["reason"]) if row["reason"] else None,
        detail=json.dumps(mask_value(detail), ensure_ascii=False, sort_keys=True) if detail is not None else "",
        seal_seq=row["seal_seq"], chain_hash=row["chain_hash"],
    )


def xlsx_bytes(rows: Sequence[ExportRow], request: ExportRequest, exported_by: str, exported_at: datetime) -> bytes:
    """The export as an Excel workbook: the events, and a sheet saying what was exported."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Audit events")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row.values())
    about = book.create_sheet("About")
    sealed = sum(1 for r in rows if r.seal_seq is not None)
    for line in (
        ("What", request.describe()),
        ("Exported", show(exported_at, seconds=True)),
        ("By", exported_by),
        ("Events", len(rows)),
        ("Sealed", f"{sealed} of {len(rows)} (robots audit verify checks the chain)"),
        ("CPR numbers", "masked (DDMMYY-XXXX)"),
    ):
        about.append(list(line))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx(rows: Sequence[ExportRow], path: Path, request: ExportRequest, exported_by: str,
               exported_at: datetime) -> Path:
    path.write_bytes(xlsx_bytes(rows, request, exported_by, exported_at))
    return path


def write_csv(rows: Sequence[ExportRow], path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(row.values())
    return path


__all__ = ["COLUMNS", "ExportRequest", "ExportRow", "export_rows", "write_csv", "write_xlsx", "xlsx_bytes"]
