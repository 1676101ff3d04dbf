"""A person's (or a robot's) view: real Chromium logs in and completes one form in each web UI.

Robots must find fields by label or name, never by id (ids change with the ``release`` setting).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from robots.runtime.browser import launch_chromium
from simulators import Simulators
from simulators.pytest_plugin import small_settings
from simulators.util import hours_text, kr, round_ore

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def sims() -> Iterator[Simulators]:
    sims = Simulators(small_settings(seed=3, release="2031.9")).start()
    yield sims
    sims.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _login(page, sims: Simulators, system: str) -> None:
    user, password = sims.credentials
    page.goto(sims.url(system))
    page.get_by_label("Brugernavn").fill(user)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log på").click()
    page.get_by_role("heading", name="Hovedmenu").wait_for()


def _cell(page, label: str) -> str:
    return page.locator("table.card tr", has=page.locator(f"th:text-is('{label}')")).locator("td").inner_text()


def test_payroll_register_sixth_week_payout(page, sims: Simulators) -> None:
    emp = next(e for e in sims.state.employees.values()
               if e.pay_type == "hourly" and e.leaving_date is None and e.sixth_week_balance.get(2023, 0) > 0
               and 2023 not in e.sixth_week_paid)
    _login(page, sims, "payroll")
    page.get_by_role("link", name="Medarbejdere").first.click()
    page.get_by_label("CPR-nr., navn eller medarbejdernr.").fill(emp.cpr)
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name=emp.employee_no).click()
    assert _cell(page, "CPR-nr.") == emp.cpr
    assert _cell(page, "Aflønningsform") == "Timeløn"
    page.get_by_role("link", name="Registrér løndel").click()
    hours = emp.sixth_week_balance[2023]
    page.get_by_label("Lønart").select_option("0620")
    page.get_by_label("Lønperiode").select_option("2024-10")
    page.get_by_label("Optjeningsår").fill("2023")
    page.get_by_label("Antal timer").fill(hours_text(hours))
    page.get_by_label("Sats (kr.)").fill(kr(emp.hourly_rate_ore))
    page.get_by_label("Beløb (kr.)").fill(kr(round_ore(hours * Decimal(emp.hourly_rate_ore))))
    page.get_by_role("button", name="Registrér").click()
    page.get_by_role("heading", name="Løndel registreret").wait_for()
    receipt = _cell(page, "Kvitteringsnr.")
    assert [p.receipt_no for p in sims.state.pay_lines if p.employee_no == emp.employee_no] == [receipt]


def test_debtor_create_debtor_and_invoice(page, sims: Simulators) -> None:
    state = sims.state
    emp = next(e for e in state.employees.values() if not any(d.cpr == e.cpr for d in state.debtors.values()))
    _login(page, sims, "debtor")
    page.get_by_role("link", name="Søg debitor").first.click()
    page.get_by_label("CPR-nr.").fill(emp.cpr)
    page.get_by_role("button", name="Søg").click()
    page.get_by_text("Ingen debitorer fundet").wait_for()
    page.get_by_role("link", name="Opret debitor").last.click()
    assert page.get_by_label("CPR-nr.").input_value() == emp.cpr
    page.get_by_label("Navn").fill(emp.name)
    page.get_by_label("Adresse").fill(emp.address)
    page.get_by_label("Postnr.").fill(emp.postcode)
    page.get_by_label("By").fill(emp.city)
    page.get_by_role("button", name="Opret").click()
    debtor_no = _cell(page, "Debitornr.")
    page.get_by_role("link", name="Opret regning").click()
    reference = f"NEG-L202409-{emp.employee_no}"
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Fordringstekst").fill("Tilbagebetaling af for meget udbetalt løn")
    page.get_by_label("Forfaldsdato").fill("07.11.2024")
    page.get_by_label("Periode linje 1", exact=True).fill("2024-09")
    page.get_by_label("Lønart linje 1", exact=True).fill("0101 Månedsløn, regulering")
    page.get_by_label("Beløb linje 1", exact=True).fill("2.500,00")
    page.get_by_role("button", name="Opret regning").click()
    page.get_by_role("heading", name="Regning oprettet").wait_for()
    number = _cell(page, "Fakturanr.")
    invoices = [i for i in state.invoices.values() if i.reference == reference]
    assert [(i.invoice_no, i.debtor_no, i.total_ore) for i in invoices] == [(number, debtor_no, 250_000)]


def test_benefits_register_flex_wage_subsidy(page, sims: Simulators) -> None:
    truth = next(t for t in sims.state.population.truth["flex"] if t["category"] == "simple")
    citizen = sims.state.citizens_by_cpr[truth["cpr"]]
    _login(page, sims, "benefits")
    page.get_by_role("link", name="Søg borger").click()
    page.get_by_label("CPR-nr., navn eller sagsnr.").fill(citizen.cpr)
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name=citizen.case_no).click()
    assert _cell(page, "Lønloft (kr. pr. måned)") == kr(citizen.wage_ceiling_ore)
    page.get_by_role("link", name="Registrér udbetaling").click()
    page.get_by_label("Udbetalingsmåned").fill(truth["payment_month"])
    page.get_by_label("Beregningsgrundlag (kr.)").fill(kr(truth["income_ore"]))
    page.get_by_label("Fleksløntilskud (kr.)").fill(kr(truth["subsidy_ore"]))
    page.get_by_role("button", name="Registrér").click()
    page.get_by_role("heading", name="Udbetaling registreret").wait_for()
    assert citizen.payments[-1].voucher_no == _cell(page, "Bilagsnr.")
    assert citizen.payments[-1].subsidy_ore == truth["subsidy_ore"]
