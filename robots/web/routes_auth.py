"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from . import users
from .app import render
from .security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie_options, load_session, new_login_token

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no '//'): no open redirect after signing in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, error: str = "", name: str = "", status: int = 200) -> Response:
    token = new_login_token()
    request.state.session = None
    response = render(request, "login.html", {"login_token": token, "error": error, "name": name,
                                              "next": _safe_next(request.query_params.get("next"))}, status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **cookie_options(request))
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    if load_session(request) is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _login_page(request)


@router.post("/login")
def login(request: Request, brugernavn: str = Form(""), adgangskode: str = Form(""),
          next: str = Form("/")) -> Response:
    backend = request.app.state.desk.backend
    user = users.authenticate(backend, brugernavn, adgangskode)
    if user is None:
        known = users.get(backend, brugernavn.strip().lower())
        if known is not None:
            backend.record(f"desk:{known.name}", "desk_sign_in_failed", known.name)
        return _login_page(request, "Forkert brugernavn eller adgangskode.", brugernavn[:64], 401)
    token, _ = users.start_session(backend, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, **cookie_options(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    found = load_session(request)
    users.end_session(request.app.state.desk.backend, request.cookies.get(SESSION_COOKIE),
                      found.user if found else None)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
