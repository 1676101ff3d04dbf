"""The desk over HTTP (no browser): sign-in, roles, CSRF, decisions, the audit trail, export, watch list."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import httpx
import openpyxl
import pytest

from robots import watchlist
from robots.queue import Status

from .conftest import Desk, csrf_of

Client = Callable[[str], httpx.Client]


@pytest.mark.parametrize("path", ["/", "/sager/1", "/sager/1/filer/1", "/obsliste", "/eksport.xlsx"])
def test_nobody_sees_a_page_without_signing_in(desk: Desk, path: str) -> None:
    with desk.client() as client:
        reply = client.get(path)
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/login?next=")
    assert "Mette" not in reply.text and "450377" not in reply.text


def test_wrong_password_is_refused_and_the_cookie_flags_are_set(desk: Desk) -> None:
    with desk.client() as client:
        token = csrf_of(client.get("/login").text)
        wrong = client.post("/login", data={"csrf_token": token, "brugernavn": "kmj", "adgangskode": "forkert-kode"})
        assert wrong.status_code == 401 and "Forkert brugernavn eller adgangskode" in wrong.text
        token = csrf_of(wrong.text)
        right = client.post("/login", data={"csrf_token": token, "brugernavn": "kmj",
                                            "adgangskode": "korrekt-hest-batteri", "next": "//evil.example/"})
    assert right.status_code == 303 and right.headers["location"] == "/"  # no open redirect
    cookie = right.headers["set-cookie"].lower()
    assert "desk_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    actions = [(e.actor, e.action) for e in desk.backend.events(None) if e.item_id is None]
    assert ("desk:kmj", "desk_sign_in_failed") in actions and ("desk:kmj", "desk_signed_in") in actions


def test_sign_in_form_without_its_token_is_refused(desk: Desk) -> None:
    with desk.client() as client:
        client.get("/login")
        reply = client.post("/login", data={"brugernavn": "kmj", "adgangskode": "korrekt-hest-batteri"})
    assert reply.status_code == 403 and "desk_session" not in reply.headers.get("set-cookie", "")


def test_a_caseworker_sees_only_their_processes(desk: Desk, signed_in: Client) -> None:
    kmj = signed_in("kmj")
    page = kmj.get("/").text
    assert desk.flex.reference.split(":")[0] in page and "450377-XXXX" in page
    assert "E10234" not in page  # negative pay: not hers
    assert kmj.get(f"/sager/{desk.negative.id}").status_code == 403
    assert kmj.get(f"/sager/{desk.flex.id}").status_code == 200
    negative_file = kmj.get(f"/sager/{desk.negative.id}/filer/1")
    assert negative_file.status_code == 403
    token = csrf_of(page)
    refused = kmj.post(f"/sager/{desk.negative.id}/afgoer",
                       data={"csrf_token": token, "beslutning": "invoice", "kommentar": "prøver"})
    assert refused.status_code == 403
    assert desk.backend.get(desk.negative.id).status is Status.MANUAL


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(desk: Desk, signed_in: Client) -> None:
    kmj = signed_in("kmj")
    before = len(desk.backend.events(desk.flex.id))
    for path, data in ((f"/sager/{desk.flex.id}/kommentar", {"tekst": "uden nøgle"}),
                       (f"/sager/{desk.flex.id}/afgoer", {"beslutning": "done", "kommentar": "uden nøgle"}),
                       (f"/sager/{desk.flex.id}/tag", {}),
                       (f"/sager/{desk.flex.id}/afgoer",
                        {"beslutning": "done", "kommentar": "x", "csrf_token": "gæt"})):
        reply = kmj.post(path, data=data)
        assert reply.status_code == 403, path
        assert "CSRF" in reply.text
    foreign = kmj.post(f"/sager/{desk.flex.id}/kommentar", headers={"Origin": "http://evil.example"},
                       data={"tekst": "fra en anden side", "csrf_token": csrf_of(kmj.get("/").text)})
    assert foreign.status_code == 403
    assert len(desk.backend.events(desk.flex.id)) == before
    assert desk.backend.get(desk.flex.id).status is Status.MANUAL


def test_take_release_reassign_are_audited_with_the_user(desk: Desk, signed_in: Client) -> None:
    kmj = signed_in("kmj")
    token = csrf_of(kmj.get("/").text)
    item = desk.flex.id
    assert kmj.post(f"/sager/{item}/tag", data={"csrf_token": token}).status_code == 303
    assert desk.backend.get(item).assigned_to == "kmj"
    row = kmj.post(f"/sager/{item}/frigiv", data={"csrf_token": token, "tilbage": "liste"},
                   headers={"HX-Request": "true"})
    assert row.status_code == 200 and row.text.lstrip().startswith(f'<tr id="rad-{item}"') and ">Tag<" in row.text
    assert desk.backend.get(item).assigned_to is None
    assert kmj.post(f"/sager/{item}/tildel", data={"csrf_token": token, "til": "pia"}).status_code == 303
    assert desk.backend.get(item).assigned_to == "pia"
    # lone works negative pay only: she cannot be given a flex wage case
    assert kmj.post(f"/sager/{item}/tildel", data={"csrf_token": token, "til": "lone"}).status_code == 400
    events = [(e.actor, e.action, e.reason) for e in desk.backend.events(item) if e.action == "assigned"]
    assert events == [("desk:kmj", "assigned", "assigned to kmj"), ("desk:kmj", "assigned", "unassigned"),
                      ("desk:kmj", "assigned", "assigned to pia")]
    # assigned to pia: kmj must take it over before deciding
    decided = kmj.post(f"/sager/{item}/afgoer", data={"csrf_token": token, "beslutning": "done", "kommentar": "x"})
    assert decided.status_code == 409 and "pia" in decided.text


def test_resolving_needs_a_comment_and_is_an_audit_event(desk: Desk, signed_in: Client) -> None:
    kmj = signed_in("kmj")
    token = csrf_of(kmj.get(f"/sager/{desk.flex.id}").text)
    missing = kmj.post(f"/sager/{desk.flex.id}/afgoer", data={"csrf_token": token, "beslutning": "done"})
    assert missing.status_code == 400 and "kræver en kommentar" in missing.text
    assert desk.backend.get(desk.flex.id).status is Status.MANUAL
    done = kmj.post(f"/sager/{desk.flex.id}/afgoer",
                    data={"csrf_token": token, "beslutning": "done", "kommentar": "Tilskud 13.032,75 kr. registreret"})
    assert done.status_code == 303 and done.headers["location"] == f"/?afgjort={desk.flex.id}"
    item = desk.backend.get(desk.flex.id)
    assert item.status is Status.DONE and item.resolution == "done"
    last = desk.backend.events(desk.flex.id)[-1]
    assert (last.actor, last.action, last.reason, last.detail) == (
        "desk:kmj", "resolved", "Tilskud 13.032,75 kr. registreret", {"resolution": "done"})
    page = kmj.get(done.headers["location"]).text
    assert "er afgjort: løst manuelt" in page
    assert f'href="/sager/{desk.flex.id}"' not in page and "Ingen sager" in page


def test_send_back_with_corrected_data_records_the_change(desk: Desk, signed_in: Client) -> None:
    kmj = signed_in("kmj")
    token = csrf_of(kmj.get(f"/sager/{desk.flex.id}").text)
    reply = kmj.post(f"/sager/{desk.flex.id}/afgoer", data={
        "csrf_token": token, "beslutning": "retry", "ret_income_month": "2024-10", "ret_name": "Mette Nielsen",
        "ret_cpr": "450377-1234", "ret_case_no": "FLX-2024-0173", "ret_organisation": "Jobcenter Thisted",
        "ret_employer_cvr": "29403473"})
    assert reply.status_code == 303
    item = desk.backend.get(desk.flex.id)
    assert item.status is Status.NEW and item.payload["income_month"] == "2024-10"
    event = desk.backend.events(desk.flex.id)[-1]
    assert event.actor == "desk:kmj" and event.reason == "Sendt tilbage til robotten"
    assert event.detail["payload_before"]["income_month"] == "2024-09"
    assert event.detail["payload_after"]["income_month"] == "2024-10"


def test_negative_pay_invoice_goes_back_to_the_robot_with_the_decision(desk: Desk, signed_in: Client) -> None:
    lone = signed_in("lone")
    page = lone.get(f"/sager/{desk.negative.id}").text
    assert "Opkræv med faktura" in page and "Modregn i næste løn" in page
    assert "-4.125,50 kr." in page and "-4.985,50 kr." in page  # the lines and their sum
    token = csrf_of(page)
    reply = lone.post(f"/sager/{desk.negative.id}/afgoer", data={
        "csrf_token": token, "beslutning": "invoice", "kommentar": "Negativ to gange; opkræves"})
    assert reply.status_code == 303
    item = desk.backend.get(desk.negative.id)
    assert item.status is Status.NEW and item.payload["decision"] == "invoice"
    assert item.payload["amount_ore"] == -498_550  # nothing else changed
    event = desk.backend.events(desk.negative.id)[-1]
    assert event.actor == "desk:lone" and event.detail["payload_after"]["decision"] == "invoice"


def test_auditor_sees_everything_read_only_and_masked(desk: Desk, signed_in: Client) -> None:
    revisor = signed_in("revisor")
    listing = revisor.get("/").text
    assert "450377-XXXX" in listing and "521190-XXXX" in listing
    case = revisor.get(f"/sager/{desk.flex.id}").text
    assert "450377-XXXX" in case and "450377-1234" not in case
    assert "Afgør sagen" not in case and "Tag sagen" not in case and "Gem kommentar" not in case
    token = csrf_of(case)
    for path in ("afgoer", "tag", "kommentar"):
        reply = revisor.post(f"/sager/{desk.flex.id}/{path}",
                             data={"csrf_token": token, "beslutning": "done", "kommentar": "x", "tekst": "x"})
        assert reply.status_code == 403, path
    assert desk.backend.get(desk.flex.id).assigned_to is None


def test_the_case_page_shows_the_full_cpr_to_its_caseworker_only(desk: Desk, signed_in: Client) -> None:
    case = signed_in("kmj").get(f"/sager/{desk.flex.id}").text
    assert "450377-1234" in case


def test_operator_hands_out_items_but_cannot_decide(desk: Desk, signed_in: Client) -> None:
    drift = signed_in("drift")
    token = csrf_of(drift.get("/").text)
    assert drift.post(f"/sager/{desk.flex.id}/tildel", data={"csrf_token": token, "til": "kmj"}).status_code == 303
    assert desk.backend.get(desk.flex.id).assigned_to == "kmj"
    assert drift.post(f"/sager/{desk.flex.id}/tag", data={"csrf_token": token}).status_code == 403
    assert drift.post(f"/sager/{desk.flex.id}/afgoer",
                      data={"csrf_token": token, "beslutning": "done", "kommentar": "x"}).status_code == 403


def test_export_is_the_filtered_list_with_cpr_masked(desk: Desk, signed_in: Client) -> None:
    reply = signed_in("admin").get("/eksport.xlsx?proces=flex_wage")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(reply.content))
    rows = list(book["Manuel behandling"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Id", "Proces", "Kø", "Reference", "CPR")
    assert [r[0] for r in rows[1:]] == [desk.flex.id]
    assert rows[1][4] == "450377-XXXX" and rows[1][9] == "Indkomsten afviger fra gennemsnittet"
    every_cell = " ".join(str(c) for row in rows for c in row)
    assert "450377-1234" not in every_cell and not re.search(r"\d{6}-\d{4}", every_cell)


def test_watch_list_add_and_remove_are_audited(desk: Desk, signed_in: Client) -> None:
    kmj = signed_in("kmj")
    token = csrf_of(kmj.get("/obsliste").text)
    missing = kmj.post("/obsliste/tilfoej", data={"csrf_token": token, "cpr": "4503771234", "begrundelse": ""})
    assert missing.status_code == 400 and not watchlist.contains(desk.backend, "450377-1234")
    added = kmj.post("/obsliste/tilfoej", data={"csrf_token": token, "cpr": "4503771234",
                                                "begrundelse": "Revurdering af arbejdstid"})
    assert added.status_code == 303 and watchlist.contains(desk.backend, "450377-1234")
    page = kmj.get("/obsliste").text
    assert "450377-1234" in page and "Revurdering af arbejdstid" in page
    assert "450377-1234" not in signed_in("revisor").get("/obsliste").text  # read-only roles: masked
    entry = watchlist.get(desk.backend, "450377-1234")
    removed = kmj.post("/obsliste/fjern", data={"csrf_token": token, "id": str(entry.id), "begrundelse": "Afklaret"})
    assert removed.status_code == 303 and not watchlist.contains(desk.backend, "450377-1234")
    trail = [(e.actor, e.action) for e in desk.backend.events(None) if e.action.startswith("watch_list")]
    assert trail == [("desk:kmj", "watch_list_added"), ("desk:kmj", "watch_list_removed")]
    assert signed_in("lone").get("/obsliste").status_code == 403  # negative pay only: not her list
    assert signed_in("revisor").post("/obsliste/tilfoej", data={
        "csrf_token": token, "cpr": "4503771234", "begrundelse": "x"}).status_code == 403


def test_pages_are_not_cached_or_framed(desk: Desk, signed_in: Client) -> None:
    reply = signed_in("kmj").get(f"/sager/{desk.flex.id}")
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    assert re.match(r"app;dur=[0-9.]+$", reply.headers["server-timing"])


def test_signing_out_and_disabling_end_the_session(desk: Desk, signed_in: Client) -> None:
    from robots.web import users

    pia = signed_in("pia")
    assert pia.get("/").status_code == 200
    users.disable(desk.backend, "pia", actor="test")
    assert pia.get("/").status_code == 303  # the same cookie: the session is gone on the server
    kmj = signed_in("kmj")
    cookie = kmj.cookies["desk_session"]
    kmj.post("/logout", data={"csrf_token": csrf_of(kmj.get("/").text)})
    with httpx.Client(base_url=desk.url, cookies={"desk_session": cookie}) as replay:
        assert replay.get("/").status_code == 303
    trail = [(e.actor, e.action) for e in desk.backend.events(None) if e.item_id is None]
    assert ("test", "user_disabled") in trail and ("desk:kmj", "desk_signed_out") in trail
