"""Credentials at the desk (/admin/adgangskoder): an admin stores one, encrypted and audited with
their name; the secret is write-only (never in a page, not even after an error); without a key the
page refuses; nobody but an admin gets in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from robots.credentials import CredentialDenied, credential

from .conftest import Desk, csrf_of, sign_in

SECRET = "Løn-7f3a9c-hemmelig"
PAGE = "/admin/adgangskoder"


def stored_rows(desk: Desk) -> str:
    return json.dumps([dict(r) for r in desk.backend._conn.execute("SELECT * FROM credentials").fetchall()],
                      default=str)


def form(token: str, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {"csrf_token": token, "navn": "payroll", "brugernavn": "robot-loen",
                                 "adgangskode": SECRET, "gentag": SECRET, "processer": ["negative_pay",
                                                                                        "sixth_holiday_week"]}
    return {**fields, **changes}


def test_an_admin_stores_a_credential_that_stays_secret(desk: Desk, signed_in, secret_key: Path) -> None:
    admin = signed_in("admin")
    page = admin.get(PAGE)
    assert page.status_code == 200 and 'type="password"' in page.text
    token = csrf_of(page.text)

    refused = admin.post(PAGE, data=form(token, gentag="something else"))
    assert refused.status_code == 400 and "ikke ens" in refused.text
    assert SECRET not in refused.text and 'value="robot-loen"' in refused.text  # the rest is kept, not the secret
    assert admin.post(PAGE, data=form(token, processer=["no_such_process"])).status_code == 400
    assert admin.post(PAGE, data=form(token, processer=[])).status_code == 400
    assert admin.post(PAGE, data=form(token, navn="../etc")).status_code == 400
    assert admin.post(PAGE, data={k: v for k, v in form(token).items() if k != "csrf_token"}).status_code == 403
    assert stored_rows(desk) == "[]"  # nothing half-written by any of those

    reply = admin.post(PAGE, data=form(token))
    assert reply.status_code == 303
    listing = admin.get(reply.headers["location"]).text
    assert "Adgangskoden til payroll er gemt." in listing and "robot-loen" in listing and "desk:admin" in listing
    assert SECRET not in listing
    assert SECRET not in stored_rows(desk)  # encrypted at rest

    # The robots read it back, only where granted; the change is audited with the admin's name.
    assert credential("payroll", "negative_pay", desk.backend).secret == SECRET
    with pytest.raises(CredentialDenied):
        credential("payroll", "flex_wage", desk.backend)
    (event,) = [e for e in desk.backend.events() if e.action == "credential_set"]
    assert event.actor == "desk:admin" and SECRET not in json.dumps(event.detail)

    reply = admin.post(PAGE, data=form(token, brugernavn="robot-loen-2", adgangskode="Nyt-kodeord-1",
                                       gentag="Nyt-kodeord-1", processer=["*"]))
    assert reply.status_code == 303
    assert credential("payroll", "flex_wage", desk.backend).secret == "Nyt-kodeord-1"  # replaced, now for all


def test_only_admins_get_in(desk: Desk, signed_in, secret_key: Path) -> None:
    token = csrf_of(signed_in("admin").get(PAGE).text)
    for name in ("kmj", "drift", "revisor"):
        client = signed_in(name)
        assert client.get(PAGE).status_code == 403, name
        assert client.post(PAGE, data=form(csrf_of(client.get("/").text))).status_code == 403, name
        assert f'href="{PAGE}"' not in client.get("/").text
    assert desk.client().get(PAGE).status_code == 303  # not signed in
    assert token and stored_rows(desk) == "[]"


def test_without_a_key_the_page_refuses(desk: Desk, signed_in, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROBOTS_SECRET_KEY", raising=False)
    monkeypatch.setenv("ROBOTS_SECRET_KEY_FILE", str(tmp_path / "absent.key"))
    admin = signed_in("admin")
    page = admin.get(PAGE)
    assert page.status_code == 200 and 'id="noegle-mangler"' in page.text and 'type="password"' not in page.text
    reply = admin.post(PAGE, data=form(csrf_of(page.text)))
    assert reply.status_code == 409 and "ingen krypteringsnøgle" in reply.text and SECRET not in reply.text
    assert stored_rows(desk) == "[]"  # no plaintext fallback


def test_an_admin_stores_a_credential_in_the_browser(desk: Desk, page: Page, secret_key: Path) -> None:
    sign_in(page, desk, "admin")
    page.get_by_role("link", name="Adgangskoder").click()
    page.get_by_label("System").fill("debtor")
    page.get_by_label("Brugernavn").fill("robot-debitor")
    page.get_by_label("Adgangskode", exact=True).fill(SECRET)
    page.get_by_label("Gentag adgangskode").fill(SECRET)
    page.get_by_label("Negativ løn").check()
    page.get_by_role("button", name="Gem adgangskode").click()
    expect(page.get_by_role("status")).to_have_text("Adgangskoden til debtor er gemt.")
    expect(page.locator("#cred-debtor")).to_contain_text("robot-debitor")
    assert SECRET not in page.content()
    assert credential("debtor", "negative_pay", desk.backend).username == "robot-debitor"
