"""Fault injection, sessions and the control API, through the ASGI app in-process (no server)."""

from __future__ import annotations

import re
import warnings

import pytest

from simulators import FaultSettings, SimState, build_app
from simulators.pytest_plugin import small_settings
from simulators.web import element_id

with warnings.catch_warnings():  # starlette warns that its TestClient will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def client() -> TestClient:
    state = SimState(small_settings())
    with TestClient(build_app(state), follow_redirects=False) as c:
        yield c


def _login(client: TestClient, system: str = "payroll") -> None:
    r = client.post(f"/{system}/login", data={"username": "robot", "password": "robot-test"})
    assert r.status_code == 303


def _token(client: TestClient, system: str = "eincome") -> dict[str, str]:
    r = client.post(f"/{system}/oauth/token",
                    data={"grant_type": "client_credentials", "client_id": "robot", "client_secret": "robot-test"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_fault_settings_validate() -> None:
    faults = FaultSettings.off().updated({"enabled": True, "error_rate": 0.5, "latency_ms": [5, 10]})
    assert faults.error_rate == 0.5 and faults.latency_ms == (5, 10)
    with pytest.raises(ValueError, match="between 0 and 1"):
        faults.updated({"busy_rate": 2})
    with pytest.raises(ValueError, match="unknown fault setting"):
        faults.updated({"typo": 1})
    with pytest.raises(ValueError, match="unknown system"):
        faults.updated({"systems": ["nope"]})
    assert FaultSettings.demo().enabled and not FaultSettings.off().enabled


def test_faults_off_by_default(client: TestClient) -> None:
    assert client.get("/_sim/faults").json()["enabled"] is False
    for _ in range(30):
        assert client.get("/payroll/login").status_code == 200


def test_http_500_in_ui_and_api(client: TestClient) -> None:
    client.post("/_sim/faults", json={"enabled": True, "error_rate": 1.0})
    r = client.get("/payroll/login")
    assert r.status_code == 500 and "fejlkode 500" in r.text
    r = client.get("/eincome/api/v1/income?cpr=440977-1026")
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
    assert client.get("/_sim/health").status_code == 200  # the control API is never faulted
    assert client.get("/_sim/faults").json()["stats"]["error"] == 2


def test_busy_page_and_503(client: TestClient) -> None:
    client.post("/_sim/faults", json={"enabled": True, "busy_rate": 1.0})
    r = client.get("/debtor/login")
    assert r.status_code == 200 and "Systemet er optaget" in r.text and "Prøv igen" in r.text
    r = client.get("/inbox/api/v1/cases")
    assert r.status_code == 503 and r.headers["retry-after"] == "1"


def test_faults_limited_to_some_systems(client: TestClient) -> None:
    client.post("/_sim/faults", json={"enabled": True, "error_rate": 1.0, "systems": ["debtor"]})
    assert client.get("/payroll/login").status_code == 200
    assert client.get("/debtor/login").status_code == 500


def test_session_expiry_fault_sends_ui_back_to_login_and_api_to_401(client: TestClient) -> None:
    _login(client)
    assert client.get("/payroll/menu").status_code == 200
    headers = _token(client)
    client.post("/_sim/faults", json={"enabled": True, "session_expiry_rate": 1.0})
    r = client.get("/payroll/menu")
    assert r.status_code == 303 and "expired=1" in r.headers["location"]
    assert client.get("/eincome/api/v1/income?cpr=440977-1026", headers=headers).status_code == 401
    client.post("/_sim/faults", json={"preset": "off"})
    assert client.get("/payroll/menu").status_code == 303  # the session is gone for good


def test_lost_response_makes_the_change_but_answers_500(client: TestClient) -> None:
    state: SimState = client.app.state.sim
    case_id = next(c.case_id for c in state.cases.values() if c.status == "open")
    headers = _token(client, "inbox")
    client.post("/_sim/faults", json={"enabled": True, "lost_response_rate": 1.0})
    r = client.post(f"/inbox/api/v1/cases/{case_id}/handled", headers=headers, json={"note": "x"})
    assert r.status_code == 500
    assert state.cases[case_id].status == "handled"


def test_latency(client: TestClient) -> None:
    import time

    client.post("/_sim/faults", json={"enabled": True, "latency_ms": [120, 120]})
    began = time.monotonic()
    client.get("/payroll/login")
    assert time.monotonic() - began >= 0.11


def test_bad_fault_request_is_rejected(client: TestClient) -> None:
    r = client.post("/_sim/faults", json={"error_rate": 7})
    assert r.status_code == 400 and "between 0 and 1" in r.json()["message"]


def test_idle_session_expires(client: TestClient) -> None:
    _login(client)
    client.post("/_sim/config", json={"session_ttl_seconds": 0})
    r = client.get("/payroll/menu")
    assert r.status_code == 303 and "/payroll/login" in r.headers["location"]


def test_element_ids_change_with_the_release_but_names_do_not(client: TestClient) -> None:
    page = client.get("/payroll/login").text
    client.post("/_sim/config", json={"release": "2025.1"})
    newer = client.get("/payroll/login").text
    ids_a = set(re.findall(r'id="(ctl[0-9a-f]+)"', page))
    ids_b = set(re.findall(r'id="(ctl[0-9a-f]+)"', newer))
    assert ids_a and ids_b and not ids_a & ids_b
    assert 'name="username"' in newer and 'name="password"' in newer
    assert element_id("2024.2", "payroll", "x") != element_id("2025.1", "payroll", "x")


def test_form_token_is_required(client: TestClient) -> None:
    _login(client)
    emp = next(iter(client.app.state.sim.employees))
    r = client.post(f"/payroll/employees/{emp}/termination", data={"leaving_date": "31.12.2024", "reason_code": "01"})
    assert r.status_code == 400 and "Fejl 0x1F" in r.text
