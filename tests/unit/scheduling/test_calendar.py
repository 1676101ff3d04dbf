"""Danish business days on hand-checked dates: Easter, Christmas, Great Prayer Day, month ends."""

from __future__ import annotations

from datetime import date

import pytest

from robots.scheduling.calendar import BusinessCalendar, parse_month_day, public_holidays

CAL = BusinessCalendar()


@pytest.mark.parametrize(("day", "reason"), [
    # Easter 2025: Sunday 20 April
    (date(2025, 4, 17), "Maundy Thursday"),
    (date(2025, 4, 18), "Good Friday"),
    (date(2025, 4, 20), "Sunday"),
    (date(2025, 4, 21), "Easter Monday"),
    # Easter 2026: Sunday 5 April; Ascension 14 May, Whit Monday 25 May
    (date(2026, 4, 2), "Maundy Thursday"),
    (date(2026, 4, 3), "Good Friday"),
    (date(2026, 4, 6), "Easter Monday"),
    (date(2026, 5, 14), "Ascension Day"),
    (date(2026, 5, 25), "Whit Monday"),
    # Christmas and New Year 2026 (24 Dec is a Thursday)
    (date(2026, 12, 24), "Christmas Eve (extra closed day)"),
    (date(2026, 12, 25), "Christmas Day"),
    (date(2026, 12, 26), "Saturday"),
    (date(2026, 12, 31), "New Year's Eve (extra closed day)"),
    (date(2027, 1, 1), "New Year's Day"),
    (date(2026, 6, 5), "Constitution Day (extra closed day)"),
    # Great Prayer Day: a holiday up to 2023 (5 May 2023), abolished from 2024
    (date(2023, 5, 5), "Great Prayer Day"),
])
def test_closed_days_with_their_reason(day: date, reason: str) -> None:
    got = CAL.closed_reason(day)
    assert got is not None and got.replace("Pentecost Monday", "Whit Monday") == reason
    assert not CAL.is_business_day(day)


@pytest.mark.parametrize("day", [
    date(2025, 4, 16),  # Wednesday before Easter 2025
    date(2025, 4, 22),  # Tuesday after Easter Monday
    date(2024, 4, 26),  # would have been Great Prayer Day 2024: abolished, a working day
    date(2026, 12, 28),  # Monday between Christmas and New Year
    date(2026, 12, 30),
    date(2027, 1, 4),
    date(2026, 5, 1),  # 1 May is no public holiday in Denmark
])
def test_business_days(day: date) -> None:
    assert CAL.closed_reason(day) is None and CAL.is_business_day(day)


def test_extra_closed_days_are_configurable() -> None:
    none_extra = BusinessCalendar(())
    assert none_extra.is_business_day(date(2026, 12, 24)) and none_extra.is_business_day(date(2026, 6, 5))
    assert not BusinessCalendar(("11-23",)).is_business_day(date(2026, 11, 23))
    assert not none_extra.is_business_day(date(2026, 12, 25))  # public holidays stay closed


def test_on_or_after_and_adding_business_days() -> None:
    assert CAL.on_or_after(date(2026, 4, 2)) == date(2026, 4, 7)  # Maundy Thursday -> Tuesday after Easter
    assert CAL.on_or_after(date(2026, 4, 7)) == date(2026, 4, 7)
    assert CAL.add_business_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert CAL.add_business_days(date(2026, 12, 30), 1) == date(2027, 1, 4)
    assert CAL.add_business_days(date(2026, 12, 30), 0) == date(2026, 12, 30)
    assert CAL.add_business_days(date(2025, 4, 16), 2) == date(2025, 4, 23)
    with pytest.raises(ValueError):
        CAL.add_business_days(date(2026, 1, 5), -1)


@pytest.mark.parametrize(("year", "month", "last"), [
    (2024, 3, date(2024, 3, 27)),  # Maundy Thursday 28 and Good Friday 29 March 2024, then the weekend
    (2026, 2, date(2026, 2, 27)),  # 28 February 2026 is a Saturday
    (2028, 2, date(2028, 2, 29)),  # leap year, a Tuesday
    (2026, 5, date(2026, 5, 29)),  # 31 May 2026 is a Sunday
    (2026, 12, date(2026, 12, 30)),  # New Year's Eve closed
    (2025, 12, date(2025, 12, 30)),
])
def test_last_business_day_of_the_month(year: int, month: int, last: date) -> None:
    assert CAL.last_business_day(year, month) == last


def test_business_days_before() -> None:
    assert CAL.business_days_before(date(2026, 4, 7), 1) == date(2026, 4, 1)  # back over Easter 2026
    assert CAL.business_days_before(date(2026, 4, 7), 0) == date(2026, 4, 7)


def test_public_holidays_come_from_the_holidays_package() -> None:
    assert len(public_holidays(2026)) == 10 and len(public_holidays(2023)) == 11  # Great Prayer Day 2023


@pytest.mark.parametrize("text", ["24-12", "13-01", "02-30", "1224", "", "12-24x"])
def test_bad_month_days_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="MM-DD"):
        parse_month_day(text)


def test_29_february_is_a_day_of_the_year() -> None:
    assert parse_month_day("02-29") == (2, 29)
