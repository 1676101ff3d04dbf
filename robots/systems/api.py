"""Clients for the JSON APIs (income register, ESDH, inbox, digital post): what they all share.

OAuth client credentials per system (the token is kept in the session and fetched again when it
ends), bearer auth, paging (``items`` + ``next_page``), and the answers an API gives when it is
unwell: 401 (token ended), 429 (wait ``Retry-After``), 503 and 5xx are transient and retried
inside the step; 404 is :class:`NotFound`; any other 4xx is :class:`ApiRejected` with the API's
own error code, which the process maps to a business or an application error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx

from ..runtime.errors import ApplicationError, TransientError
from ._signin import credential_for

if TYPE_CHECKING:
    from ..runtime.context import StepContext

T = TypeVar("T")
MAX_RETRY_AFTER_SECONDS = 5.0


class ApiRejected(Exception):
    """The API refused the request (4xx other than 401/404/429): its status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class NotFound(ApiRejected):
    """HTTP 404: the thing asked for does not exist in that system."""


class ApiClient:
    """Base of a client for one JSON API; ``system`` names its URL and credential."""

    system: ClassVar[str] = ""
    token_path: ClassVar[str] = "oauth/token"

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.base = ctx.system_url(self.system).rstrip("/") + "/"
        self.http = ctx.session.http(self.base)

    @property
    def _token_key(self) -> str:
        return f"api:{self.system}:token"

    def retry(self, fn: Callable[[], T], what: str = "") -> T:
        return self.ctx.retry(fn, what=what or self.system)

    def _token(self) -> str:
        token = self.ctx.session.state.get(self._token_key)
        if token:
            return token
        cred = credential_for(self.ctx, self.system)
        response = self.http.post(self.token_path, data={
            "grant_type": "client_credentials", "client_id": cred.username, "client_secret": cred.secret})
        if response.status_code in (429, 503) or response.status_code >= 500:
            raise TransientError(f"{self.system}: token endpoint answered HTTP {response.status_code}",
                                 code=f"http_{response.status_code}")
        if response.status_code != 200:
            raise ApplicationError("login_failed", f"{self.system}: token refused (HTTP {response.status_code})")
        token = self._json(response)["access_token"]
        self.ctx.session.state[self._token_key] = token
        from .. import logs

        logs.hide(token)
        return token

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ApplicationError("api_nonsense", f"{self.system}: answered HTTP {response.status_code} "
                                   f"with something that is not JSON ({response.text[:80]!r})") from None

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, no retry: raises TransientError / NotFound / ApiRejected on a bad answer."""
        headers = {"Authorization": f"Bearer {self._token()}", **kwargs.pop("headers", {})}
        response = self.http.request(method, path.lstrip("/"), headers=headers, **kwargs)
        status = response.status_code
        if status < 400:
            return response
        if status == 401:
            self.ctx.session.state.pop(self._token_key, None)
            raise TransientError(f"{self.system}: token no longer valid", code="token_expired")
        if status in (429, 503):
            try:
                wait = min(float(response.headers.get("Retry-After", "1")), MAX_RETRY_AFTER_SECONDS)
            except ValueError:
                wait = 1.0
            time.sleep(wait)
            raise TransientError(f"{self.system}: HTTP {status}, retried after {wait:.1f}s", code=f"http_{status}")
        if status >= 500:
            raise TransientError(f"{self.system}: HTTP {status}", code=f"http_{status}")
        body = self._json(response) if response.headers.get("content-type", "").startswith("application/json") else {}
        code, message = body.get("error", f"http_{status}"), body.get("message", response.text[:200])
        if status == 404:
            raise NotFound(status, code, message)
        raise ApiRejected(status, code, message)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request retried on transient answers (the step's retry policy)."""
        return self.retry(lambda: self.send(method, path, **kwargs), what=f"{self.system} {method} {path}")

    def get(self, path: str, **params: Any) -> Any:
        """GET a JSON document."""
        return self._json(self.request("GET", path, params={k: v for k, v in params.items() if v is not None}))

    def pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, following ``next_page`` to the end."""
        page: int | None = 1
        while page is not None:
            body = self.get(path, **params, page=page)
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise ApplicationError("api_nonsense", f"{self.system}: {path} answered without an items list")
            yield from items
            page = body.get("next_page")


__all__ = ["ApiClient", "ApiRejected", "NotFound"]
