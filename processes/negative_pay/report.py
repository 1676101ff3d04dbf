"""The negative pay overview: every case across organisation, pay type and period, with its status,
as an Excel workbook (``robots report negative-pay``).

It replaces the office's own spreadsheet (the seed story: "an overview across pay type,
organisation and period"). The cases come from the queue: one item per employee, run and kind
(``negative_pay.cases``), and the invoice items they led to (``negative_pay.invoices``). Status:

- pending: the robot has not decided yet (new, or in progress);
- carried forward / invoiced: marked in the payroll system; invoiced once the debtor system holds
  the invoice (its number is shown), "marked for invoice" until the nightly step has made it;
- manual: with a caseworker, with the reason; resolved / cancelled: what the caseworker did.

The workbook is read by payroll staff, so its sheets ("Sager", "Oversigt", "Rapport"), headings,
statuses and reasons are in Danish; the reasons are the caseworker desk's labels of the reason codes
(the codes stay in the queue). It is an operational export: CPR numbers are masked (DDMMYY-XXXX).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from robots.cpr import mask
from robots.queue import QueueBackend, Status, WorkItem
from robots.timeutil import local, now

from . import CASES, INVOICES, PROCESS

PENDING, CARRIED_FORWARD, MARKED_FOR_INVOICE, INVOICED = "pending", "carried_forward", "marked_for_invoice", "invoiced"
MANUAL, RESOLVED, CANCELLED = "manual", "resolved", "cancelled"
# What payroll staff read (the keys are the statuses' and kinds' codes).
STATUS_TEXT = {PENDING: "Afventer", CARRIED_FORWARD: "Overført til næste løn",
               MARKED_FOR_INVOICE: "Markeret til faktura", INVOICED: "Faktureret", MANUAL: "Manuel behandling",
               RESOLVED: "Løst af sagsbehandler", CANCELLED: "Annulleret"}
KIND_TEXT = {"net_pay": "Negativ nettoløn", "holiday_pay": "Negative feriepenge"}
PAY_TYPE_TEXT = {"monthly": "Månedsløn", "hourly": "Timeløn"}
# The robot's own decisions (the desk's labels cover the reasons a case goes to a caseworker for) and what a
# caseworker decided (the item's resolution).
DECISION_TEXT = {"simple": "Under beløbsgrænsen og ikke negativ ved forrige lønkørsel", "left": "Fratrådt",
                 "no_future_pay": "Ingen fremtidig løn", "caseworker": "Afgjort af sagsbehandler"}
RESOLUTION_TEXT = {"done": "Løst manuelt", "cancelled": "Annulleret af sagsbehandler"}
INVOICE_PREFIX, INVOICE_CANCELLED = "invoice: ", "invoice cancelled"
KRONER = '#,##0.00 "kr.";-#,##0.00 "kr."'
DATE = "dd-mm-yyyy"
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")


@dataclass(frozen=True)
class Case:
    """One negative result (employee, run, kind) and where it stands."""

    run_id: str
    run_kind: str
    run_date: date
    period: str
    employee_no: str
    cpr_masked: str
    name: str
    org_code: str
    organisation: str
    pay_type: str
    kind: str
    amount_ore: int | None
    status: str
    reason: str
    invoice_no: str
    due_date: date | None
    updated_at: datetime


def case_status(case: WorkItem, invoice: WorkItem | None) -> tuple[str, str]:
    """(status, reason) of a case item and the invoice item it led to (if any)."""
    if case.status in (Status.NEW, Status.IN_PROGRESS):
        return PENDING, ""
    if case.status is Status.MANUAL:
        return MANUAL, case.manual_reason or ""
    if case.status is Status.CANCELLED:
        return CANCELLED, case.resolution or ""
    decision = (case.output or {}).get("decision")
    if decision == "carry_forward":
        return CARRIED_FORWARD, (case.output or {}).get("code", "")
    if decision != "invoice":
        return RESOLVED, case.resolution or ""
    if invoice is None or invoice.status in (Status.NEW, Status.IN_PROGRESS):
        return MARKED_FOR_INVOICE, (case.output or {}).get("code", "")
    if invoice.status is Status.MANUAL:
        return MANUAL, f"{INVOICE_PREFIX}{invoice.manual_reason or ''}"
    if invoice.status is Status.CANCELLED:
        return CANCELLED, INVOICE_CANCELLED
    return INVOICED, (case.output or {}).get("code", "")


def reason_text(reason: str) -> str:
    """A case's reason (a code from case_status) as payroll staff read it: the desk's Danish label."""
    if not reason:
        return ""
    if reason == INVOICE_CANCELLED:
        return "Fakturaen er annulleret"
    if reason.startswith(INVOICE_PREFIX):
        inner = reason_text(reason.removeprefix(INVOICE_PREFIX))
        return f"Faktura: {inner}" if inner else "Faktura"
    return DECISION_TEXT.get(reason) or RESOLUTION_TEXT.get(reason) or PROCESS.reason_label(reason)


def collect_cases(backend: QueueBackend, date_from: date, date_to: date, *, org: str | None = None,
                  pay_type: str | None = None) -> list[Case]:
    """The cases of the runs dated ``date_from``..``date_to`` (inclusive), filtered; by run, then employee."""
    invoices = {i.payload.get("case_reference"): i for i in backend.items(queue=INVOICES, limit=1_000_000)}
    cases = []
    for item in backend.items(queue=CASES, limit=1_000_000):
        p = item.payload
        try:
            run_date = date.fromisoformat(p["run_date"])
        except (KeyError, TypeError, ValueError):
            continue  # not a case this process produced
        if not date_from <= run_date <= date_to or (org and p.get("org_code") != org) \
                or (pay_type and p.get("pay_type") != pay_type):
            continue
        invoice = invoices.get(item.reference)
        status, reason = case_status(item, invoice)
        out = (invoice.output or {}) if invoice is not None and invoice.status is Status.DONE else {}
        cases.append(Case(
            run_id=p.get("run_id", ""), run_kind=p.get("run_kind", ""), run_date=run_date,
            period=p.get("run_period", ""), employee_no=p.get("employee_no", ""), cpr_masked=mask(p.get("cpr", "")),
            name=p.get("name", ""), org_code=p.get("org_code", ""), organisation=p.get("organisation", ""),
            pay_type=p.get("pay_type", ""), kind=p.get("kind", ""), amount_ore=p.get("amount_ore"), status=status,
            reason=reason, invoice_no=out.get("invoice_no", ""),
            due_date=date.fromisoformat(out["due_date"]) if out.get("due_date") else None,
            updated_at=item.updated_at,
        ))
    return sorted(cases, key=lambda c: (c.run_date, c.run_id, c.org_code, c.employee_no, c.kind))


def _kroner(ore: int | None) -> Decimal | None:
    return None if ore is None else Decimal(ore) / 100


def _sheet(ws: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]], formats: dict[int, str]) -> None:
    """Header, rows, number formats (by column index), filter, frozen header and readable widths."""
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [len(h) for h in headers]
    for row in rows:
        ws.append(list(row))
        for i, value in enumerate(row):
            shown = value.strftime("%d-%m-%Y") if isinstance(value, date) else \
                f"{value:,.2f} kr." if isinstance(value, Decimal) else str(value if value is not None else "")
            widths[i] = max(widths[i], len(shown))
    for column, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = fmt
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


CASES_SHEET, SUMMARY_SHEET, REPORT_SHEET = "Sager", "Oversigt", "Rapport"
CASE_HEADERS = ["Lønkørsel", "Kørselstype", "Lønperiode", "Kørselsdato", "Medarbejdernr.", "CPR (maskeret)", "Navn",
                "Org.kode", "Organisation", "Lønform", "Art", "Beløb (kr.)", "Status", "Årsag", "Fakturanr.",
                "Forfaldsdato", "Senest ændret"]


def _case_rows(cases: Sequence[Case]) -> Iterable[list[Any]]:
    for c in cases:
        yield [c.run_id, "Ordinær" if c.run_kind == "ordinary" else "Aperiodisk", c.period, c.run_date,
               c.employee_no, c.cpr_masked, c.name, c.org_code, c.organisation.removeprefix(f"{c.org_code} "),
               PAY_TYPE_TEXT.get(c.pay_type, c.pay_type), KIND_TEXT.get(c.kind, c.kind), _kroner(c.amount_ore),
               STATUS_TEXT.get(c.status, c.status), reason_text(c.reason), c.invoice_no, c.due_date,
               local(c.updated_at).strftime("%d-%m-%Y %H:%M")]  # type: ignore[union-attr]


def summary(cases: Sequence[Case]) -> list[dict[str, Any]]:
    """Per organisation and pay type: cases and amount (øre) in all and per status."""
    groups: dict[tuple[str, str, str], list[Case]] = {}
    for c in cases:
        groups.setdefault((c.org_code, c.organisation, c.pay_type), []).append(c)
    result = []
    for (code, organisation, pay_type), members in sorted(groups.items()):
        counts = Counter(c.status for c in members)
        amounts: Counter[str] = Counter()
        for c in members:
            amounts[c.status] += c.amount_ore or 0
        result.append({"org_code": code, "organisation": organisation, "pay_type": pay_type, "cases": len(members),
                       "amount_ore": sum(amounts.values()), "by_status": {s: counts[s] for s in STATUS_TEXT},
                       "amount_by_status": {s: amounts[s] for s in STATUS_TEXT}})
    return result


def _summary_rows(rows: Sequence[dict[str, Any]]) -> Iterable[list[Any]]:
    total: dict[str, Any] = {"cases": 0, "amount_ore": 0, "by_status": Counter(), "amount_by_status": Counter()}
    for r in rows:
        yield [r["org_code"], r["organisation"].removeprefix(f"{r['org_code']} "),
               PAY_TYPE_TEXT.get(r["pay_type"], r["pay_type"]), r["cases"], _kroner(r["amount_ore"]),
               *(r["by_status"][s] for s in STATUS_TEXT), *(_kroner(r["amount_by_status"][s]) for s in STATUS_TEXT)]
        total["cases"] += r["cases"]
        total["amount_ore"] += r["amount_ore"]
        total["by_status"].update(r["by_status"])
        total["amount_by_status"].update(r["amount_by_status"])
    yield ["I alt", "", "", total["cases"], _kroner(total["amount_ore"]),
           *(total["by_status"][s] for s in STATUS_TEXT), *(_kroner(total["amount_by_status"][s]) for s in STATUS_TEXT)]


SUMMARY_HEADERS = ["Org.kode", "Organisation", "Lønform", "Sager", "Beløb (kr.)",
                   *STATUS_TEXT.values(), *(f"{text} (kr.)" for text in STATUS_TEXT.values())]


def build_workbook(cases: Sequence[Case], parameters: dict[str, str]) -> Workbook:
    """Sheets "Sager" (one row per case), "Oversigt" (per organisation and pay type) and "Rapport" (the filters)."""
    wb = Workbook()
    ws = wb.active
    ws.title = CASES_SHEET
    _sheet(ws, CASE_HEADERS, _case_rows(cases), {3: DATE, 11: KRONER, 15: DATE})
    rows = summary(cases)
    n = len(STATUS_TEXT)
    _sheet(wb.create_sheet(SUMMARY_SHEET), SUMMARY_HEADERS, _summary_rows(rows),
           {4: KRONER, **{5 + n + i: KRONER for i in range(n)}})
    summary_ws = wb[SUMMARY_SHEET]
    for cell in summary_ws[summary_ws.max_row]:
        cell.font = Font(bold=True)
    _sheet(wb.create_sheet(REPORT_SHEET), ["Oplysning", "Værdi"], list(parameters.items()), {})
    return wb


@dataclass(frozen=True)
class ReportResult:
    path: Path
    cases: int
    by_status: dict[str, int]
    amount_ore: int

    def to_dict(self) -> dict[str, Any]:
        return {"output": str(self.path), "cases": self.cases, "by_status": self.by_status,
                "amount_ore": self.amount_ore}


def write_report(backend: QueueBackend, path: Path, date_from: date, date_to: date, *, org: str | None = None,
                 pay_type: str | None = None) -> ReportResult:
    """Collect the cases and write the workbook to ``path``; what it holds."""
    if date_from > date_to:
        raise ValueError(f"the period is empty: from {date_from:%d-%m-%Y} is after to {date_to:%d-%m-%Y}")
    cases = collect_cases(backend, date_from, date_to, org=org, pay_type=pay_type)
    parameters = {"Rapport": "Oversigt over negativ løn", "Kørselsdato fra": f"{date_from:%d-%m-%Y}",
                  "Kørselsdato til": f"{date_to:%d-%m-%Y}", "Organisation": org or "alle",
                  "Lønform": PAY_TYPE_TEXT.get(pay_type or "", "alle"), "Sager": str(len(cases)),
                  "Dannet": local(now()).strftime("%d-%m-%Y %H:%M"),  # type: ignore[union-attr]
                  "Bemærk": "CPR-numre er maskeret (DDMMÅÅ-XXXX); beløbene er negative resultater i kroner."}
    path.parent.mkdir(parents=True, exist_ok=True)
    build_workbook(cases, parameters).save(path)
    counts = Counter(c.status for c in cases)
    return ReportResult(path, len(cases), {s: counts[s] for s in STATUS_TEXT if counts[s]},
                        sum(c.amount_ore or 0 for c in cases))


__all__ = ["CASES_SHEET", "REPORT_SHEET", "STATUS_TEXT", "SUMMARY_SHEET", "Case", "ReportResult", "build_workbook",
           "case_status", "collect_cases", "reason_text", "summary", "write_report"]
