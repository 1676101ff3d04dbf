"""The payroll system (an Opus Løn stand-in): employees, payroll runs with negative results,
marking negatives, registering pay lines and terminations. Web UI under /payroll/.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from .model import (
    PAY_ELEMENTS,
    REGISTERABLE_ELEMENTS,
    SIXTH_WEEK_ELEMENT,
    TERMINATION_REASONS,
    Employee,
    PayLine,
    Termination,
)
from .state import SimState
from .util import fmt_date, hours_text, kr, month_add, month_of, parse_date, parse_hours, parse_kr, round_ore
from .web import add_login_routes, form_of, invalid_request, paginate, render, state_of, ui_session

SYSTEM = "payroll"
router = APIRouter()
add_login_routes(router, SYSTEM)

MARKINGS = {None: "", "carry_forward": "Fremført", "invoice": "Faktura"}
MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
             "november", "december")
ERRORS = {
    "L-100": "Medarbejderen er ikke aktiv i perioden.",
    "L-203": "Handlingen er ikke tilladt.",
    "L-204": "Registreringen kunne ikke gennemføres.",
    "L-311": "Registreringen kunne ikke gennemføres.",
    "L-412": "Transaktionen blev afvist.",
    "L-413": "Transaktionen blev afvist.",
    "L-414": "Ugyldige data.",
    "L-520": "Transaktionen blev afvist.",
    "L-521": "Ugyldige data.",
}


class PayrollError(Exception):
    """A validation error, shown as 'Fejl <code>: <text>'."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def text(self) -> str:
        """The (unhelpful) text the user sees."""
        return f"Fejl {self.code}: {ERRORS[self.code]}"


# -- operations (used by the routes; callable from tests) -------------------------------------------


def register_pay_line(state: SimState, emp: Employee, form: dict[str, str], user: str) -> PayLine:
    """Validate and register a pay line. 0620 (sixth week) draws on the earning year's balance."""
    code = form.get("pay_element", "")
    period = form.get("period", "")
    if code not in REGISTERABLE_ELEMENTS or period not in _period_values(state.settings.today):
        raise PayrollError("L-311")
    if emp.status(state.settings.today) != "active":
        raise PayrollError("L-100")
    try:
        amount = parse_kr(form.get("amount", ""))
        hours = parse_hours(form["hours"]) if form.get("hours") else None
        rate = parse_kr(form["rate"]) if form.get("rate") else None
    except ValueError:
        raise PayrollError("L-311") from None
    if amount <= 0 or (hours is not None and hours <= 0) or (rate is not None and rate <= 0):
        raise PayrollError("L-311")
    if hours is not None and rate is not None and abs(round_ore(hours * rate) - amount) > 1:
        raise PayrollError("L-311")
    year: int | None = None
    with state.lock:
        if code == SIXTH_WEEK_ELEMENT:
            try:
                year = int(form.get("earning_year", ""))
            except ValueError:
                raise PayrollError("L-414") from None
            if hours is None or year not in emp.sixth_week_balance or year >= state.settings.today.year:
                raise PayrollError("L-414")
            if year in emp.sixth_week_paid:
                raise PayrollError("L-413")
            balance = emp.sixth_week_balance[year]
            if balance <= 0 or hours > balance:
                raise PayrollError("L-412")
            emp.sixth_week_balance[year] = balance - hours
            emp.sixth_week_paid.append(year)
        line = PayLine(
            receipt_no=f"K{state.next_number('payline', 700_000):07d}", employee_no=emp.employee_no, code=code,
            text=PAY_ELEMENTS[code], period=period, hours=hours, rate_ore=rate, amount_ore=amount,
            earning_year=year, registered_at=state.now(), registered_by=user,
        )
        state.pay_lines.append(line)
    state.record(SYSTEM, "pay_line", receipt_no=line.receipt_no, employee_no=emp.employee_no, code=code,
                 amount_ore=amount, earning_year=year)
    return line


def register_termination(state: SimState, emp: Employee, form: dict[str, str], user: str) -> Termination:
    """Validate and register a termination (leaving date, last working day, reason code)."""
    reason = form.get("reason_code", "")
    if reason not in TERMINATION_REASONS:
        raise PayrollError("L-521")
    try:
        leaving = parse_date(form.get("leaving_date", ""))
        last_day = parse_date(form["last_working_day"]) if form.get("last_working_day") else None
    except ValueError:
        raise PayrollError("L-521") from None
    today = state.settings.today
    if leaving < emp.start_date or (leaving - today).days > 400 or (last_day and last_day > leaving):
        raise PayrollError("L-521")
    with state.lock:
        if emp.status(today) != "active":
            raise PayrollError("L-100")
        if emp.leaving_date is not None:
            raise PayrollError("L-520")
        emp.leaving_date = leaving
        term = Termination(f"F{state.next_number('termination', 500_000):07d}", emp.employee_no, leaving,
                           last_day, reason, state.now(), user)
        state.terminations.append(term)
    state.record(SYSTEM, "termination", receipt_no=term.receipt_no, employee_no=emp.employee_no,
                 leaving_date=leaving.isoformat(), reason_code=reason)
    return term


