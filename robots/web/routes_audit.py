"""The auditor pages (``/revision``): the event search with the chain's status, runs, a run's page and
its files. Read-only: the only forms are searches (GET).

Auditors and admins see everything here, CPR numbers masked. Operators may open a run's page and
its files (the dashboard links there) but not the event search; caseworkers see none of it.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from ..timeutil import now
from . import run_views
from .app import render
from .audit_views import EventFilters, EventSearch, chain_status
from .run_views import RunFilters, RunNotFound
from .security import SignedIn
from .users import User, ls

router = APIRouter(prefix="/revision")

AUDIT_ROLES = frozenset({"auditor", "admin"})
RUN_ROLES = AUDIT_ROLES | {"operator"}
DOWNLOAD_CSP = "sandbox; default-src 'none'"
# robocorp's log.html renders itself with inline scripts: they run, but in an opaque origin (no
# allow-same-origin), so they can neither read the desk's pages nor send its cookies, nor load anything.
VIEW_CSP = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
            "style-src 'unsafe-inline'; img-src data:; font-src data:")


def _require(user: User, roles: frozenset[str]) -> None:
    if not user.roles & roles:
        raise HTTPException(403)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 19 else None


@router.get("")
def events_page(request: Request, session: SignedIn) -> Response:
    """The event search: filters, one page of events (newest first), the chain's status."""
    _require(session.user, AUDIT_ROLES)
    state = request.app.state.desk
    filters = EventFilters.from_query(request.query_params)
    page = EventSearch(state.backend, state.desk).page(
        filters, before=_int(request.query_params.get("foer")), after=_int(request.query_params.get("efter")))
    return render(request, "audit.html", {
        "filters": filters, "page": page, "processes": state.desk.processes(),
        "actors": sorted(u.name for u in ls(state.backend)),
        "chain": chain_status(state.backend, fresh=request.query_params.get("kontroller") == "1"),
    })


@router.get("/haendelser.xlsx")
def events_export(request: Request, session: SignedIn) -> Response:
    """The search's events as the audit export's workbook (CPR masked, with each event's seal)."""
    _require(session.user, AUDIT_ROLES)
    state = request.app.state.desk
    filters = EventFilters.from_query(request.query_params)
    at = now()
    content = EventSearch(state.backend, state.desk).export(filters, session.user.actor, at)
    return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="revision-{at:%Y%m%d-%H%M}.xlsx"'})


@router.get("/koersler")
def runs_page(request: Request, session: SignedIn) -> Response:
    _require(session.user, AUDIT_ROLES)
    state = request.app.state.desk
    filters = RunFilters.from_query(request.query_params)
    runs = run_views.list_runs(state.backend, filters)
    return render(request, "audit_runs.html", {
        "filters": filters, "runs": runs, "limit": run_views.RUNS_LIMIT, "processes": state.desk.processes(),
        "statuses": run_views.STATUSES,
    })


@router.get("/koersler/{run_id}")
def run_page(request: Request, run_id: str, session: SignedIn) -> Response:
    """A run: its record and steps, the items it handled with their outcome, its log and its files."""
    _require(session.user, RUN_ROLES)
    try:
        view = run_views.run_view(request.app.state.desk.backend, run_id,
                                  after=_int(request.query_params.get("efter")) or 0)
    except RunNotFound:
        raise HTTPException(404) from None
    return render(request, "audit_run.html", {"view": view, "run": view.run, "statuses": run_views.STATUSES,
                                              "may_search": bool(session.user.roles & AUDIT_ROLES)})


@router.get("/koersler/{run_id}/artefakter/{path:path}")
def artifact(request: Request, run_id: str, path: str, session: SignedIn) -> Response:
    """A file of the run's artifacts directory, as a download; ``?vis=1`` shows an HTML log sandboxed."""
    _require(session.user, RUN_ROLES)
    try:
        run = run_views.get_run(request.app.state.desk.backend, run_id)
    except RunNotFound:
        raise HTTPException(404) from None
    found = run_views.artifact_file(run, path)
    if found is None:
        raise HTTPException(404, "Filen findes ikke blandt kørslens artefakter.")
    if request.query_params.get("vis") == "1" and found.suffix == ".html":
        return FileResponse(found, media_type="text/html; charset=utf-8", headers={
            "Content-Security-Policy": VIEW_CSP, "Content-Disposition": "inline", "Cache-Control": "no-store"})
    name = "".join(c for c in found.name if c.isalnum() or c in "._-") or "artefakt"
    return FileResponse(found, media_type="application/octet-stream", filename=name, headers={
        "Content-Security-Policy": DOWNLOAD_CSP, "Cache-Control": "no-store"})

