"""One ASGI app serving every simulated system under its own path, and a handle that runs it in a thread."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import benefits, control, debtor, eincome, esdh, inbox, payroll, post
from .api import ApiError
from .faults import FaultInjector, FaultMiddleware
from .settings import SYSTEMS, UI_SYSTEMS, FaultSettings, SimSettings
from .state import SimState
from .web import SYSTEM_INFO, LoginRequired, login_redirect, render

ROUTERS = {"payroll": payroll.router, "debtor": debtor.router, "benefits": benefits.router,
           "eincome": eincome.router, "esdh": esdh.router, "inbox": inbox.router, "post": post.router}
API_TITLES = {"eincome": "eIndkomst (indkomstregister)", "esdh": "ESDH (personalesager)",
              "inbox": "Selvbetjening (indbakke)", "post": "Digital Post (udbakke)"}


def _system_of(request: Request) -> str:
    return request.url.path.strip("/").split("/", 1)[0]


def build_app(state: SimState) -> FastAPI:
    """The ASGI app for ``state``: every system, the control API and fault injection."""
    app = FastAPI(title="Simulated legacy systems", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sim = state
    injector = FaultInjector(state)
    app.state.faults = injector
    for system, router in ROUTERS.items():
        app.include_router(router, prefix=f"/{system}")
    app.include_router(control.router, prefix="/_sim")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request, exc)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        system = _system_of(request)
        if system in UI_SYSTEMS:
            text = "Siden findes ikke." if exc.status_code == 404 else f"Fejl {exc.status_code}."
            return render(request, system, "message.html", None, status_code=exc.status_code, title="Fejl",
                          error=text)
        error = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return JSONResponse({"error": error, "message": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"error": "invalid_request", "message": "invalid parameters"}, status_code=400)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        items = "".join(f'<li><a href="/{s}/">{SYSTEM_INFO[s]["title"]}</a> – /{s}/</li>' for s in UI_SYSTEMS)
        items += "".join(f"<li>{API_TITLES[s]} – /{s}/api/v1/ (JSON, token: POST /{s}/oauth/token)</li>"
                         for s in SYSTEMS if s not in UI_SYSTEMS)
        return HTMLResponse(f"<!DOCTYPE html><html lang='da'><head><meta charset='utf-8'><title>Simulerede "
                            f"systemer</title></head><body><h1>Simulerede systemer – {state.settings.municipality}"
                            f"</h1><ul>{items}</ul><p>Testkontrol: /_sim/</p></body></html>")

    app.add_middleware(FaultMiddleware, injector=injector)
    return app


class Simulators:
    """The simulated systems running in a background thread on loopback.

    ``base_url`` is ``http://127.0.0.1:PORT``; ``url(system)`` the base URL robots configure for a
    system (e.g. ``http://127.0.0.1:PORT/payroll/``); ``systems`` all of them as a dict (the shape
    of ``[systems]`` in conf/settings.toml); ``state`` the live SimState.
    """

    def __init__(self, settings: SimSettings | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.settings = settings or SimSettings()
        self.state = SimState(self.settings)
        self.app = build_app(self.state)
        self.host, self.port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def url(self, system: str) -> str:
        """The base URL of one system, with a trailing slash."""
        if system not in SYSTEMS:
            raise ValueError(f"unknown system {system!r}; known: {list(SYSTEMS)}")
        return f"{self.base_url}/{system}/"

    @property
    def systems(self) -> dict[str, str]:
        """Every system's base URL, keyed like ``[systems]`` in conf/settings.toml."""
        return {s: self.url(s) for s in SYSTEMS}

    @property
    def credentials(self) -> tuple[str, str]:
        """(username, password) for the UI logins and the API client credentials."""
        return self.settings.username, self.settings.password

    def set_faults(self, faults: FaultSettings | None = None, **changes: Any) -> FaultSettings:
        """Install fault settings (a FaultSettings, or changes to the current ones)."""
        new = faults if faults is not None else self.state.faults.updated(changes)
        self.app.state.faults.configure(new)
        return new

    def reset(self) -> None:
        """Regenerate the population and forget all changes, sessions and tokens."""
        self.state.reset()

    def start(self, timeout: float = 15.0) -> Simulators:
        """Start serving in a daemon thread; returns when the server accepts connections."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"simulators:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"simulators did not start on {self.base_url}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = self._thread = None

    def __enter__(self) -> Simulators:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulators(settings: SimSettings | None = None, host: str = "127.0.0.1", port: int = 0,
                     **overrides: Any) -> Simulators:
    """Generate the population and serve it in a thread (port 0: a free port). ``overrides`` are
    SimSettings fields (e.g. ``seed=2, employees=100``)."""
    settings = dataclasses.replace(settings or SimSettings(), **overrides)
    return Simulators(settings, host, port).start()
