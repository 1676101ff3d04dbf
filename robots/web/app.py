"""The desk as one ASGI app: ``create_app(backend)`` (or a database URL).

Server-rendered pages (Jinja2) in Danish, a little htmx where it saves a reload (filters, taking
an item from the list), every form CSRF-protected, nothing shown without signing in. The routes
are in ``routes_*.py``; what the list and the case page read is in ``desk.py`` and ``cases.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..queue import QueueBackend, connect
from . import cases, fmt
from .desk import Desk
from .security import CsrfRefused, NotSignedIn, ResponseHeaders, csrf_protect, load_session

HERE = Path(__file__).resolve().parent
MESSAGES = {
    400: ("Forkert forespørgsel", "Siden kunne ikke vises med de oplysninger, der blev sendt."),
    403: ("Ingen adgang", "Du har ikke adgang til denne side. Sagen hører til en proces, du ikke er tilknyttet, "
                          "eller din rolle giver kun læseadgang."),
    404: ("Siden findes ikke", "Sagen eller siden findes ikke."),
    405: ("Ikke tilladt", "Den handling kan ikke bruges her."),
    409: ("Sagen er ændret", "Sagen kunne ikke ændres, fordi den ikke længere er i den tilstand, du så."),
}


@dataclass
class DeskState:
    """What every request shares: the queue database, the list's reads, the templates."""

    backend: QueueBackend
    desk: Desk
    templates: Jinja2Templates
    secure_cookies: bool = False


def templates() -> Jinja2Templates:
    engine = Jinja2Templates(directory=str(HERE / "templates"))
    engine.env.filters.update(fmt.FILTERS)
    engine.env.globals.update(reason_label=cases.reason_label, title_of=cases.title_of)
    engine.env.trim_blocks = engine.env.lstrip_blocks = True
    return engine


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """A page with the signed-in session (if any) and its CSRF token in the context."""
    state: DeskState = request.app.state.desk
    session = load_session(request)
    base = {"session": session, "user": session.user if session else None,
            "csrf_token": session.csrf_token if session else "", "path": request.url.path}
    return state.templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status)


def error_page(request: Request, status: int, detail: str | None = None) -> HTMLResponse:
    title, text = MESSAGES.get(status, ("Der skete en fejl", "Siden kunne ikke vises."))
    return render(request, "error.html", {"title": title, "text": text, "detail": detail, "status": status}, status)


def create_app(backend: QueueBackend | str | None = None, *, secure_cookies: bool = False) -> FastAPI:
    """The desk on ``backend`` (an open queue, or a database URL; default: the configured database)."""
    from . import routes_admin, routes_audit, routes_auth, routes_case, routes_dashboard, routes_queue, routes_watchlist

    if not isinstance(backend, QueueBackend):
        backend = connect(backend)
    app = FastAPI(title="Robots: sagsbehandlerskrivebord", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(csrf_protect)])
    app.state.desk = DeskState(backend, Desk(backend), templates(), secure_cookies)
    app.add_middleware(ResponseHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (routes_auth, routes_queue, routes_case, routes_watchlist, routes_dashboard, routes_audit,
                   routes_admin):
        app.include_router(module.router)

    @app.exception_handler(NotSignedIn)
    async def _sign_in(request: Request, exc: NotSignedIn) -> Response:
        target = "/login?next=" + _next(request)
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return _render_error(request, 403, "Formularen manglede sikkerhedsnøglen (CSRF) eller kom fra en anden side. "
                                           "Genindlæs siden og prøv igen.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Forbidden") else None
        return _render_error(request, exc.status_code, detail)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _render_error(request: Request, status: int, detail: str | None) -> Response:
    if "session" not in getattr(request.state, "_state", {}):
        request.state.session = None  # do not look the session up again on the event loop
    return error_page(request, status, detail)


def _next(request: Request) -> str:
    from urllib.parse import quote

    path = request.url.path if request.method == "GET" else "/"
    query = f"?{request.url.query}" if request.url.query and request.method == "GET" else ""
    return quote(path + query, safe="")


def forbid(detail: str | None = None) -> HTTPException:
    return HTTPException(403, detail)
