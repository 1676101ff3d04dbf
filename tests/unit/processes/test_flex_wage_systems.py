"""Reading what the flex wage systems answer: eIndkomst lines and the benefits card."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from processes.flex_wage.rules import IncomeLine, Payment
from processes.flex_wage.systems import BadData, parse_income_line, read_case
from robots.runtime import ApplicationError
from robots.systems import Screen

RAW: dict[str, Any] = {
    "line_id": "4503771234-2024-09-1", "cpr": "450377-1234", "cvr": "12345674", "employer_name": "Thy Tømrer ApS",
    "month": "2024-09", "period_start": "2024-09-01", "period_end": "2024-09-30", "reported_at": "2024-10-03",
    "a_income_ore": 1_681_119, "pension_own_ore": 0, "pension_employer_ore": 168_112, "hours": "89.63",
    "holiday_pay_ore": 0, "holiday_allowance_ore": 0, "sickness_benefit_ore": 0, "maternity_benefit_ore": 0,
}


def test_an_income_line() -> None:
    line = parse_income_line(RAW)
    assert line == IncomeLine("4503771234-2024-09-1", "12345674", "Thy Tømrer ApS", "2024-09", date(2024, 9, 1),
                              date(2024, 9, 30), 1_681_119, 0, 168_112, 0, 0, 0, 0)
    assert line.wage_ore == 1_849_231
    assert parse_income_line({**RAW, "a_income_ore": -50_000}).a_income_ore == -50_000  # corrections may be negative


@pytest.mark.parametrize(("change", "problem"), [
    ({"a_income_ore": "16.811,19"}, "A-indkomst (a_income_ore) er '16.811,19', hvilket ikke er et helt antal øre"),
    ({"pension_employer_ore": 1681.5},
     "arbejdsgivers pension (pension_employer_ore) er 1681.5, hvilket ikke er et helt antal øre"),
    ({"holiday_pay_ore": True}, "feriepenge (holiday_pay_ore) er True, hvilket ikke er et helt antal øre"),
    ({"sickness_benefit_ore": None}, "sygedagpenge (sickness_benefit_ore) er None, hvilket ikke er et helt antal øre"),
])
def test_a_malformed_amount_is_bad_data_naming_line_and_field(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(BadData) as caught:
        parse_income_line({**RAW, **change})
    assert caught.value.code == "income_malformed"
    assert caught.value.message == ("eIndkomst-linje 4503771234-2024-09-1 (2024-09, Thy Tømrer ApS, CVR 12345674): "
                                    f"{problem}")


def test_a_missing_amount_or_period_is_bad_data() -> None:
    raw = {k: v for k, v in RAW.items() if k != "maternity_benefit_ore"}
    with pytest.raises(BadData, match=r": barselsdagpenge \(maternity_benefit_ore\) mangler$"):
        parse_income_line(raw)
    with pytest.raises(BadData, match="har ikke et læsbart linje-id, CVR-nummer, måned eller lønperiode"):
        parse_income_line({**RAW, "period_end": "30.09.2024"})


def _screen(card: dict[str, str], payments: list[list[str]]) -> Screen:
    headers = ["Udbetalingsmåned", "Indkomstmåned", "Beregningsgrundlag (kr.)", "Tilskud (kr.)", "Bilagsnr.",
               "Registreret"]
    tables = [{"heading": "Borgeroverblik", "card": True, "headers": [], "links": [], "rows": list(card.items())}]
    if payments:
        tables.append({"heading": "Udbetalinger", "card": False, "headers": headers, "rows": payments,
                       "links": [[None] * 6 for _ in payments]})
    return Screen.from_js({"title": "Borgeroverblik", "alert": "", "status": "", "message": "", "login": False,
                           "url": "", "tables": tables, "next_page": None})


CARD = {"Sagsnr.": "FJ024001", "CPR-nr.": "450377-1234", "Navn": "A B", "Arbejdsgiver": "Thy Tømrer ApS",
        "Arbejdsgivers CVR-nr.": "12345674", "Lønloft (kr. pr. måned)": "38.500,00"}


def test_the_benefits_card() -> None:
    case = read_case("FJ024001", _screen(CARD, [
        ["2024-08", "2024-07", "18.492,31", "9.876,54", "B2400108", "10.08.2024"],
        ["2024-09", "2024-08", "18.100,00", "10.000,00", "B2400109", "11.09.2024"],
    ]))
    assert (case.case_no, case.cpr, case.employer_cvr, case.employer_name, case.wage_ceiling_ore) == (
        "FJ024001", "450377-1234", "12345674", "Thy Tømrer ApS", 3_850_000)
    assert case.payment("2024-09") == Payment("2024-09", "2024-08", 1_810_000, 1_000_000, "B2400109")
    assert case.payment("2024-10") is None
    assert read_case("FJ024001", _screen(CARD, [])).payments == ()


def test_a_card_with_nonsense_amounts_or_fields_missing() -> None:
    with pytest.raises(BadData) as caught:
        read_case("FJ024001", _screen({**CARD, "Lønloft (kr. pr. måned)": "ukendt"}, []))
    assert caught.value.code == "benefits_amount_malformed"
    assert caught.value.message == ("borgerkortet for FJ024001: feltet »Lønloft (kr. pr. måned)« viser 'ukendt', "
                                    "som ikke er et beløb")
    with pytest.raises(BadData) as caught:
        read_case("FJ024001", _screen(CARD, [["2024-09", "2024-08", "18.1OO,00", "10.000,00", "B2400109", ""]]))
    assert caught.value.message == ("borgerkortet for FJ024001: feltet »Udbetalinger: Beregningsgrundlag (kr.)« "
                                    "viser '18.1OO,00', som ikke er et beløb")
    with pytest.raises(BadData) as caught:
        read_case("FJ024001", _screen({**CARD, "Lønloft (kr. pr. måned)": ""}, []))
    assert caught.value.code == "wage_ceiling_missing"
    assert caught.value.message == "borgerkortet for FJ024001 har intet lønloft (Lønloft)"
    with pytest.raises(ApplicationError) as failed:
        read_case("FJ024001", _screen({k: v for k, v in CARD.items() if k != "Arbejdsgivers CVR-nr."}, []))
    assert (failed.value.code, failed.value.message) == (
        "page_unexpected", "borgerkortet for FJ024001 mangler Arbejdsgivers CVR-nr.")
