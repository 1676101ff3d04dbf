"""Fault injection: latency, HTTP 500, lost responses, "system busy" and expired sessions.

Switched on by ``FaultSettings`` at start (CLI ``--faults``) or at run time through
``POST /_sim/faults``. The control API under ``/_sim/`` is never faulted.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from .settings import SYSTEMS, UI_SYSTEMS, FaultSettings
from .state import SimState
from .web import render_plain

Scope = dict[str, Any]


class FaultInjector:
    """Draws the fault for each request from the state's current FaultSettings."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.rng = random.Random(state.faults.seed)
        self.stats: dict[str, int] = {}

    def configure(self, faults: FaultSettings) -> None:
        """Install new fault settings (and restart the random stream when they carry a seed)."""
        with self.state.lock:
            self.state.faults = faults
            self.rng = random.Random(faults.seed)

    def decide(self, system: str) -> tuple[float, str | None]:
        """(latency in seconds, fault or None) for one request to ``system``."""
        faults = self.state.faults
        if not faults.enabled or (faults.systems and system not in faults.systems):
            return 0.0, None
        with self.state.lock:
            lo, hi = faults.latency_ms
            delay = self.rng.uniform(lo, hi) / 1000 if hi else 0.0
            roll = self.rng.random()
            fault = None
            edge = 0.0
            for name, rate in (("error", faults.error_rate), ("busy", faults.busy_rate),
                               ("expire", faults.session_expiry_rate), ("lost", faults.lost_response_rate)):
                edge += rate
                if roll < edge:
                    fault = name
                    break
            if fault:
                self.stats[fault] = self.stats.get(fault, 0) + 1
            if delay:
                self.stats["delayed"] = self.stats.get("delayed", 0) + 1
        return delay, fault


class FaultMiddleware:
    """ASGI middleware applying the injector's decision to every request to a simulated system."""

    def __init__(self, app: Any, injector: FaultInjector) -> None:
        self.app, self.injector = app, injector

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        system = path.strip("/").split("/", 1)[0]
        if system not in SYSTEMS:
            await self.app(scope, receive, send)
            return
        delay, fault = self.injector.decide(system)
        if delay:
            await asyncio.sleep(delay)
        if fault == "error":
            await self._error(scope, send, system)
        elif fault == "busy":
            await self._busy(scope, send, system)
        elif fault == "lost":
            async def swallow(message: dict[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)
            await self._error(scope, send, system)
        else:
            if fault == "expire":
                scope["sim_expire_session"] = True
            await self.app(scope, receive, send)

    async def _send(self, send: Any, status: int, body: bytes, content_type: str,
                    extra: list[tuple[bytes, bytes]] | None = None) -> None:
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
        await send({"type": "http.response.body", "body": body})

    async def _error(self, scope: Scope, send: Any, system: str) -> None:
        if system in UI_SYSTEMS:
            html = render_plain(self.injector.state, system, "message.html", scope.get("root_path", ""),
                                title="Uventet fejl",
                                error="Der er opstået en uventet fejl (fejlkode 500). Kontakt systemadministrator.")
            await self._send(send, 500, html.encode(), "text/html; charset=utf-8")
        else:
            body = json.dumps({"error": "internal_error", "message": "Internal server error"}).encode()
            await self._send(send, 500, body, "application/json")

    async def _busy(self, scope: Scope, send: Any, system: str) -> None:
        if system in UI_SYSTEMS:
            query = scope.get("query_string", b"").decode()
            retry = scope["path"] + (f"?{query}" if query else "")
            html = render_plain(self.injector.state, system, "busy.html", scope.get("root_path", ""),
                                retry_url=retry if scope["method"] == "GET" else "",
                                was_post=scope["method"] != "GET")
            await self._send(send, 200, html.encode(), "text/html; charset=utf-8")
        else:
            body = json.dumps({"error": "busy", "message": "System busy, try again later"}).encode()
            await self._send(send, 503, body, "application/json", [(b"retry-after", b"1")])
