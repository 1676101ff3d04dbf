"""The three web UIs over real HTTP (as a browser would post them): logins, forms, validation, receipts."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest

from simulators import Simulators
from simulators.debtor import find_invoices
from simulators.util import hours_text, kr, round_ore

from .sim_helpers import form_token, ui_login


@pytest.fixture
def sims(make_simulators) -> Simulators:
    return make_simulators(employees=150, citizens=40)


@pytest.fixture
def client() -> httpx.Client:
    with httpx.Client(timeout=30, follow_redirects=True) as c:
        yield c


def _receipt(html: str, label: str) -> str:
    m = re.search(rf"<th>{re.escape(label)}</th><td>([^<]+)</td>", html)
    assert m, f"no {label} on the page"
    return m.group(1)


def _error(html: str) -> str | None:
    m = re.search(r'class="error" role="alert"[^>]*>([^<]+)<', html)
    return m.group(1) if m else None


def test_login_is_required_and_checked(sims: Simulators, client: httpx.Client) -> None:
    r = client.get(f"{sims.url('payroll')}runs")
    assert "/payroll/login" in str(r.url) and 'name="username"' in r.text
    r = client.post(f"{sims.url('payroll')}login", data={"username": "robot", "password": "nope"})
    assert "Login mislykkedes" in r.text
    r = client.post(f"{sims.url('payroll')}login",
                    data={"username": "robot", "password": sims.credentials[1], "next": "/payroll/runs"})
    assert str(r.url).endswith("/payroll/runs") and "Lønkørsler" in r.text
    assert "login" in str(client.get(f"{sims.url('debtor')}menu").url)  # one login per system


def test_payroll_sixth_week_payout(sims: Simulators, client: httpx.Client) -> None:
    state = sims.state
    emp = next(e for e in state.employees.values()
               if e.pay_type == "monthly" and e.leaving_date is None and e.sixth_week_balance.get(2023, 0) > 0
               and 2023 not in e.sixth_week_paid)
    ui_login(client, sims, "payroll")
    found = client.get(f"{sims.url('payroll')}employees", params={"q": emp.cpr}).text
    assert emp.employee_no in found
    card = client.get(f"{sims.url('payroll')}employees/{emp.employee_no}").text
    assert _receipt(card, "CPR-nr.") == emp.cpr and _receipt(card, "Aflønningsform") == "Månedsløn"
    hours = emp.sixth_week_balance[2023]
    rate = round_ore(Decimal(emp.monthly_salary_ore) / Decimal("160.33"))
    form = {"pay_element": "0620", "period": "2024-10", "earning_year": "2023", "hours": hours_text(hours),
            "rate": kr(rate), "amount": kr(round_ore(hours * rate))}
    page = client.get(f"{sims.url('payroll')}employees/{emp.employee_no}/payline").text
    wrong = client.post(f"{sims.url('payroll')}employees/{emp.employee_no}/payline",
                        data={**form, "amount": "1,00", "_token": form_token(page)})
    assert _error(wrong.text) == "Fejl L-311: Registreringen kunne ikke gennemføres."
    too_many = client.post(f"{sims.url('payroll')}employees/{emp.employee_no}/payline",
                           data={**form, "hours": hours_text(hours + 1), "amount": kr(round_ore((hours + 1) * rate)),
                                 "_token": form_token(page)})
    assert _error(too_many.text).startswith("Fejl L-412")
    ok = client.post(f"{sims.url('payroll')}employees/{emp.employee_no}/payline",
                     data={**form, "_token": form_token(page)})
    receipt = _receipt(ok.text, "Kvitteringsnr.")
    assert "Løndel registreret" in ok.text and receipt.startswith("K")
    assert [p.receipt_no for p in state.pay_lines] == [receipt]
    assert emp.sixth_week_balance[2023] == 0 and 2023 in emp.sixth_week_paid
    again = client.post(f"{sims.url('payroll')}employees/{emp.employee_no}/payline",
                        data={**form, "_token": form_token(page)})
    assert _error(again.text).startswith("Fejl L-413")


def test_payroll_termination(sims: Simulators, client: httpx.Client) -> None:
    emp = next(e for e in sims.state.employees.values() if e.leaving_date is None and e.pay_type == "hourly")
    ui_login(client, sims, "payroll")
    url = f"{sims.url('payroll')}employees/{emp.employee_no}/termination"
    token = form_token(client.get(url).text)
    bad = client.post(url, data={"leaving_date": "31.13.2024", "reason_code": "01", "_token": token})
    assert _error(bad.text).startswith("Fejl L-521")
    ok = client.post(url, data={"leaving_date": "30.11.2024", "last_working_day": "29.11.2024", "reason_code": "01",
                                "_token": token})
    assert "Fratrædelse registreret" in ok.text and _receipt(ok.text, "Fratrædelsesdato") == "30.11.2024"
    assert str(emp.leaving_date) == "2024-11-30"
    again = client.post(url, data={"leaving_date": "30.11.2024", "reason_code": "01", "_token": token})
    assert _error(again.text).startswith("Fejl L-520")
    card = client.get(f"{sims.url('payroll')}employees/{emp.employee_no}").text
    assert _receipt(card, "Fratrædelsesdato") == "30.11.2024"


def test_payroll_runs_and_marking_negatives(sims: Simulators, client: httpx.Client) -> None:
    state = sims.state
    truth = state.population.truth["negative_pay"]
    simple = next(t for t in truth if t["pending"] and t["reason"] == "simple")
    ui_login(client, sims, "payroll")
    runs = client.get(f"{sims.url('payroll')}runs").text
    assert simple["run_id"] in runs and "Aperiodisk" in runs
    listing = client.get(f"{sims.url('payroll')}runs/{simple['run_id']}", params={"status": "pending"}).text
    assert simple["line_id"] in listing
    url = f"{sims.url('payroll')}negatives/{simple['line_id']}"
    token = form_token(client.get(url).text)
    none = client.post(url, data={"handling": "", "_token": token})
    assert _error(none.text).startswith("Fejl L-204")
    ok = client.post(url, data={"handling": "carry_forward", "comment": "robot", "_token": token})
    assert "Markering gemt" in ok.text and state.negatives[simple["line_id"]].marking == "carry_forward"
    holiday = next((t for t in truth if t["kind"] == "holiday_pay" and not t["left"]), None)
    if holiday:
        url = f"{sims.url('payroll')}negatives/{holiday['line_id']}"
        refused = client.post(url, data={"handling": "carry_forward", "_token": form_token(client.get(url).text)})
        assert _error(refused.text).startswith("Fejl L-203")


def test_debtor_invoice_is_created_once_and_inspectable(sims: Simulators, client: httpx.Client) -> None:
    state = sims.state
    emp = next(e for e in state.employees.values() if not any(d.cpr == e.cpr for d in state.debtors.values()))
    base = sims.url("debtor")
    ui_login(client, sims, "debtor")
    assert "Ingen debitorer fundet" in client.get(f"{base}debtors", params={"cpr": emp.cpr}).text
    token = form_token(client.get(f"{base}debtors/new").text)
    debtor = {"cpr": emp.cpr, "name": emp.name, "address": emp.address, "postcode": emp.postcode, "city": emp.city}
    created = client.post(f"{base}debtors/new", data={**debtor, "_token": token})
    debtor_no = _receipt(created.text, "Debitornr.")
    dup = client.post(f"{base}debtors/new", data={**debtor, "_token": token})
    assert _error(dup.text) == "Fejl D-0042: Debitor kan ikke oprettes."
    assert debtor_no in client.get(f"{base}debtors", params={"cpr": emp.cpr}).text
    url = f"{base}debtors/{debtor_no}/invoices/new"
    token = form_token(client.get(url).text)
    reference = f"NEG-L202409-{emp.employee_no}"
    invoice = {"reference": reference, "text": "Tilbagebetaling af for meget udbetalt løn", "due_date": "07.11.2024",
               "note": "Afdrag kan aftales.", "period_1": "2024-08", "element_1": "0101 Månedsløn, regulering",
               "amount_1": "1.234,50", "period_2": "2024-09", "element_2": "0301 A-skat", "amount_2": "-200,00",
               "_token": token}
    past = client.post(url, data={**invoice, "due_date": "01.01.2020"})
    assert _error(past.text).startswith("Fejl D-0102")
    ok = client.post(url, data=invoice)
    number = _receipt(ok.text, "Fakturanr.")
    assert _receipt(ok.text, "Beløb i alt (kr.)") == "1.034,50"
    found = find_invoices(state, reference=reference)
    assert [i.invoice_no for i in found] == [number] and found[0].total_ore == 103450
    assert len(client.get(f"{sims.base_url}/_sim/invoices", params={"reference": reference}).json()) == 1
    listing = client.get(f"{base}invoices", params={"reference": reference}).text
    assert number in listing and emp.cpr in listing


def test_benefits_register_payment(sims: Simulators, client: httpx.Client) -> None:
    state = sims.state
    truth = next(t for t in state.population.truth["flex"] if t["category"] == "simple")
    citizen = state.citizens_by_cpr[truth["cpr"]]
    base = sims.url("benefits")
    ui_login(client, sims, "benefits")
    listing = client.get(f"{base}citizens", params={"q": citizen.cpr}).text
    assert citizen.case_no in listing
    page = client.get(f"{base}citizens/{citizen.case_no}").text
    assert _receipt(page, "Arbejdsgivers CVR-nr.") == citizen.employer_cvr
    url = f"{base}citizens/{citizen.case_no}/payments/new"
    token = form_token(client.get(url).text)
    form = {"month": truth["payment_month"], "income": kr(truth["income_ore"]), "amount": kr(truth["subsidy_ore"]),
            "_token": token}
    over = client.post(url, data={**form, "amount": kr(citizen.wage_ceiling_ore)})
    assert _error(over.text) in ("Fejl 311: Posteringen kan ikke gennemføres.",
                                 "Fejl 412: Posteringen kan ikke gennemføres.")
    ok = client.post(url, data=form)
    voucher = _receipt(ok.text, "Bilagsnr.")
    assert citizen.payments[-1].voucher_no == voucher and citizen.payments[-1].subsidy_ore == truth["subsidy_ore"]
    again = client.post(url, data=form)
    assert _error(again.text) == "Fejl 217: Posteringen kan ikke gennemføres."


def test_busy_page_offers_retry(sims: Simulators, client: httpx.Client) -> None:
    ui_login(client, sims, "benefits")
    sims.set_faults(enabled=True, busy_rate=1.0)
    r = client.get(f"{sims.url('benefits')}citizens", params={"q": "a"})
    assert "Systemet er optaget" in r.text
    retry = re.search(r'<a href="([^"]+)"[^>]*>Prøv igen</a>', r.text).group(1)
    sims.set_faults(enabled=False)
    assert "Borgere i fleksjob" in client.get(f"{sims.base_url}{retry.replace('&amp;', '&')}").text
