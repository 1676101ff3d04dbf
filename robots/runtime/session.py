"""The connections a step holds to the legacy systems: one browser context per run, HTTP clients.

Opened lazily on first use and thrown away after an application error (REFramework's Init:
the next item starts on a fresh browser and fresh sessions), and at the end of the run.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import httpx

from .browser import launch_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright


class Session:
    def __init__(self, executable_path: str | None = None, headless: bool = True, timeout_ms: float = 15_000) -> None:
        self.executable_path = executable_path
        self.headless = headless
        self.timeout_ms = timeout_ms
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._http: dict[str, httpx.Client] = {}
        self.state: dict[str, Any] = {}  # per-session facts a page object keeps (logged in, token...)

    def page(self) -> Page:
        """The run's browser page, started on first use."""
        if self._page is None or self._page.is_closed():
            if self._browser is None:
                from playwright.sync_api import sync_playwright

                self._playwright = sync_playwright().start()
                self._browser = launch_chromium(self._playwright, self.executable_path, self.headless)
            self._context = self._browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
            self._context.set_default_timeout(self.timeout_ms)
            self._page = self._context.new_page()
        return self._page

    def current_page(self) -> Page | None:
        """The page if one is open (for evidence), without starting a browser."""
        return self._page if self._page is not None and not self._page.is_closed() else None

    def http(self, base_url: str) -> httpx.Client:
        """An HTTP client for one system (kept across items, dropped on reset)."""
        client = self._http.get(base_url)
        if client is None:
            client = self._http[base_url] = httpx.Client(base_url=base_url, timeout=self.timeout_ms / 1000)
        return client

    def reset(self) -> None:
        """Forget every session: the next use logs in on a fresh browser context and clients."""
        self.state.clear()
        for client in self._http.values():
            client.close()
        self._http.clear()
        if self._context is not None:
            with contextlib.suppress(Exception):  # the browser may already be gone
                self._context.close()
        self._context = None
        self._page = None

    def close(self) -> None:
        self.reset()
        if self._browser is not None:
            with contextlib.suppress(Exception):
                self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
