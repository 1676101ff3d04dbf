"""What the three web UIs share: templates, login sessions, the form token, paging, error pages.

The UIs behave like old systems: a session cookie per system that expires when idle, a hidden
form token that must come back with every POST, error texts that name a code but not the field,
and element ids generated from the ``release`` setting (robots should use labels and field names).
"""

from __future__ import annotations

import math
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .state import Session, SimState
from .util import fmt_date, hours_text, kr, stable_id

SYSTEM_INFO: dict[str, dict[str, str]] = {
    "payroll": {"title": "Opus Løn", "subtitle": "Løn og personale", "color": "#1f4e79"},
    "debtor": {"title": "Opus Debitor", "subtitle": "Debitorstyring og opkrævning", "color": "#2e6b30"},
    "benefits": {"title": "KY Ydelse", "subtitle": "Fleksløntilskud og ydelser", "color": "#5b2c6f"},
}

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals.update(kr=kr, fmt_date=fmt_date, hours_text=hours_text)


class LoginRequired(Exception):
    """The request needs a (new) login: redirect to the login page."""

    def __init__(self, system: str, next_url: str, expired: bool) -> None:
        super().__init__(system)
        self.system, self.next_url, self.expired = system, next_url, expired


def state_of(request: Request) -> SimState:
    """The SimState of the app serving ``request``."""
    return request.app.state.sim


def base_path(request: Request, system: str) -> str:
    """'/payroll' (with the app's root path in front, if mounted below one)."""
    return f"{request.scope.get('root_path', '')}/{system}"


def element_id(release: str, system: str, name: str) -> str:
    """An HTML element id that changes with every release (like generated ids in old systems)."""
    return f"ctl{stable_id(release, system, name, length=6)}"


def render(request: Request, system: str, template: str, session: Session | None = None,
           status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page of ``system`` with the shared layout."""
    state = state_of(request)
    release = state.settings.release
    html = _ENV.get_template(template).render(
        system=system,
        info=SYSTEM_INFO[system],
        base=base_path(request, system),
        session=session,
        release=release,
        municipality=state.settings.municipality,
        eid=lambda name: element_id(release, system, name),
        request_path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def cookie_name(system: str) -> str:
    """The session cookie of ``system``."""
    return f"{system.upper()}_SESSIONID"


def ui_session(request: Request, system: str) -> Session:
    """The logged-in session of this request, or LoginRequired (never logged in, idle too long,
    or ended by fault injection)."""
    state = state_of(request)
    key = request.cookies.get(cookie_name(system), "")
    next_url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    now = time.monotonic()
    with state.lock:
        session = state.sessions.get(key)
        if session is None or session.system != system:
            raise LoginRequired(system, next_url, expired=bool(key))
        idle = now - session.last_seen > state.settings.session_ttl_seconds
        if idle or request.scope.get("sim_expire_session"):
            state.sessions.pop(key, None)
            raise LoginRequired(system, next_url, expired=True)
        session.last_seen = now
    return session


async def form_of(request: Request, session: Session) -> dict[str, str] | None:
    """The posted form as a dict of stripped strings, or None when the form token is wrong."""
    form = await request.form()
    data = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    if data.get("_token") != session.form_token:
        return None
    return data


def invalid_request(request: Request, system: str, session: Session) -> HTMLResponse:
    """The page an old system shows for a POST without a valid form token."""
    return render(request, system, "message.html", session, status_code=400, title="Ugyldig forespørgsel",
                  error="Fejl 0x1F: Forespørgslen kunne ikke behandles. Start forfra fra menuen.")


def paginate(items: list[Any], page_text: str | None, size: int) -> tuple[list[Any], int, int]:
    """(the items of the page, page number from 1, number of pages)."""
    try:
        page = max(1, int(page_text or 1))
    except ValueError:
        page = 1
    pages = max(1, math.ceil(len(items) / size))
    page = min(page, pages)
    return items[(page - 1) * size: page * size], page, pages


def _safe_next(system: str, next_url: str, base: str) -> str:
    return next_url if next_url.startswith(f"{base}/") or next_url == base else f"{base}/menu"


def add_login_routes(router: APIRouter, system: str) -> None:
    """GET/POST /login and GET /logout and GET / for a UI system."""

    @router.get("/", include_in_schema=False)
    def root(request: Request) -> Response:
        return RedirectResponse(f"{base_path(request, system)}/menu", status_code=302)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "", expired: int = 0) -> Response:
        message = "Din session er udløbet. Log venligst på igen." if expired else ""
        return render(request, system, "login.html", None, next=next, message=message, error="")

    @router.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        state = state_of(request)
        form = await request.form()
        user = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        next_url = str(form.get("next", ""))
        ok = secrets.compare_digest(user.encode(), state.settings.username.encode()) and secrets.compare_digest(
            password.encode(), state.settings.password.encode())
        if not ok:
            return render(request, system, "login.html", None, status_code=200, next=next_url, message="",
                          error="Login mislykkedes (fejl 101). Kontakt din systemadministrator.")
        session = state.new_session(system, user)
        base = base_path(request, system)
        response = RedirectResponse(_safe_next(system, next_url, base), status_code=303)
        response.set_cookie(cookie_name(system), session.key, path=f"{base}/", httponly=True, samesite="lax")
        return response

    @router.get("/logout")
    def logout(request: Request) -> Response:
        state = state_of(request)
        with state.lock:
            state.sessions.pop(request.cookies.get(cookie_name(system), ""), None)
        base = base_path(request, system)
        response = RedirectResponse(f"{base}/login", status_code=303)
        response.delete_cookie(cookie_name(system), path=f"{base}/")
        return response


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    """Redirect to the login page, remembering where the user was going."""
    base = base_path(request, exc.system)
    url = f"{base}/login?next={quote(exc.next_url)}" + ("&expired=1" if exc.expired else "")
    return RedirectResponse(url, status_code=303)


def render_plain(state: SimState, system: str, template: str, root_path: str = "", **context: Any) -> str:
    """Render a page without a request (for the fault middleware's busy and error pages)."""
    release = state.settings.release
    return _ENV.get_template(template).render(
        system=system, info=SYSTEM_INFO[system], base=f"{root_path}/{system}", session=None, release=release,
        municipality=state.settings.municipality, eid=lambda name: element_id(release, system, name),
        request_path="", **context,
    )
