"""Money, dates and months in the simulators' formats."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from simulators.util import fmt_date, hours_text, kr, month_add, parse_date, parse_hours, parse_kr, round_ore


def test_kroner_text() -> None:
    assert kr(123456) == "1.234,56"
    assert kr(-5000) == "-50,00"
    assert kr(5) == "0,05"
    assert kr(None) == ""


@pytest.mark.parametrize(("text", "ore"), [("1.234,56", 123456), ("1234.56", 123456), ("1234,5", 123450),
                                           ("-50", -5000), ("12 000,00 kr.", 1200000), ("1.234.567", 123456700)])
def test_parse_kroner(text: str, ore: int) -> None:
    assert parse_kr(text) == ore


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.23.4,5x"])
def test_parse_kroner_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_kr(text)


def test_hours_dates_months() -> None:
    assert parse_hours("37,5") == Decimal("37.50")
    assert hours_text(Decimal("37.5")) == "37,50"
    assert parse_date("31.05.2024") == parse_date("2024-05-31") == parse_date("31-05-2024") == date(2024, 5, 31)
    assert fmt_date(date(2024, 5, 1)) == "01.05.2024"
    assert month_add("2024-11", 2) == "2025-01"
    assert month_add("2024-01", -1) == "2023-12"
    assert round_ore(Decimal("0.5")) == 1 and round_ore(Decimal("-0.5")) == -1
