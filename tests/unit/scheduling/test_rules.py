"""When schedules fire, on hand-checked dates: business-day rules, cron, DST changes, month ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from robots.scheduling.calendar import BusinessCalendar
from robots.scheduling.rules import (
    CronRule,
    EveryBusinessDay,
    MonthDayOrNextBusinessDay,
    PayrollRunDay,
    RuleTrigger,
    cron_weekdays,
    parse_time_of_day,
)
from robots.timeutil import COPENHAGEN


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=COPENHAGEN)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days(fires: list[datetime]) -> list[date]:
    return [f.astimezone(COPENHAGEN).date() for f in fires]


# -- "the 10th, or the next business day" -------------------------------------------------------

def test_tenth_or_next_business_day_through_a_year() -> None:
    rule = MonthDayOrNextBusinessDay(day=10, at=time(6, 0))
    fires = rule.next_fires(local(2026, 1, 1), 12)
    assert days(fires) == [
        date(2026, 1, 12),  # Saturday 10 January -> Monday
        date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 10),
        date(2026, 5, 11),  # Sunday 10 May -> Monday
        date(2026, 6, 10), date(2026, 7, 10), date(2026, 8, 10), date(2026, 9, 10),
        date(2026, 10, 12),  # Saturday
        date(2026, 11, 10), date(2026, 12, 10),
    ]
    # 06:00 Copenhagen: 05:00 UTC in winter, 04:00 UTC in summer
    assert fires[0] == utc(2026, 1, 12, 5, 0) and fires[5] == utc(2026, 6, 10, 4, 0)


def test_the_day_itself_is_not_fired_twice() -> None:
    rule = MonthDayOrNextBusinessDay(day=10, at=time(6, 0))
    assert rule.next_fire(local(2026, 4, 10, 6, 0)) == local(2026, 5, 11, 6, 0)
    assert rule.next_fire(local(2026, 4, 10, 5, 59)) == local(2026, 4, 10, 6, 0)


@pytest.mark.parametrize(("day", "after", "expected"), [
    (17, local(2025, 4, 1), date(2025, 4, 22)),  # Maundy Thursday 2025 -> Tuesday after Easter Monday
    (2, local(2026, 3, 15), date(2026, 4, 7)),  # Maundy Thursday 2026 -> Tuesday after Easter Monday
    (24, local(2026, 12, 1), date(2026, 12, 28)),  # Christmas Eve 2026 -> Monday 28th
    (31, local(2028, 2, 1), date(2028, 2, 29)),  # leap year: the last day of February
    (31, local(2027, 1, 15), date(2027, 2, 1)),  # Sunday 31 January 2027 -> into February
    (31, local(2027, 2, 2), date(2027, 3, 1)),  # 28 February 2027 is a Sunday -> into March
    (30, local(2026, 4, 1), date(2026, 4, 30)),
    (1, local(2026, 12, 2), date(2027, 1, 4)),  # New Year's Day (a Friday), then the weekend
])
def test_month_day_across_holidays_and_month_ends(day: int, after: datetime, expected: date) -> None:
    assert days([MonthDayOrNextBusinessDay(day=day, at=time(6, 0)).next_fire(after)]) == [expected]


def test_month_day_must_be_a_day() -> None:
    with pytest.raises(ValueError):
        MonthDayOrNextBusinessDay(day=32, at=time(6, 0))


# -- "day 2 of the ordinary payroll run, 20:00" -------------------------------------------------

def test_payroll_run_day_two_after_the_last_business_day() -> None:
    rule = PayrollRunDay(day=2, at=time(20, 0))
    fires = rule.next_fires(local(2026, 11, 1), 6)
    assert days(fires) == [
        date(2026, 11, 2),  # run Friday 30 October -> Monday 2 November
        date(2026, 12, 1),  # run Monday 30 November -> Tuesday 1 December
        date(2027, 1, 4),  # run Wednesday 30 December (31st closed) -> 31 Dec, 1 Jan, weekend -> Monday 4 January
        date(2027, 2, 1),  # run Friday 29 January -> Monday 1 February
        date(2027, 3, 1),  # run Friday 26 February -> Monday 1 March
        date(2027, 4, 1),  # run Wednesday 31 March 2027 (Easter is 28 March) -> Thursday 1 April
    ]
    assert fires[1] == utc(2026, 12, 1, 19, 0)  # 20:00 winter time
    assert rule.next_fire(local(2026, 3, 2)) == utc(2026, 3, 2, 19, 0)  # run Friday 27 February -> Monday 2 March
    assert rule.next_fire(local(2026, 3, 3)) == utc(2026, 4, 1, 18, 0)  # run 31 March 2026, 20:00 summer time


def test_payroll_run_across_easter() -> None:
    # March 2024: Maundy Thursday 28th, Good Friday 29th, weekend, Easter Monday 1 April.
    rule = PayrollRunDay(day=2, at=time(20, 0))
    assert rule.run_date(2024, 3) == date(2024, 3, 27)
    assert days([rule.next_fire(local(2024, 3, 20))]) == [date(2024, 4, 2)]


def test_payroll_run_days_before_month_end_and_day_one() -> None:
    rule = PayrollRunDay(day=1, at=time(8, 0), days_before_month_end=3)
    assert rule.run_date(2026, 4) == date(2026, 4, 27)  # 30, 29, 28 back from Thursday 30 April 2026
    assert days([rule.next_fire(local(2026, 4, 1))]) == [date(2026, 4, 27)]
    day_three = PayrollRunDay(day=3, at=time(8, 0), days_before_month_end=3)
    assert days([day_three.next_fire(local(2026, 4, 1))]) == [date(2026, 4, 29)]


def test_payroll_run_from_a_list_of_run_dates() -> None:
    rule = PayrollRunDay(day=2, at=time(20, 0), run_dates=(date(2026, 2, 20), date(2026, 1, 23)))
    assert days(rule.next_fires(local(2026, 1, 1), 5)) == [date(2026, 1, 26), date(2026, 2, 23)]  # then none
    assert rule.next_fire(local(2026, 3, 1)) is None


# -- "every business day 22:00" -------------------------------------------------------------------

def test_every_business_day_over_the_spring_dst_change() -> None:
    # Clocks go forward on Sunday 29 March 2026: 22:00 is 21:00 UTC before, 20:00 UTC after.
    fires = EveryBusinessDay(at=time(22, 0)).next_fires(local(2026, 3, 27, 12), 3)
    assert fires == [utc(2026, 3, 27, 21, 0), utc(2026, 3, 30, 20, 0), utc(2026, 3, 31, 20, 0)]


def test_every_business_day_over_the_autumn_dst_change() -> None:
    # Clocks go back on Sunday 25 October 2026.
    fires = EveryBusinessDay(at=time(22, 0)).next_fires(local(2026, 10, 23, 12), 2)
    assert fires == [utc(2026, 10, 23, 20, 0), utc(2026, 10, 26, 21, 0)]


def test_every_business_day_over_easter_and_christmas() -> None:
    rule = EveryBusinessDay(at=time(22, 0))
    assert days(rule.next_fires(local(2026, 4, 1, 23), 2)) == [date(2026, 4, 7), date(2026, 4, 8)]
    assert days(rule.next_fires(local(2025, 12, 23, 23), 3)) == [date(2025, 12, 29), date(2025, 12, 30),
                                                                 date(2026, 1, 2)]
    lenient = EveryBusinessDay(at=time(22, 0), calendar=BusinessCalendar(()))
    assert days([lenient.next_fire(local(2025, 12, 23, 23))]) == [date(2025, 12, 24)]


def test_missed_fires_between_two_instants() -> None:
    rule = EveryBusinessDay(at=time(22, 0))
    missed = rule.fires_between(local(2026, 3, 27, 23), local(2026, 4, 1, 23))
    assert days(missed) == [date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1)]
    assert rule.latest_fire(local(2026, 3, 27, 23), local(2026, 4, 1, 23)) == missed[-1]
    assert rule.fires_between(local(2026, 3, 27, 23), local(2026, 3, 30, 21)) == []
    assert len(CronRule("* * * * *").fires_between(local(2026, 1, 1), local(2026, 1, 2), limit=100)) == 100


# -- cron ----------------------------------------------------------------------------------------

def test_cron_weekdays_are_crontabs_not_apschedulers() -> None:
    # APScheduler 3 counts weekdays from Monday = 0; crontab from Sunday = 0 (and 7).
    fires = CronRule("0 7 * * 1-5").next_fires(local(2026, 3, 27, 12), 5)
    assert [f.astimezone(COPENHAGEN).strftime("%a %d") for f in fires] == ["Mon 30", "Tue 31", "Wed 01", "Thu 02",
                                                                          "Fri 03"]
    assert days([CronRule("0 7 * * 0").next_fire(local(2026, 3, 27))]) == [date(2026, 3, 29)]
    assert days([CronRule("0 7 * * 7").next_fire(local(2026, 3, 27))]) == [date(2026, 3, 29)]
    assert days([CronRule("0 19 * * fri").next_fire(local(2026, 3, 25))]) == [date(2026, 3, 27)]


@pytest.mark.parametrize(("field", "expected"), [
    ("1-5", "mon,tue,wed,thu,fri"), ("0", "sun"), ("7", "sun"), ("0,7", "sun"), ("5-7", "fri,sat,sun"),
    ("*/2", "sun,tue,thu,sat"), ("1-5/2", "mon,wed,fri"), ("*", "*"), ("mon-fri", "mon-fri"), ("6/1", "sat"),
])
def test_cron_weekday_translation(field: str, expected: str) -> None:
    assert cron_weekdays(field) == expected


def test_cron_fixed_time_runs_once_when_the_clocks_go_back() -> None:
    fires = CronRule("30 2 * * *").next_fires(local(2026, 10, 24, 12), 2)
    assert fires == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]  # 02:30 summer time once, then winter


def test_cron_every_half_hour_runs_in_both_repeated_hours() -> None:
    fires = CronRule("*/30 * * * *").next_fires(local(2026, 10, 25, 1, 50), 5)
    assert fires == [utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 0),
                     utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 2, 0)]


def test_cron_time_missing_in_spring_runs_an_hour_later_once() -> None:
    assert CronRule("30 2 * * *").next_fires(local(2026, 3, 28, 12), 2) == [utc(2026, 3, 29, 1, 30),
                                                                           utc(2026, 3, 30, 0, 30)]
    fires = CronRule("*/30 * * * *").next_fires(local(2026, 3, 29, 1, 10), 4)
    assert fires == [utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30),
                     utc(2026, 3, 29, 2, 0)]  # 01:30 CET, 03:00, 03:30, 04:00 CEST: no duplicates


def test_cron_month_end_and_leap_day() -> None:
    assert days(CronRule("0 6 29 2 *").next_fires(local(2026, 1, 1), 2)) == [date(2028, 2, 29), date(2032, 2, 29)]
    assert days(CronRule("0 6 31 * *").next_fires(local(2026, 4, 1), 2)) == [date(2026, 5, 31), date(2026, 7, 31)]


@pytest.mark.parametrize(("expression", "message"), [
    ("61 * * * *", "61"),
    ("* * * *", "5 fields"),
    ("0 7 * * foo", "foo"),
    ("0 6 10 * 1", "both restricted"),
    ("0 7 * * 3-1", "low to high"),
    ("0 25 * * *", "25"),
])
def test_bad_cron_expressions_are_refused_with_the_reason(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CronRule(expression)


def test_rules_as_apscheduler_triggers() -> None:
    trigger = RuleTrigger(EveryBusinessDay(at=time(22, 0)))
    first = trigger.get_next_fire_time(None, local(2026, 3, 27, 22, 0))
    assert first == utc(2026, 3, 27, 21, 0)  # "now" itself may fire
    assert trigger.get_next_fire_time(first, local(2026, 3, 27, 22, 0, 1)) == utc(2026, 3, 30, 20, 0)


@pytest.mark.parametrize("text", ["24:00", "6", "06:60", "ab:cd", ""])
def test_bad_times_of_day(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time_of_day(text)
