"""The debtor system (an Opus Debitor stand-in): debtors by CPR, claims/invoices with lines, search
by reference. Web UI under /debtor/. It does not stop duplicates: that is the robot's job.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from robots.cpr import normalise

from .model import Debtor, Invoice, InvoiceLine
from .state import SimState
from .util import fmt_date, kr, parse_date, parse_kr
from .web import add_login_routes, form_of, invalid_request, paginate, render, state_of, ui_session

SYSTEM = "debtor"
LINE_COUNT = 10
router = APIRouter()
add_login_routes(router, SYSTEM)

ERRORS = {
    "D-0012": "Ugyldige data.",
    "D-0042": "Debitor kan ikke oprettes.",
    "D-0101": "Regningen kan ikke oprettes.",
    "D-0102": "Ugyldig dato.",
    "D-0103": "Regningen kan ikke oprettes.",
}


class DebtorError(Exception):
    """A validation error, shown as 'Fejl <code>: <text>'."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def text(self) -> str:
        """The (unhelpful) text the user sees."""
        return f"Fejl {self.code}: {ERRORS[self.code]}"


def create_debtor(state: SimState, form: dict[str, str], user: str) -> Debtor:
    """Validate and create a debtor; D-0042 when the CPR number already is a debtor."""
    try:
        cpr = normalise(form.get("cpr", ""))
    except ValueError:
        raise DebtorError("D-0012") from None
    name = form.get("name", "")
    if not name or not re.fullmatch(r"[0-9]{4}", form.get("postcode", "")) or not form.get("address") \
            or not form.get("city"):
        raise DebtorError("D-0012")
    with state.lock:
        if any(d.cpr == cpr for d in state.debtors.values()):
            raise DebtorError("D-0042")
        debtor = Debtor(str(state.next_number("debtor")), cpr, name, form["address"], form["postcode"],
                        form["city"], state.now(), user)
        state.debtors[debtor.debtor_no] = debtor
    state.record(SYSTEM, "create_debtor", debtor_no=debtor.debtor_no, cpr=cpr)
    return debtor


def create_invoice(state: SimState, debtor: Debtor, form: dict[str, str], user: str) -> Invoice:
    """Validate and create an invoice with lines 1..10 (period_i, element_i, amount_i)."""
    reference = form.get("reference", "")
    if not reference or len(reference) > 40 or not form.get("text"):
        raise DebtorError("D-0101")
    try:
        due = parse_date(form.get("due_date", ""))
    except ValueError:
        raise DebtorError("D-0102") from None
    if due <= state.settings.today or (due - state.settings.today).days > 365:
        raise DebtorError("D-0102")
    lines: list[InvoiceLine] = []
    for i in range(1, LINE_COUNT + 1):
        period, element, amount = (form.get(f"{k}_{i}", "") for k in ("period", "element", "amount"))
        if not (period or element or amount):
            continue
        if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period) or not element:
            raise DebtorError("D-0103")
        try:
            ore = parse_kr(amount)
        except ValueError:
            raise DebtorError("D-0103") from None
        if ore == 0:
            raise DebtorError("D-0103")
        lines.append(InvoiceLine(period, element, ore))
    if not lines or sum(line.amount_ore for line in lines) <= 0:
        raise DebtorError("D-0103")
    with state.lock:
        invoice = Invoice(str(state.next_number("invoice")), debtor.debtor_no, reference, form["text"], due, lines,
                          state.now(), user, form.get("note", ""))
        state.invoices[invoice.invoice_no] = invoice
    state.record(SYSTEM, "create_invoice", invoice_no=invoice.invoice_no, debtor_no=debtor.debtor_no,
                 reference=reference, total_ore=invoice.total_ore)
    return invoice


def find_invoices(state: SimState, reference: str = "", cpr: str = "") -> list[Invoice]:
    """Invoices whose reference contains ``reference`` (case-insensitive) and/or whose debtor has ``cpr``."""
    ref = reference.strip().lower()
    cpr_digits = cpr.replace("-", "").strip()
    with state.lock:
        result = []
        for inv in state.invoices.values():
            if ref and ref not in inv.reference.lower():
                continue
            if cpr_digits and state.debtors[inv.debtor_no].cpr.replace("-", "") != cpr_digits:
                continue
            result.append(inv)
    return sorted(result, key=lambda i: int(i.invoice_no))


def _debtor(state: SimState, debtor_no: str) -> Debtor:
    debtor = state.debtors.get(debtor_no)
    if debtor is None:
        raise HTTPException(404)
    return debtor


@router.get("/menu", response_class=HTMLResponse)
def menu(request: Request) -> Response:
    session = ui_session(request, SYSTEM)
    links = [("/debtors", "Søg debitor", "Find debitor på CPR-nr. eller navn"),
             ("/debtors/new", "Opret debitor", "Ny debitor"),
             ("/invoices", "Søg regning", "Find regninger på reference eller CPR-nr.")]
    return render(request, SYSTEM, "menu.html", session, links=links)


