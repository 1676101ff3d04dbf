"""What the JSON APIs share: client-credentials tokens, bearer auth, rate limiting, paging, errors."""

from __future__ import annotations

import base64
import math
import secrets
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .state import Session, SimState


class ApiError(Exception):
    """An error answer of a JSON API: ``{"error": code, "message": text}`` with an HTTP status."""

    def __init__(self, status: int, error: str, message: str = "", headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(f"{status} {error}")
        self.status, self.error, self.message, self.headers, self.extra = status, error, message, headers, extra

    def response(self) -> JSONResponse:
        """The JSON response for this error."""
        body = {"error": self.error, "message": self.message, **self.extra}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def state_of(request: Request) -> SimState:
    """The SimState of the app serving ``request``."""
    return request.app.state.sim


def add_token_route(router: APIRouter, system: str) -> None:
    """POST /oauth/token (client credentials, form fields or HTTP Basic) for an API system."""

    @router.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        state = state_of(request)
        form = await request.form()
        grant = str(form.get("grant_type", ""))
        client_id = str(form.get("client_id", ""))
        secret = str(form.get("client_secret", ""))
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise ApiError(401, "invalid_client", "Bad basic credentials") from None
        if grant != "client_credentials":
            raise ApiError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        ok = secrets.compare_digest(client_id.encode(), state.settings.username.encode()) and secrets.compare_digest(
            secret.encode(), state.settings.password.encode())
        if not ok:
            raise ApiError(401, "invalid_client", "Client authentication failed")
        ttl = state.settings.token_ttl_seconds
        session = state.new_session(system, client_id, ttl=ttl)
        return JSONResponse({"access_token": session.key, "token_type": "Bearer", "expires_in": ttl})


def api_session(request: Request, system: str) -> Session:
    """The token's session: 401 when missing/expired/ended by fault injection, 429 over the rate limit."""
    state = state_of(request)
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        raise ApiError(401, "invalid_token", "Bearer token required",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    key = auth[7:].strip()
    now = time.monotonic()
    with state.lock:
        session = state.sessions.get(key)
        if session is None or session.system != system or (session.expires_at or 0) < now \
                or request.scope.get("sim_expire_session"):
            state.sessions.pop(key, None)
            raise ApiError(401, "invalid_token", "The access token is invalid or has expired",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        limit = state.settings.rate_limit_per_second
        if limit:
            if now - session.window_start >= 1.0:
                session.window_start, session.window_count = now, 0
            session.window_count += 1
            if session.window_count > limit:
                wait = max(1, math.ceil(1.0 - (now - session.window_start)))
                raise ApiError(429, "rate_limited", f"Max {limit} requests per second",
                               headers={"Retry-After": str(wait)})
        session.last_seen = now
    return session


def page_params(page: int | None, page_size: int | None, default: int = 20, maximum: int = 100) -> tuple[int, int]:
    """Validated (page, page_size): 400 for a page below 1 or a size outside 1..maximum."""
    page = 1 if page is None else page
    size = default if page_size is None else page_size
    if page < 1:
        raise ApiError(400, "invalid_request", "page must be >= 1")
    if not 1 <= size <= maximum:
        raise ApiError(400, "invalid_request", f"page_size must be between 1 and {maximum}")
    return page, size


def paged(items: list[Any], page: int, size: int) -> dict[str, Any]:
    """``{"items", "page", "page_size", "total_items", "total_pages", "next_page"}``."""
    total = len(items)
    pages = max(1, math.ceil(total / size))
    return {
        "items": items[(page - 1) * size: page * size],
        "page": page,
        "page_size": size,
        "total_items": total,
        "total_pages": pages,
        "next_page": page + 1 if page < pages else None,
    }
