"""The operations dashboard (``/drift``): queues, runs, alerts and charts; stop a run, acknowledge an alert.

Operators and admins act here; auditors see the page read-only; caseworkers are refused (their
page is the manual queue). Stopping a run and acknowledging an alert are audit events with the user.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import alerts
from ..queue import QueueError
from ..queue.runs import RunStore
from ..timeutil import now
from .app import render
from .dashboard import Dashboard
from .security import SignedIn, signed_in
from .users import Session

router = APIRouter(prefix="/drift")
VIEWERS = frozenset({"operator", "admin", "auditor"})
ACTORS = frozenset({"operator", "admin"})
NOTICES = {"stoppet": "Kørslen stopper, når den aktuelle sag er færdig.",
           "kvitteret": "Alarmen er kvitteret med dit navn."}


def _require(session: Session, roles: frozenset[str]) -> None:
    if not session.user.roles & roles:
        raise HTTPException(403)


@router.get("")
def dashboard(request: Request, session: SignedIn) -> Response:
    _require(session, VIEWERS)
    at = now()
    board = Dashboard(request.app.state.desk.backend)
    return render(request, "dashboard.html", {
        "now": at, "queues": board.queues(at), "runs": board.runs(), "alerts": board.alerts(),
        "charts": board.charts(at), "may_act": bool(session.user.roles & ACTORS),
        "notice": NOTICES.get(request.query_params.get("udfoert", ""), ""),
    })


@router.post("/koersler/{run_id}/stop")
async def stop_run(request: Request, run_id: str) -> Response:
    session = await run_in_threadpool(signed_in, request)
    return await run_in_threadpool(_stop_run, request, session, run_id)


@router.post("/alarmer/{alert_id}/kvitter")
async def acknowledge(request: Request, alert_id: int) -> Response:
    session = await run_in_threadpool(signed_in, request)
    return await run_in_threadpool(_acknowledge, request, session, alert_id)


def _stop_run(request: Request, session: Session, run_id: str) -> Response:
    _require(session, ACTORS)
    backend = request.app.state.desk.backend
    store = RunStore(backend)
    try:
        run = store.get(run_id)
    except QueueError:
        raise HTTPException(404) from None
    if run.status != "running":
        raise HTTPException(409, f"Kørslen {run_id} kører ikke længere ({run.status}).")
    if not store.request_stop(run_id, actor=session.user.actor):  # it ended in between
        raise HTTPException(409, f"Kørslen {run_id} kører ikke længere.")
    return RedirectResponse("/drift?udfoert=stoppet", status_code=303)


def _acknowledge(request: Request, session: Session, alert_id: int) -> Response:
    _require(session, ACTORS)
    if not alerts.acknowledge(request.app.state.desk.backend, alert_id, session.user.actor):
        raise HTTPException(409, "Alarmen er allerede kvitteret eller løst.")
    return RedirectResponse("/drift?udfoert=kvitteret", status_code=303)