@router.get("/debtors", response_class=HTMLResponse)
def search_debtors(request: Request, cpr: str = "", name: str = "") -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    digits = cpr.replace("-", "").strip()
    needle = name.strip().lower()
    rows: list[Debtor] = []
    if digits or needle:
        with state.lock:
            rows = [d for d in state.debtors.values()
                    if (not digits or d.cpr.replace("-", "") == digits) and (not needle or needle in d.name.lower())]
    return render(request, SYSTEM, "debtor_search.html", session, cpr=cpr, name=name, rows=rows[:50],
                  searched=bool(digits or needle))


def _debtor_form(request: Request, session: Any, form: dict[str, str], error: str) -> Response:
    return render(request, SYSTEM, "debtor_form.html", session, form=form, error=error)


@router.get("/debtors/new", response_class=HTMLResponse)
def new_debtor(request: Request, cpr: str = "") -> Response:
    session = ui_session(request, SYSTEM)
    return _debtor_form(request, session, {"cpr": cpr}, "")


@router.post("/debtors/new", response_class=HTMLResponse)
async def create_debtor_submit(request: Request) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    form = await form_of(request, session)
    if form is None:
        return invalid_request(request, SYSTEM, session)
    try:
        debtor = create_debtor(state, form, session.user)
    except DebtorError as exc:
        return _debtor_form(request, session, form, exc.text)
    rows = [("Debitornr.", debtor.debtor_no), ("CPR-nr.", debtor.cpr), ("Navn", debtor.name)]
    return render(request, SYSTEM, "confirm.html", session, title="Debitor oprettet",
                  message=f"Debitor er oprettet med debitornr. {debtor.debtor_no}.", rows=rows,
                  links=[(f"/debtors/{debtor.debtor_no}", "Til debitor"),
                         (f"/debtors/{debtor.debtor_no}/invoices/new", "Opret regning")])


@router.get("/debtors/{debtor_no}", response_class=HTMLResponse)
def debtor_card(request: Request, debtor_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    debtor = _debtor(state, debtor_no)
    with state.lock:
        invoices = [i for i in state.invoices.values() if i.debtor_no == debtor_no]
    return render(request, SYSTEM, "debtor_card.html", session, d=debtor, invoices=invoices)


def _invoice_form(request: Request, session: Any, debtor: Debtor, form: dict[str, str], error: str) -> Response:
    return render(request, SYSTEM, "debtor_invoice_form.html", session, d=debtor, form=form, error=error,
                  line_count=LINE_COUNT)


@router.get("/debtors/{debtor_no}/invoices/new", response_class=HTMLResponse)
def new_invoice(request: Request, debtor_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    return _invoice_form(request, session, _debtor(state_of(request), debtor_no), {}, "")


@router.post("/debtors/{debtor_no}/invoices/new", response_class=HTMLResponse)
async def create_invoice_submit(request: Request, debtor_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    debtor = _debtor(state, debtor_no)
    form = await form_of(request, session)
    if form is None:
        return invalid_request(request, SYSTEM, session)
    try:
        invoice = create_invoice(state, debtor, form, session.user)
    except DebtorError as exc:
        return _invoice_form(request, session, debtor, form, exc.text)
    rows = [("Fakturanr.", invoice.invoice_no), ("Debitornr.", debtor.debtor_no), ("Reference", invoice.reference),
            ("Beløb i alt (kr.)", kr(invoice.total_ore)), ("Forfaldsdato", fmt_date(invoice.due_date))]
    return render(request, SYSTEM, "confirm.html", session, title="Regning oprettet",
                  message=f"Regningen er oprettet med fakturanr. {invoice.invoice_no}.", rows=rows,
                  links=[(f"/invoices/{invoice.invoice_no}", "Vis regning"), (f"/debtors/{debtor.debtor_no}",
                                                                               "Til debitor")])


@router.get("/invoices", response_class=HTMLResponse)
def search_invoices(request: Request, reference: str = "", cpr: str = "", page: str = "1") -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    searched = bool(reference.strip() or cpr.strip())
    found = find_invoices(state, reference, cpr) if searched else []
    rows = [(i, state.debtors[i.debtor_no]) for i in found]
    shown, page_no, pages = paginate(rows, page, state.settings.page_size)
    return render(request, SYSTEM, "debtor_invoices.html", session, reference=reference, cpr=cpr, rows=shown,
                  searched=searched, page=page_no, pages=pages,
                  page_url=lambda p: f"?{urlencode({'reference': reference, 'cpr': cpr, 'page': p})}")


@router.get("/invoices/{invoice_no}", response_class=HTMLResponse)
def invoice_page(request: Request, invoice_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    invoice = state.invoices.get(invoice_no)
    if invoice is None:
        raise HTTPException(404)
    return render(request, SYSTEM, "debtor_invoice.html", session, i=invoice, d=state.debtors[invoice.debtor_no])


__all__ = ["DebtorError", "create_debtor", "create_invoice", "find_invoices", "router"]
