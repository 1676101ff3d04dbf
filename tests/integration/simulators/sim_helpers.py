"""Small HTTP helpers for the simulator integration tests (what a robot's client would do)."""

from __future__ import annotations

import re

import httpx

from simulators import Simulators


def token(client: httpx.Client, sims: Simulators, system: str) -> dict[str, str]:
    """Bearer header for ``system`` from its token endpoint."""
    user, password = sims.credentials
    r = client.post(f"{sims.url(system)}oauth/token",
                    data={"grant_type": "client_credentials", "client_id": user, "client_secret": password})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def ui_login(client: httpx.Client, sims: Simulators, system: str) -> None:
    """Log in to a UI system (the session cookie stays in ``client``)."""
    user, password = sims.credentials
    r = client.post(f"{sims.url(system)}login", data={"username": user, "password": password})
    assert r.status_code in (200, 303), r.text


def form_token(html: str) -> str:
    """The hidden form token of a page."""
    m = re.search(r'name="_token" value="([0-9a-f]+)"', html)
    assert m, "no form token on the page"
    return m.group(1)
