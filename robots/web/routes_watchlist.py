"""The flex wage watch list (obsliste) at the desk: see it, put a citizen on it, take one off.

Through robots.watchlist, so every change is an audit event with the user. Flex wage caseworkers
(and admins) change it and see the full CPR; the other roles see it read-only, masked. An end
date is offered when robots.watchlist takes one (a keyword argument ``until``).
"""

from __future__ import annotations

import inspect
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import watchlist
from ..cpr import normalise
from .app import render
from .security import SignedIn, signed_in
from .users import Session

router = APIRouter(prefix="/obsliste")
PROCESS = "flex_wage"


def supports_end_date() -> bool:
    """Whether robots.watchlist.add takes an end date (``until``)."""
    return "until" in inspect.signature(watchlist.add).parameters


def _page(request: Request, session: Session, error: str = "", typed: dict[str, str] | None = None,
          status: int = 200, done: str = "") -> Response:
    if not session.user.can_view(PROCESS):
        raise HTTPException(403)
    entries = watchlist.ls(request.app.state.desk.backend)
    return render(request, "watchlist.html", {
        "entries": entries, "may_edit": session.user.can_decide(PROCESS), "full_cpr": session.user.can_decide(PROCESS),
        "end_date": supports_end_date(), "error": error, "typed": typed or {}, "done": done,
    }, status)


@router.get("")
def watch_list(request: Request, session: SignedIn) -> Response:
    return _page(request, session, done=request.query_params.get("udfoert", "")[:20])


async def _form(request: Request) -> tuple[Session, dict[str, str]]:
    session = await run_in_threadpool(signed_in, request)
    form = await request.form()
    return session, {k: v.strip() for k, v in form.items() if isinstance(v, str)}


@router.post("/tilfoej")
async def add(request: Request) -> Response:
    session, form = await _form(request)
    return await run_in_threadpool(_add, request, session, form)


@router.post("/fjern")
async def remove(request: Request) -> Response:
    session, form = await _form(request)
    return await run_in_threadpool(_remove, request, session, form)


def _add(request: Request, session: Session, form: dict[str, str]) -> Response:
    if not session.user.can_decide(PROCESS):
        raise HTTPException(403)
    try:
        cpr = normalise(form.get("cpr", ""))
    except ValueError:
        return _page(request, session, "CPR-nummeret skal have 10 cifre (DDMMÅÅ-XXXX).", form, 400)
    reason = form.get("begrundelse", "")
    if not reason:
        return _page(request, session, "Skriv hvorfor borgeren skal på obslisten.", form, 400)
    extra: dict[str, Any] = {}
    if supports_end_date() and form.get("slutdato"):
        try:
            until = date.fromisoformat(form["slutdato"])
        except ValueError:
            return _page(request, session, "Slutdatoen skal være en dato.", form, 400)
        if until < date.today():
            return _page(request, session, "Slutdatoen ligger før i dag.", form, 400)
        extra["until"] = until
    change = watchlist.add(request.app.state.desk.backend, cpr, reason[:500], actor=session.user.actor, **extra)
    return RedirectResponse(f"/obsliste?udfoert={'tilfoejet' if change.changed else 'findes'}", status_code=303)


def _remove(request: Request, session: Session, form: dict[str, str]) -> Response:
    if not session.user.can_decide(PROCESS):
        raise HTTPException(403)
    backend = request.app.state.desk.backend
    entry_id = form.get("id", "")
    entry = next((e for e in watchlist.ls(backend) if str(e.id) == entry_id), None)
    if entry is None:
        return _page(request, session, "Borgeren er ikke længere på obslisten.", status=409)
    reason = form.get("begrundelse", "")
    if not reason:
        return _page(request, session, "Skriv hvorfor borgeren tages af obslisten.", status=400)
    watchlist.remove(backend, entry.cpr, actor=session.user.actor, reason=reason[:500])
    return RedirectResponse("/obsliste?udfoert=fjernet", status_code=303)
