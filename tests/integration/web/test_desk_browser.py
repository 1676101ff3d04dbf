"""The desk as a caseworker uses it, in real Chromium (Playwright): sign in, filter, open a case, see
the calculation and the screenshot, take and resolve it, see it leave the list and the event in its
history; another process's case is refused (403); a form without its CSRF token is refused."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from robots.queue import Status
from robots.web import sample

from .conftest import Desk, sign_in

pytestmark = [pytest.mark.browser]


def more_flex_cases(desk: Desk) -> None:
    for n, (code, sentence) in enumerate(sample.FLEX_REASONS[:3]):
        sample.manual_item(desk.backend, sample.FLEX_QUEUE, f"2024-09:extra{n}",
                           {"cpr": f"4{n}0380-1111", "name": f"Borger {n}", "income_month": "2024-09"},
                           code, sentence.format(month="2024-09", reason="særlige forhold"))


def test_sign_in_filter_open_resolve_and_see_it_in_the_history(desk: Desk, page: Page) -> None:
    more_flex_cases(desk)
    sign_in(page, desk, "kmj")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(4)  # flex wage only: the negative pay case is not hers
    expect(page.locator("#antal")).to_have_text("Viser 1–4 af 4 sager")

    # filter by reason (htmx swaps the list and keeps the URL)
    page.locator("select[name=aarsag]").select_option("income_deviation")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"aarsag=income_deviation"))
    expect(page.locator(".chip[aria-current]")).to_contain_text("Indkomsten afviger fra gennemsnittet")

    # open the case: the reason, the calculation as on paper, the screenshot
    page.get_by_role("link", name=re.compile(r"2024-09:450377")).click()
    expect(page).to_have_url(f"{desk.url}/sager/{desk.flex.id}")
    expect(page.locator(".why")).to_contain_text("66,7 % over gennemsnittet")
    calculation = page.locator("table.calculation")
    expect(calculation.locator("tr", has_text="Lønindkomst L")).to_contain_text("20.000,00 kr.")
    expect(calculation.locator("tr", has_text="Fradrag af lønnen op til T")).to_contain_text("4.896,90 kr.")
    expect(calculation.locator("tr", has_text="Fradrag af lønnen over T")).to_contain_text("2.022,35 kr.")
    expect(calculation.locator("tr", has_text="Fradrag R i alt")).to_contain_text("6.919,25 kr.")
    expect(calculation.locator("tr.result")).to_contain_text("13.032,75 kr.")
    screenshot = page.locator("figure.evidence img")
    expect(screenshot).to_be_visible()
    assert screenshot.evaluate("img => img.complete && img.naturalWidth") == 900
    expect(page.locator(".main-col")).to_contain_text("450377-1234")  # her case: the full CPR

    # take it, then resolve it as done by hand with a comment
    page.get_by_role("button", name="Tag sagen").click()
    expect(page.locator("#tildelt")).to_have_text("kmj")
    page.get_by_label(re.compile("Beregnet og udbetalt manuelt")).check()
    page.get_by_label("Kommentar", exact=True).fill("Tilskud 13.032,75 kr. beregnet og registreret i hånden")
    page.get_by_role("button", name="Afgør sagen").click()

    # back on the list: the case has left it
    expect(page.locator(".notice")).to_contain_text("er afgjort: løst manuelt")
    expect(page.locator(f'a[href="/sager/{desk.flex.id}"]')).to_have_count(0)
    expect(page.locator("table.queue tbody tr")).to_have_count(3)
    assert desk.backend.get(desk.flex.id).status is Status.DONE

    # and the decision is in its history, with who
    page.goto(f"{desk.url}/sager/{desk.flex.id}")
    decided = page.locator("table.history tr.ev-resolved")
    expect(decided).to_contain_text("desk:kmj")
    expect(decided).to_contain_text("Afgjort: Løst manuelt")
    expect(decided).to_contain_text("Tilskud 13.032,75 kr. beregnet og registreret i hånden")
    expect(page.locator("table.history tr.ev-assigned")).to_contain_text("assigned to kmj")


def test_a_caseworker_cannot_open_another_process_item(desk: Desk, page: Page) -> None:
    sign_in(page, desk, "kmj")
    response = page.goto(f"{desk.url}/sager/{desk.negative.id}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Ingen adgang")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("521190")
    evidence = page.request.get(f"{desk.url}/sager/{desk.negative.id}/filer/1")
    assert evidence.status == 403


def test_a_form_posted_without_the_csrf_token_is_refused(desk: Desk, page: Page) -> None:
    sign_in(page, desk, "kmj", f"/sager/{desk.flex.id}")
    before = len(desk.backend.events(desk.flex.id))
    # the real comment form, with its hidden token taken out
    page.locator('form[action$="/kommentar"] input[name="csrf_token"]').evaluate("input => input.remove()")
    page.get_by_label("Ny kommentar").fill("sendt uden nøgle")
    page.get_by_role("button", name="Gem kommentar").click()
    expect(page.get_by_role("heading", name="Ingen adgang")).to_be_visible()
    expect(page.locator(".error")).to_contain_text("CSRF")
    # a cross-site style post with the session cookie but no token
    refused = page.request.post(f"{desk.url}/sager/{desk.flex.id}/afgoer",
                                form={"beslutning": "done", "kommentar": "uden nøgle"})
    assert refused.status == 403
    assert len(desk.backend.events(desk.flex.id)) == before
    assert desk.backend.get(desk.flex.id).status is Status.MANUAL
    # with the token the same comment is saved
    page.goto(f"{desk.url}/sager/{desk.flex.id}")
    page.get_by_label("Ny kommentar").fill("med nøgle")
    page.get_by_role("button", name="Gem kommentar").click()
    expect(page.locator(".comments blockquote")).to_contain_text("med nøgle")


def test_take_and_release_from_the_list_without_a_reload(desk: Desk, page: Page) -> None:
    sign_in(page, desk, "kmj")
    row = page.locator(f"#rad-{desk.flex.id}")
    page.evaluate("window.__same_page = true")
    row.get_by_role("button", name="Tag").click()
    expect(row.locator(".who-tag")).to_have_text("kmj")
    expect(row.get_by_role("button", name="Frigiv")).to_be_visible()
    assert desk.backend.get(desk.flex.id).assigned_to == "kmj"
    row.get_by_role("button", name="Frigiv").click()
    expect(row.get_by_role("button", name="Tag")).to_be_visible()
    assert desk.backend.get(desk.flex.id).assigned_to is None
    assert page.evaluate("window.__same_page") is True  # htmx swapped the row; the page was not reloaded


def test_negative_pay_caseworker_invoices_from_the_case_page(desk: Desk, page: Page) -> None:
    sign_in(page, desk, "lone")
    page.get_by_role("link", name=re.compile("2026-05:E10234")).click()
    expect(page.locator(".facts-section table.compact tr.sum")).to_contain_text("-4.985,50 kr.")
    page.get_by_label(re.compile("Opkræv med faktura")).check()
    page.get_by_role("button", name="Afgør sagen").click()
    expect(page.locator(".error")).to_contain_text("kræver en kommentar")  # required for this decision
    page.get_by_label(re.compile("Opkræv med faktura")).check()
    page.get_by_label("Kommentar", exact=True).fill("Negativ for anden gang; opkræves")
    page.get_by_role("button", name="Afgør sagen").click()
    expect(page.locator(".notice")).to_contain_text("sendt tilbage til robotten")
    item = desk.backend.get(desk.negative.id)
    assert item.status is Status.NEW and item.payload["decision"] == "invoice"
