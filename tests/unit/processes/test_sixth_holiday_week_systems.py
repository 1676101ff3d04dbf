"""Reading payroll's screens for the sixth holiday week: the employee card, the receipt, the fast card peek."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from processes.sixth_holiday_week.rules import PayLine, SixthWeekYear
from processes.sixth_holiday_week.systems import CardPeek, UnreadableCard, employee_from_card, receipt_line
from robots.runtime import ApplicationError
from robots.systems import Screen, Table

CARD = {"Medarbejdernr.": "100395", "CPR-nr.": "860501-1234", "Navn": "Anna Holm", "Aflønningsform": "Månedsløn",
        "Månedsløn (kr.)": "32.300,00", "Ugentlig arbejdstid (timer)": "37,00", "Status": "Aktiv",
        "Fratrædelsesdato": "30.11.2024"}
SIXTH = Table("6. ferieuge", ["Optjeningsår", "Saldo (timer)", "Udbetalt"], [
    {"Optjeningsår": "2023", "Saldo (timer)": "11,47", "Udbetalt": "Nej"},
    {"Optjeningsår": "2024", "Saldo (timer)": "0,00", "Udbetalt": "Ja"},
])
LINE_HEADERS = ["Kvitteringsnr.", "Lønart", "Lønperiode", "Timer", "Beløb (kr.)", "Optjeningsår"]
LINES = Table("Registrerede løndele", LINE_HEADERS, [
    {"Kvitteringsnr.": "K0700001", "Lønart": "0620 6. ferieuge, udbetaling", "Lønperiode": "2024-10",
     "Timer": "9,86", "Beløb (kr.)": "1.986,39", "Optjeningsår": "2023"},
    {"Kvitteringsnr.": "K0700002", "Lønart": "0700 Engangsvederlag", "Lønperiode": "2024-10", "Timer": "",
     "Beløb (kr.)": "500,00", "Optjeningsår": ""},
])


def screen(card: dict[str, str], tables: list[Table], title: str = "Medarbejderkort – Anna Holm") -> Screen:
    return Screen(title, "", "", "", False, "http://x/payroll/employees/100395", [("", card)], tables, None)


def test_the_employee_card_in_exact_values() -> None:
    employee = employee_from_card(screen(CARD, [SIXTH, LINES]), "100395")
    assert (employee.active, employee.leaving_date, employee.pay_type) == (True, date(2024, 11, 30), "monthly")
    assert (employee.monthly_salary_ore, employee.hourly_rate_ore, employee.weekly_hours) == (3_230_000, None,
                                                                                              Decimal("37.00"))
    assert employee.sixth_week == (SixthWeekYear(2023, Decimal("11.47"), False), SixthWeekYear(2024, Decimal(0), True))
    assert employee.pay_lines == (PayLine("K0700001", "0620", "2024-10", Decimal("9.86"), 198_639, 2023),
                                  PayLine("K0700002", "0700", "2024-10", None, 50_000, None))


def test_hourly_paid_left_no_lines() -> None:
    card = {**CARD, "Aflønningsform": "Timeløn", "Timeløn (kr.)": "192,04", "Status": "Fratrådt"}
    del card["Månedsløn (kr.)"]
    employee = employee_from_card(screen(card, [SIXTH]), "100395")
    assert (employee.active, employee.hourly_rate_ore, employee.monthly_salary_ore, employee.pay_lines) == (
        False, 19_204, None, ())


def test_a_malformed_value_is_unreadable_data_and_a_missing_field_an_unexpected_page() -> None:
    with pytest.raises(UnreadableCard) as amount:
        employee_from_card(screen({**CARD, "Månedsløn (kr.)": "32.300,0O"}, [SIXTH]), "100395")
    assert str(amount.value) == "feltet »Månedsløn (kr.)« viser '32.300,0O', som ikke er et beløb"
    with pytest.raises(UnreadableCard) as status:
        employee_from_card(screen({**CARD, "Status": "Orlov"}, [SIXTH]), "100395")
    assert str(status.value) == "feltet »Status« viser 'Orlov', som ikke er Aktiv eller Fratrådt"
    bad_year = Table("6. ferieuge", SIXTH.headers, [{**SIXTH.rows[0], "Optjeningsår": "20x3"}])
    with pytest.raises(UnreadableCard) as year:
        employee_from_card(screen(CARD, [bad_year]), "100395")
    assert str(year.value) == "feltet »6. ferieuge: Optjeningsår« viser '20x3', som ikke er et årstal"
    with pytest.raises(ApplicationError) as raised:
        employee_from_card(screen({k: v for k, v in CARD.items() if k != "Status"}, [SIXTH]), "100395")
    assert raised.value.code == "page_unexpected"


def test_the_receipt() -> None:
    receipt = {"Kvitteringsnr.": "K0700003", "Medarbejder": "100395 Anna Holm",
               "Lønart": "0620 6. ferieuge, udbetaling", "Lønperiode": "2024-10", "Optjeningsår": "2023",
               "Antal timer": "11,47", "Beløb (kr.)": "2.310,74"}
    assert receipt_line(screen(receipt, [], title="Løndel registreret")) == PayLine(
        "K0700003", "0620", "2024-10", Decimal("11.47"), 231_074, 2023)
    with pytest.raises(ApplicationError):
        receipt_line(screen(receipt, [], title="Registrér løndel"))


CARD_HTML = """<html><body><main><h1>Medarbejderkort – S&oslash;ren &amp; Co</h1>
<table class="grid card" id="ctl00_card"><tr><th>Medarbejdernr.</th><td>100247</td></tr>
<tr><th>Status</th><td>Aktiv</td></tr><tr><th>Fratrædelsesdato</th><td>31.10.2024</td></tr></table>
<h2>Jobprofil</h2><table class="grid card"><tr><th>Status</th><td>not this one</td></tr></table></main></body></html>"""


def test_card_peek_reads_the_first_card_without_a_browser() -> None:
    peek = CardPeek.of(CARD_HTML)
    assert (peek.title, peek.login) == ("Medarbejderkort – Søren & Co", False)
    assert peek.card == {"Medarbejdernr.": "100247", "Status": "Aktiv", "Fratrædelsesdato": "31.10.2024"}


def test_card_peek_sees_the_login_and_the_busy_page() -> None:
    login = CardPeek.of('<main><h1>Log på Opus Løn</h1><form><input name="password" type="password"></form></main>')
    assert login.login and login.card == {}
    busy = CardPeek.of('<main><h1>Systemet er optaget</h1><a href="?">Prøv igen</a></main>')
    assert (busy.title, busy.login, busy.card) == ("Systemet er optaget", False, {})
