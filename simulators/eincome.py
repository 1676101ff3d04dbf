"""The income register (an eIndkomst stand-in): income lines per CPR and month. JSON API under /eincome/.

GET /eincome/api/v1/income?cpr=DDMMYY-SSSS[&month=åååå-mm | &from=åååå-mm&to=åååå-mm][&cvr=][&page=&page_size=]
Amounts are integer øre; ``month`` is the month the pay belongs to in the register, and a wage
period (``period_start``..``period_end``) before that month marks a correction to an earlier month.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request

from robots.cpr import normalise

from .api import ApiError, add_token_route, api_session, page_params, paged, state_of
from .model import IncomeLine

SYSTEM = "eincome"
router = APIRouter()
add_token_route(router, SYSTEM)
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def line_json(line: IncomeLine) -> dict[str, Any]:
    """One income line as the API returns it."""
    return {
        "line_id": line.line_id,
        "cpr": line.cpr,
        "cvr": line.cvr,
        "employer_name": line.employer_name,
        "month": line.month,
        "period_start": line.period_start.isoformat(),
        "period_end": line.period_end.isoformat(),
        "reported_at": line.reported_at.isoformat(),
        "a_income_ore": line.a_income_ore,
        "pension_own_ore": line.pension_own_ore,
        "pension_employer_ore": line.pension_employer_ore,
        "hours": str(line.hours),
        "holiday_pay_ore": line.holiday_pay_ore,
        "holiday_allowance_ore": line.holiday_allowance_ore,
        "sickness_benefit_ore": line.sickness_benefit_ore,
        "maternity_benefit_ore": line.maternity_benefit_ore,
    }


@router.get("/api/v1/income")
def income(request: Request, cpr: str = "", month: str = "", cvr: str = "", page: int | None = None,
           page_size: int | None = None) -> dict[str, Any]:
    """Income lines of one person, optionally for one month or a range of months, paged."""
    api_session(request, SYSTEM)
    state = state_of(request)
    params = request.query_params
    first, last = params.get("from", ""), params.get("to", "")
    if month:
        first = last = month
    for value in (first, last):
        if value and not MONTH.fullmatch(value):
            raise ApiError(400, "invalid_request", "months are åååå-mm")
    try:
        key = normalise(cpr)
    except ValueError:
        raise ApiError(400, "invalid_request", "cpr must be DDMMYY-SSSS") from None
    page_no, size = page_params(page, page_size, default=20, maximum=50)
    with state.lock:
        lines = [ln for ln in state.income_by_cpr.get(key, [])
                 if (not first or ln.month >= first) and (not last or ln.month <= last) and (not cvr or ln.cvr == cvr)]
    lines.sort(key=lambda ln: (ln.month, ln.line_id))
    body = paged([line_json(ln) for ln in lines], page_no, size)
    return {"cpr": key, "from": first or None, "to": last or None, **body}
