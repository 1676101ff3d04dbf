"""The self-service inbox: resignations and sixth-week payout requests. JSON API under /inbox/."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from .api import ApiError, add_token_route, api_session, page_params, paged, state_of
from .model import Case

SYSTEM = "inbox"
router = APIRouter()
add_token_route(router, SYSTEM)
KINDS = ("resignation", "sixth_week_payout")


def case_json(case: Case) -> dict[str, Any]:
    """One case as the API returns it."""
    return {
        "case_id": case.case_id,
        "type": case.kind,
        "status": case.status,
        "received_at": case.received_at.isoformat(),
        "cpr": case.cpr,
        "employee_no": case.employee_no,
        "name": case.name,
        "data": dict(case.data),
        "handled_at": case.handled_at.isoformat() if case.handled_at else None,
        "handled_by": case.handled_by or None,
        "note": case.note,
    }


@router.get("/api/v1/cases")
def cases(request: Request, type: str = "", status: str = "", page: int | None = None,
          page_size: int | None = None) -> dict[str, Any]:
    """Cases, oldest first, filtered by type (resignation | sixth_week_payout) and status (open | handled)."""
    api_session(request, SYSTEM)
    state = state_of(request)
    if type and type not in KINDS:
        raise ApiError(400, "invalid_request", f"type must be one of {list(KINDS)}")
    if status and status not in ("open", "handled"):
        raise ApiError(400, "invalid_request", "status must be open or handled")
    page_no, size = page_params(page, page_size)
    with state.lock:
        found = [case_json(c) for c in sorted(state.cases.values(), key=lambda c: (c.received_at, c.case_id))
                 if (not type or c.kind == type) and (not status or c.status == status)]
    return paged(found, page_no, size)


@router.get("/api/v1/cases/{case_id}")
def case(request: Request, case_id: str) -> dict[str, Any]:
    """One case."""
    api_session(request, SYSTEM)
    state = state_of(request)
    with state.lock:
        found = state.cases.get(case_id)
        if found is None:
            raise ApiError(404, "not_found", "No such case")
        return case_json(found)


@router.post("/api/v1/cases/{case_id}/handled")
async def mark_handled(request: Request, case_id: str) -> dict[str, Any]:
    """Mark a case handled (idempotent: a handled case is returned as it is). Body: {"note": "..."}."""
    session = api_session(request, SYSTEM)
    state = state_of(request)
    note = ""
    if await request.body():
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "invalid_request", "body must be JSON") from None
        note = str(body.get("note", "")) if isinstance(body, dict) else ""
    with state.lock:
        found = state.cases.get(case_id)
        if found is None:
            raise ApiError(404, "not_found", "No such case")
        if found.status != "handled":
            found.status, found.handled_at, found.handled_by, found.note = "handled", state.now(), session.user, note
            state.record(SYSTEM, "handled", case_id=case_id)
        return case_json(found)
