"""The benefits system (a KY stand-in): citizens in flexjob with employer, wage ceiling and previous
payments; register a month's flex wage subsidy. Web UI under /benefits/.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from . import flexcalc
from .model import BenefitPayment, Citizen
from .state import SimState
from .util import kr, month_add, month_of, parse_kr
from .web import add_login_routes, form_of, invalid_request, paginate, render, state_of, ui_session

SYSTEM = "benefits"
router = APIRouter()
add_login_routes(router, SYSTEM)

ERRORS = {
    "217": "Posteringen kan ikke gennemføres.",
    "311": "Posteringen kan ikke gennemføres.",
    "412": "Posteringen kan ikke gennemføres.",
}


class BenefitsError(Exception):
    """A validation error, shown as 'Fejl <code>: <text>'."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def text(self) -> str:
        """The (unhelpful) text the user sees."""
        return f"Fejl {self.code}: {ERRORS[self.code]}"


def register_payment(state: SimState, citizen: Citizen, form: dict[str, str], user: str) -> BenefitPayment:
    """Validate and register a month's subsidy.

    217: the month is not open (only last, this and next month) or already has a payment;
    311: amounts not valid (negative, above the maximum rate); 412: income + subsidy above the ceiling.
    """
    month = form.get("month", "")
    current = month_of(state.settings.today)
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month) or month not in (
            month_add(current, -1), current, month_add(current, 1)):
        raise BenefitsError("217")
    try:
        income = parse_kr(form.get("income", ""))
        amount = parse_kr(form.get("amount", ""))
    except ValueError:
        raise BenefitsError("311") from None
    max_ore, _ = flexcalc.rates(int(month[:4]))
    if income < 0 or amount < 0 or amount > max_ore:
        raise BenefitsError("311")
    if income + amount > citizen.wage_ceiling_ore:
        raise BenefitsError("412")
    with state.lock:
        if any(p.month == month for p in citizen.payments):
            raise BenefitsError("217")
        payment = BenefitPayment(
            voucher_no=f"B{state.next_number('voucher', 800_000):07d}", month=month,
            income_month=month_add(month, -1), income_ore=income, subsidy_ore=amount,
            registered_at=state.settings.today, registered_by=user, note=form.get("note", ""),
        )
        citizen.payments.append(payment)
    state.record(SYSTEM, "payment", case_no=citizen.case_no, cpr=citizen.cpr, month=month, subsidy_ore=amount,
                 voucher_no=payment.voucher_no)
    return payment


def _citizen(state: SimState, case_no: str) -> Citizen:
    citizen = state.citizens.get(case_no)
    if citizen is None:
        raise HTTPException(404)
    return citizen


@router.get("/menu", response_class=HTMLResponse)
def menu(request: Request) -> Response:
    session = ui_session(request, SYSTEM)
    links = [("/citizens", "Borgere i fleksjob", "Søg borger, se udbetalinger, registrér fleksløntilskud")]
    return render(request, SYSTEM, "menu.html", session, links=links)


@router.get("/citizens", response_class=HTMLResponse)
def citizens(request: Request, q: str = "", page: str = "1") -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    needle = q.strip().lower()
    digits = needle.replace("-", "")
    with state.lock:
        rows = [c for c in state.citizens.values()
                if not needle or c.case_no.lower() == needle or needle in c.name.lower()
                or (digits.isdigit() and len(digits) >= 6 and c.cpr.replace("-", "").startswith(digits))]
    shown, page_no, pages = paginate(rows, page, state.settings.page_size)
    return render(request, SYSTEM, "benefits_citizens.html", session, q=q, rows=shown, page=page_no, pages=pages,
                  page_url=lambda p: f"?{urlencode({'q': q, 'page': p})}")


@router.get("/citizens/{case_no}", response_class=HTMLResponse)
def citizen_page(request: Request, case_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    return render(request, SYSTEM, "benefits_citizen.html", session, c=_citizen(state_of(request), case_no))


def _payment_form(request: Request, session: Any, citizen: Citizen, form: dict[str, str], error: str) -> Response:
    return render(request, SYSTEM, "benefits_payment_form.html", session, c=citizen, form=form, error=error)


@router.get("/citizens/{case_no}/payments/new", response_class=HTMLResponse)
def new_payment(request: Request, case_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    return _payment_form(request, session, _citizen(state_of(request), case_no), {}, "")


@router.post("/citizens/{case_no}/payments/new", response_class=HTMLResponse)
async def register_payment_submit(request: Request, case_no: str) -> Response:
    session = ui_session(request, SYSTEM)
    state = state_of(request)
    citizen = _citizen(state, case_no)
    form = await form_of(request, session)
    if form is None:
        return invalid_request(request, SYSTEM, session)
    try:
        payment = register_payment(state, citizen, form, session.user)
    except BenefitsError as exc:
        return _payment_form(request, session, citizen, form, exc.text)
    rows = [("Bilagsnr.", payment.voucher_no), ("Borger", f"{citizen.case_no} {citizen.name}"),
            ("Udbetalingsmåned", payment.month), ("Beregningsgrundlag (kr.)", kr(payment.income_ore)),
            ("Fleksløntilskud (kr.)", kr(payment.subsidy_ore))]
    return render(request, SYSTEM, "confirm.html", session, title="Udbetaling registreret",
                  message=f"Udbetalingen er registreret med bilagsnr. {payment.voucher_no}.", rows=rows,
                  links=[(f"/citizens/{citizen.case_no}", "Til borgeroverblik")])


__all__ = ["BenefitsError", "register_payment", "router"]