def mark_negative(state: SimState, line_id: str, handling: str, comment: str, user: str) -> None:
    """Mark a negative result 'carry_forward' or 'invoice' (holiday pay and leavers cannot be carried)."""
    if handling not in ("carry_forward", "invoice"):
        raise PayrollError("L-204")
    with state.lock:
        line = state.negatives[line_id]
        emp = state.employees[line.employee_no]
        if handling == "carry_forward" and (line.kind == "holiday_pay" or emp.status(state.settings.today) == "left"):
            raise PayrollError("L-203")
        line.marking, line.marked_at, line.marked_by, line.comment = handling, state.now(), user, comment
    state.record(SYSTEM, "mark_negative", line_id=line_id, handling=handling)


# -- pages ---------------------------------------------------------------------------------------------


def _period_values(today: date) -> list[str]:
    return [month_add(month_of(today), k) for k in range(3)]


def _periods(today: date) -> list[tuple[str, str]]:
    return [(p, f"{MONTHS_DA[int(p[5:]) - 1]} {p[:4]}") for p in _period_values(today)]


def _employee(state: SimState, employee_no: str) -> Employee:
    emp = state.employees.get(employee_no)
    if emp is None:
        raise HTTPException(404)
    return emp


def _context(state: SimState) -> dict[str, Any]:
    return {"today": state.settings.today, "orgs": state.population.orgs, "markings": MARKINGS}


@router.get("/menu", response_class=HTMLResponse)
def menu(request: Request) -> Response:
    session = ui_session(request, SYSTEM)
    links = [("/employees", "Medarbejdere", "Søg medarbejder, medarbejderkort, løndele og fratrædelse"),
             ("/runs", "Lønkørsler", "Resultatlister: negativ løn og negative feriepenge")]
    return render(request, SYSTEM, "menu.html", session, links=links)


@router.get("/employees", response_class=HTMLResponse)
def employees(request: Request, q: str = "", page: str = "1") -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    needle = q.strip().lower()
    rows: list[Employee] = []
    if needle:
        digits = needle.replace("-", "")
        for emp in state.employees.values():
            if (emp.employee_no == needle or (digits.isdigit() and len(digits) >= 6
                                              and emp.cpr.replace("-", "").startswith(digits))
                    or needle in emp.name.lower()):
                rows.append(emp)
    size = state.settings.page_size
    shown, page_no, pages = paginate(rows, page, size)
    return render(request, SYSTEM, "payroll_employees.html", session, q=q, searched=bool(needle), rows=shown,
                  page=page_no, pages=pages, page_url=lambda p: f"?{urlencode({'q': q, 'page': p})}",
                  **_context(state))


