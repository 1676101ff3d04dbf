"""Serving the desk: in the foreground (``robots web``) or in a thread on a free port (tests, scripts)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from ..queue import QueueBackend
from .app import create_app


class DeskServer:
    """The desk served by uvicorn in a daemon thread on loopback; ``base_url`` once started."""

    def __init__(self, backend: QueueBackend | str, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self.app = create_app(backend, **options)
        self.host, self.port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> DeskServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"desk:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the desk did not start on {self.base_url}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = self._thread = None

    def __enter__(self) -> DeskServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(backend: QueueBackend, host: str = "127.0.0.1", port: int = 8000, secure_cookies: bool = False) -> None:
    """Serve the desk in the foreground until interrupted."""
    app = create_app(backend, secure_cookies=secure_cookies)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, proxy_headers=secure_cookies)
