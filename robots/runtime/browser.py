"""Playwright on the machine's Chromium (Debian's ``chromium`` package).

Playwright's own browser download is not available here, so we always launch with
``executable_path``. The flags keep Chromium from calling out to the network at start-up.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class BrowserNotFound(RuntimeError):
    """The configured Chromium executable does not exist."""


def chromium_path(configured: str | None = None) -> str:
    """The Chromium to use: the configured path, ``ROBOTS_CHROMIUM``, or ``chromium`` on PATH."""
    candidate = configured or os.environ.get("ROBOTS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).is_file():
        raise BrowserNotFound(
            f"Chromium not found at {candidate!r}: install Debian's package (apt-get install chromium) "
            "or set browser.executable_path in conf/settings.toml"
        )
    return candidate


def launch_chromium(playwright: Playwright, executable_path: str | None = None, headless: bool = True) -> Browser:
    """Launch the system Chromium through Playwright."""
    return playwright.chromium.launch(
        executable_path=chromium_path(executable_path), headless=headless, args=CHROMIUM_ARGS
    )