@router.get("/employees/{employee_no}", response_class=HTMLResponse)
def employee_card(request: Request, employee_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    emp = _employee(state, employee_no)
    with state.lock:
        sixth = sorted(emp.sixth_week_balance.items())
        lines = [p for p in state.pay_lines if p.employee_no == emp.employee_no]
    return render(request, SYSTEM, "payroll_employee.html", session, e=emp, org=state.population.orgs[emp.org_code],
                  manager=state.employees.get(emp.manager_no or ""), sixth=sixth, lines=lines, **_context(state))


def _payline_page(request: Request, session: Any, emp: Employee, form: dict[str, str], error: str) -> Response:
    state = state_of(request)
    elements = [("", "– vælg –")] + [(c, f"{c} {PAY_ELEMENTS[c]}") for c in REGISTERABLE_ELEMENTS]
    return render(request, SYSTEM, "payroll_payline.html", session, e=emp, form=form, error=error,
                  elements=elements, periods=_periods(state.settings.today), **_context(state))


@router.get("/employees/{employee_no}/payline", response_class=HTMLResponse)
def payline_form(request: Request, employee_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    return _payline_page(request, session, _employee(state_of(request), employee_no), {}, "")


@router.post("/employees/{employee_no}/payline", response_class=HTMLResponse)
async def payline_submit(request: Request, employee_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    emp = _employee(state, employee_no)
    form = await form_of(request, session)
    if form is None:
        return invalid_request(request, SYSTEM, session)
    try:
        line = register_pay_line(state, emp, form, session.user)
    except PayrollError as exc:
        return _payline_page(request, session, emp, form, exc.text)
    rows = [("Kvitteringsnr.", line.receipt_no), ("Medarbejder", f"{emp.employee_no} {emp.name}"),
            ("Lønart", f"{line.code} {line.text}"), ("Lønperiode", line.period),
            ("Optjeningsår", line.earning_year or ""), ("Antal timer", hours_text(line.hours) if line.hours else ""),
            ("Beløb (kr.)", kr(line.amount_ore))]
    return render(request, SYSTEM, "confirm.html", session, title="Løndel registreret",
                  message=f"Løndelen er registreret med kvitteringsnr. {line.receipt_no}.", rows=rows,
                  links=[(f"/employees/{emp.employee_no}", "Til medarbejderkort"), ("/employees", "Søg medarbejder")])


def _termination_page(request: Request, session: Any, emp: Employee, form: dict[str, str], error: str) -> Response:
    reasons = [("", "– vælg –")] + [(c, f"{c} {t}") for c, t in TERMINATION_REASONS.items()]
    return render(request, SYSTEM, "payroll_termination.html", session, e=emp, form=form, error=error,
                  reasons=reasons, **_context(state_of(request)))


@router.get("/employees/{employee_no}/termination", response_class=HTMLResponse)
def termination_form(request: Request, employee_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    return _termination_page(request, session, _employee(state_of(request), employee_no), {}, "")


@router.post("/employees/{employee_no}/termination", response_class=HTMLResponse)
async def termination_submit(request: Request, employee_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    emp = _employee(state, employee_no)
    form = await form_of(request, session)
    if form is None:
        return invalid_request(request, SYSTEM, session)
    try:
        term = register_termination(state, emp, form, session.user)
    except PayrollError as exc:
        return _termination_page(request, session, emp, form, exc.text)
    rows = [("Kvitteringsnr.", term.receipt_no), ("Medarbejder", f"{emp.employee_no} {emp.name}"),
            ("Fratrædelsesdato", fmt_date(term.leaving_date)), ("Sidste arbejdsdag", fmt_date(term.last_working_day)),
            ("Fratrædelsesårsag", f"{term.reason_code} {TERMINATION_REASONS[term.reason_code]}")]
    return render(request, SYSTEM, "confirm.html", session, title="Fratrædelse registreret",
                  message=f"Fratrædelsen er registreret med kvitteringsnr. {term.receipt_no}.", rows=rows,
                  links=[(f"/employees/{emp.employee_no}", "Til medarbejderkort")])


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    with state.lock:
        rows = []
        for run in sorted(state.runs.values(), key=lambda r: (r.run_date, r.run_id), reverse=True):
            lines = [n for n in state.negatives.values() if n.run_id == run.run_id]
            rows.append((run, len(lines), sum(1 for n in lines if n.marking is None)))
    return render(request, SYSTEM, "payroll_runs.html", session, rows=rows)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_result(request: Request, run_id: str, status: str = "", page: str = "1") -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    run = state.runs.get(run_id)
    if run is None:
        raise HTTPException(404)
    with state.lock:
        lines = [n for n in state.negatives.values() if n.run_id == run_id]
    if status == "pending":
        lines = [n for n in lines if n.marking is None]
    elif status in ("carry_forward", "invoice"):
        lines = [n for n in lines if n.marking == status]
    rows = [(n, state.employees[n.employee_no]) for n in lines]
    shown, page_no, pages = paginate(rows, page, state.settings.page_size)
    return render(request, SYSTEM, "payroll_run.html", session, run=run, rows=shown, status=status, page=page_no,
                  pages=pages, page_url=lambda p: f"?{urlencode({'status': status, 'page': p})}", **_context(state))


def _negative_page(request: Request, session: Any, line_id: str, form: dict[str, str], error: str) -> Response:
    state = state_of(request)
    line = state.negatives.get(line_id)
    if line is None:
        raise HTTPException(404)
    return render(request, SYSTEM, "payroll_negative.html", session, n=line, run=state.runs[line.run_id],
                  e=state.employees[line.employee_no], form=form, error=error, **_context(state))


@router.get("/negatives/{line_id}", response_class=HTMLResponse)
def negative(request: Request, line_id: str) -> Response:
    session = ui_session(request, SYSTEM)
    line = state_of(request).negatives.get(line_id)
    return _negative_page(request, session, line_id, {"handling": (line.marking or "") if line else ""}, "")


@router.post("/negatives/{line_id}", response_class=HTMLResponse)
async def negative_submit(request: Request, line_id: str) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    if line_id not in state.negatives:
        raise HTTPException(404)
    form = await form_of(request, session)
    if form is None:
        return invalid_request(request, SYSTEM, session)
    try:
        mark_negative(state, line_id, form.get("handling", ""), form.get("comment", ""), session.user)
    except PayrollError as exc:
        return _negative_page(request, session, line_id, form, exc.text)
    line = state.negatives[line_id]
    emp = state.employees[line.employee_no]
    rows = [("Linje", line.line_id), ("Kørsel", line.run_id), ("Medarbejder", f"{emp.employee_no} {emp.name}"),
            ("Beløb (kr.)", kr(line.amount_ore)), ("Markering", MARKINGS[line.marking])]
    return render(request, SYSTEM, "confirm.html", session, title="Markering gemt",
                  message="Markeringen er gemt.", rows=rows,
                  links=[(f"/runs/{line.run_id}", "Tilbage til resultatlisten")])


__all__ = ["PayrollError", "mark_negative", "register_pay_line", "register_termination", "router"]
