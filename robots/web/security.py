"""Signing in, CSRF protection and the headers every response carries.

- The session cookie (``desk_session``) holds a random token; it is HttpOnly and SameSite=Lax (and
  Secure when the desk is served over HTTPS: ``secure_cookies``). Nobody sees a page without it.
- Every POST must carry the CSRF token: the form field ``csrf_token`` or the header
  ``X-CSRF-Token`` (htmx sends it from ``hx-headers`` on the page's body). Signed in, the token is
  the session's own; on the sign-in form, it is a random value also set in the HttpOnly cookie
  ``desk_csrf`` (double submit). A POST whose Origin is another site is refused as well.
- Pages are not cached, not framed, and load scripts and styles only from the desk itself.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Annotated, Any

from fastapi import Depends
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..timeutil import now
from . import users
from .users import Session

SESSION_COOKIE = "desk_session"
LOGIN_CSRF_COOKIE = "desk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


class NotSignedIn(Exception):
    """The request needs a signed-in user and has none (or the session ran out)."""


class CsrfRefused(Exception):
    """A form posted without the right CSRF token (or from another site)."""


def load_session(request: Request) -> Session | None:
    """The request's session (looked up once per request), or None."""
    try:
        return request.state.session  # type: ignore[no-any-return]
    except AttributeError:
        backend = request.app.state.desk.backend
        request.state.session = users.session(backend, request.cookies.get(SESSION_COOKIE), now())
        return request.state.session  # type: ignore[no-any-return]


def signed_in(request: Request) -> Session:
    """FastAPI dependency: the signed-in session, else NotSignedIn (the sign-in page)."""
    found = load_session(request)
    if found is None:
        raise NotSignedIn()
    return found


async def csrf_protect(request: Request) -> None:
    """FastAPI dependency on every route: a POST needs the CSRF token, and no foreign Origin."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin and origin != _own_origin(request):
        raise CsrfRefused()
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if request.url.path == "/login":
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    else:
        found = await run_in_threadpool(load_session, request)
        expected = found.csrf_token if found else None
    if not token or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise CsrfRefused()


def _own_origin(request: Request) -> str:
    host = request.headers.get("host", "")
    return f"{request.url.scheme}://{host}"


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def cookie_options(request: Request) -> dict[str, Any]:
    """HttpOnly, SameSite=Lax, path /, Secure when the desk is configured for HTTPS."""
    return {"httponly": True, "samesite": "lax", "path": "/", "secure": request.app.state.desk.secure_cookies}


class ResponseHeaders:
    """ASGI middleware: Server-Timing (the app's time until the response starts) and the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Content-Security-Policy", CSP)
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


SignedIn = Annotated[Session, Depends(signed_in)]
"""A route parameter typed ``SignedIn`` gets the signed-in session (or the sign-in page is shown)."""
