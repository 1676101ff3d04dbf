"""Credentials for the legacy systems at the desk (``/admin/adgangskoder``): admins only.

Through robots.credentials, so a secret is encrypted before it reaches the database and every
change is an audit event with the admin's name. A secret is write-only here: the page lists name,
username, grants and the last change, never the secret, and a form that is sent back after an
error never carries the secret it was given. Without an encryption key the page says so and
offers no form (there is no plaintext fallback).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..credentials import ALL_PROCESSES, CredentialError, KeyMissing, list_credentials, require_key, set_credential
from ..processes import process_modules
from .app import render
from .security import SignedIn, signed_in
from .users import Session

router = APIRouter(prefix="/admin")
NAME_LIMIT = 64
KEY_MISSING = ("Der er ingen krypteringsnøgle på serveren, så adgangskoder kan hverken gemmes eller læses. "
               "En driftsansvarlig opretter den med `robots credentials new-key` (eller sætter ROBOTS_SECRET_KEY).")


def _require_admin(session: Session) -> None:
    if "admin" not in session.user.roles:
        raise HTTPException(403)


def process_names() -> list[str]:
    """The processes a credential can be granted to (the process packages)."""
    return [m.removeprefix("processes.") for m in process_modules()]


def _key_problem() -> str:
    try:
        require_key()
    except KeyMissing as exc:
        return f"{KEY_MISSING} ({exc})"
    return ""


def _page(request: Request, session: Session, error: str = "", typed: dict[str, object] | None = None,
          status: int = 200, done: str = "") -> Response:
    _require_admin(session)
    return render(request, "admin_credentials.html", {
        "entries": list_credentials(request.app.state.desk.backend), "processes": process_names(),
        "all_processes": ALL_PROCESSES, "key_problem": _key_problem(), "error": error, "typed": typed or {},
        "done": done,
    }, status)


@router.get("/adgangskoder")
def credentials_page(request: Request, session: SignedIn) -> Response:
    return _page(request, session, done=request.query_params.get("gemt", "")[:NAME_LIMIT])


@router.post("/adgangskoder")
async def store(request: Request) -> Response:
    session = await run_in_threadpool(signed_in, request)
    form = await request.form()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    granted = [v for k, v in form.multi_items() if k == "processer" and isinstance(v, str)]
    secret = str(fields.get("adgangskode", ""))
    return await run_in_threadpool(_store, request, session, fields, granted, secret)


def _store(request: Request, session: Session, fields: dict[str, str], granted: list[str], secret: str) -> Response:
    _require_admin(session)
    name, username = fields.get("navn", "").strip(), fields.get("brugernavn", "").strip()
    typed = {"navn": name, "brugernavn": username, "processer": granted}  # never the secret
    known = set(process_names()) | {ALL_PROCESSES}
    problem = ""
    if not name or len(name) > NAME_LIMIT or not all(c.isalnum() or c in "_-." for c in name):
        problem = "Navnet skal være systemets navn (bogstaver, tal, _ - .), fx payroll."
    elif not username:
        problem = "Skriv det brugernavn, robotten logger ind med."
    elif not secret:
        problem = "Skriv adgangskoden (den vises aldrig igen)."
    elif secret != fields.get("gentag", ""):
        problem = "De to adgangskoder er ikke ens."
    elif not granted:
        problem = "Vælg mindst én proces, der må bruge adgangskoden."
    elif unknown := sorted(set(granted) - known):
        problem = f"Ukendt proces: {', '.join(unknown)}."
    if problem:
        return _page(request, session, problem, typed, 400)
    try:
        set_credential(request.app.state.desk.backend, name, username, secret,
                       [ALL_PROCESSES] if ALL_PROCESSES in granted else granted, actor=session.user.actor)
    except KeyMissing:
        return _page(request, session, "Adgangskoden er ikke gemt: " + KEY_MISSING, typed, 409)
    except CredentialError as exc:
        return _page(request, session, f"Adgangskoden er ikke gemt: {exc}", typed, 400)
    return RedirectResponse(f"/admin/adgangskoder?gemt={name}", status_code=303)
