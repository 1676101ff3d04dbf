"""The result workbook of a review: one row per employee, one sheet per kind of finding.

An operational export: CPR numbers are masked (DDMMYY-XXXX) in every cell; employees are named by
employee number and name. Written in openpyxl's write-only mode, so 40,000 employees take little
memory. The findings of a finished item come from its output; those of an item with a person
from the ``assessment.json`` the robot attached when it handed it over.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from robots.cpr import mask
from robots.queue import QueueBackend, Status, WorkItem
from robots.timeutil import local, now

from . import PROCESS

FINDING_KINDS = ("missing", "misfiled", "wrong_employee", "late_child_certificate", "uncertain")
# The workbook is read by HR staff: sheets, headings and statuses in Danish (the kinds' codes stay in the data).
KIND_NAMES = {"missing": "Mangler", "misfiled": "Forkert journaliseret", "wrong_employee": "Anden medarbejder",
              "late_child_certificate": "Sen børneattest", "uncertain": "Usikker"}
EMPLOYEES_SHEET, ABOUT_SHEET = "Medarbejdere", "Om rapporten"
EMPLOYEE_COLUMNS = ("CPR (maskeret)", "Medarbejdernr.", "Navn", "Organisation", "Stilling", "Status",
                    "Manuel årsag", "Besked", "Dokumenter", "Krævede dokumenter",
                    *(KIND_NAMES[k] for k in FINDING_KINDS), "Handlinger")
FINDING_COLUMNS = ("CPR (maskeret)", "Medarbejdernr.", "Navn", "Dokument", "Type", "Detaljer", "Handling", "Status")
STATUS_NAMES = {"ok": "i orden", "findings": "fund", "manual": "til en sagsbehandler", "done": "færdig",
                "done_by_person": "afsluttet af en sagsbehandler", "with_person": "hos en sagsbehandler",
                "new": "ikke kontrolleret endnu", "in_progress": "kontrolleres nu"}
PAGE = 1000


def _items(backend: QueueBackend, queue: str) -> Iterator[WorkItem]:
    offset = 0
    while True:
        page = backend.items(queue=queue, limit=PAGE, offset=offset)
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


def _assessment(backend: QueueBackend, item: WorkItem, name: str) -> dict[str, Any]:
    if item.status is Status.DONE and item.output and "findings" in item.output:
        return item.output
    files = [f for f in backend.files(item.id) if f.name == name]
    if not files:
        return {}
    try:
        return json.loads(backend.file_content(files[-1].id))
    except (ValueError, UnicodeDecodeError):
        return {}


def _status(item: WorkItem, data: dict[str, Any]) -> str:
    if item.status is Status.DONE:
        robot_finished = bool(item.output) and "findings" in item.output
        code = data.get("status", "done") if robot_finished else "done_by_person"
    elif item.status is Status.MANUAL:
        code = "with_person"
    else:
        code = item.status.value
    return STATUS_NAMES.get(code, code)


def employee_rows(backend: QueueBackend, queue: str, assessment_file: str) -> list[dict[str, Any]]:
    """Per employee in the review: the facts and findings the workbook shows (CPR masked)."""
    rows = []
    for item in _items(backend, queue):
        data = _assessment(backend, item, assessment_file)
        findings = data.get("findings", [])
        rows.append({
            "cpr": mask(str(item.payload.get("cpr") or item.reference)),
            "employee_no": str(data.get("employee_no") or item.payload.get("employee_no") or ""),
            "name": data.get("name", ""), "organisation": data.get("organisation", ""),
            "position": data.get("position", ""), "status": _status(item, data),
            "manual_reason": PROCESS.reason_label(item.manual_reason), "message": mask(item.error_message or ""),
            "documents": len(data.get("documents", [])), "required": ", ".join(data.get("required", [])),
            "findings": findings,
        })
    rows.sort(key=lambda r: (r["employee_no"], r["cpr"]))
    return rows


def write_report(backend: QueueBackend, queue: str, path: Path, *, run_id: str = "",
                 assessment_file: str = "assessment.json") -> dict[str, Any]:
    """Write the workbook to ``path``; a summary (employees, per status, per finding kind)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    rows = employee_rows(backend, queue, assessment_file)
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, columns: tuple[str, ...], widths: dict[int, int]) -> Any:
        ws = book.create_sheet(title)
        for index, width in widths.items():
            ws.column_dimensions[chr(ord("A") + index)].width = width
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=column)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        return ws

    widths = {0: 14, 2: 26, 3: 30, 5: 16, 6: 20, 7: 60, len(EMPLOYEE_COLUMNS) - 1: 60}
    employees = sheet(EMPLOYEES_SHEET, EMPLOYEE_COLUMNS, widths)
    per_kind = {kind: sheet(KIND_NAMES[kind], FINDING_COLUMNS, {0: 14, 2: 26, 5: 60, 6: 40}) for kind in FINDING_KINDS}
    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for row in rows:
        kinds = Counter(f.get("kind") for f in row["findings"])
        actions = "; ".join(f"{f.get('kind')} {f.get('doc_id') or f.get('doc_type')}: {f.get('action')}"
                            for f in row["findings"] if f.get("action"))
        employees.append([row["cpr"], row["employee_no"], row["name"], row["organisation"], row["position"],
                          row["status"], row["manual_reason"], row["message"], row["documents"], row["required"],
                          *(kinds.get(kind, 0) for kind in FINDING_KINDS), mask(actions)])
        statuses[row["status"]] += 1
        for finding in row["findings"]:
            kind = finding.get("kind")
            if kind in per_kind:
                counts[kind] += 1
                per_kind[kind].append([row["cpr"], row["employee_no"], row["name"], finding.get("doc_id", ""),
                                       finding.get("doc_type", ""), mask(finding.get("detail", "")),
                                       finding.get("action", ""), row["status"]])
    about = book.create_sheet(ABOUT_SHEET)
    about.append(["Kontrol af personalesager: resultat"])
    about.append(["Kørsel", run_id])
    about.append(["Skrevet", local(now()).strftime("%d.%m.%Y %H:%M")])
    about.append(["Medarbejdere", len(rows)])
    for status, n in sorted(statuses.items()):
        about.append([f"Status: {status}", n])
    for kind in FINDING_KINDS:
        about.append([f"Fund: {KIND_NAMES[kind]}", counts.get(kind, 0)])
    about.append(["CPR-numre er maskeret (DDMMÅÅ-XXXX): dette er et driftsudtræk."])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return {"employees": len(rows), "statuses": dict(statuses),
            "findings": {k: counts.get(k, 0) for k in FINDING_KINDS}, "path": str(path)}
