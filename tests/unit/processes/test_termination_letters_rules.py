"""The termination-letters rules (RULES.md section 4) on hand-checked cases.

Every expected date below was worked out by hand from a calendar: notice to the end of a month
across month and year ends, 29 February, civil servants' three months, a request a day before
and a day after the earliest date, and the funktionærloven § 2 thresholds at and just past each.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from processes.termination_letters.rules import (
    Manual,
    Plan,
    ResignationFacts,
    add_months,
    danish_date,
    days_off,
    decide,
    earliest_leaving_date,
    easter_sunday,
    employer_notice_months,
    last_working_day,
    months_employed,
    received_on,
)

D = date.fromisoformat


def facts(received: str, requested: str | None, *, civil_servant: bool = False, active: bool = True,
          registered: str | None = None, start: str = "2015-03-01", agreed: bool = False) -> ResignationFacts:
    return ResignationFacts("SAG-2024-000011", "100123", D(received), D(requested) if requested else None,
                            civil_servant, active, D(start), D(registered) if registered else None, agreed)


@pytest.mark.parametrize(("received", "civil_servant", "earliest"), [
    ("2026-04-14", False, "2026-05-31"),  # RULES.md's worked example: received 14 April -> 31 May
    ("2026-04-01", False, "2026-05-31"),  # the first of the month: still to the end of the next month
    ("2026-04-30", False, "2026-05-31"),  # the last of the month likewise
    ("2024-01-31", False, "2024-02-29"),  # into a leap-year February
    ("2024-01-01", False, "2024-02-29"),
    ("2025-01-31", False, "2025-02-28"),  # an ordinary February
    ("2024-02-29", False, "2024-03-31"),  # received on the leap day
    ("2024-11-05", False, "2024-12-31"),  # to the year end
    ("2024-12-01", False, "2025-01-31"),  # across the year end
    ("2024-12-31", False, "2025-01-31"),
    ("2024-04-14", True, "2024-07-31"),  # civil servants: three months
    ("2023-11-30", True, "2024-02-29"),  # three months across the year end into a leap February
    ("2024-11-15", True, "2025-02-28"),
    ("2024-10-31", True, "2025-01-31"),
    ("2024-12-31", True, "2025-03-31"),
])
def test_earliest_leaving_date(received: str, civil_servant: bool, earliest: str) -> None:
    assert earliest_leaving_date(D(received), civil_servant) == D(earliest)


def test_notice_months_come_from_configuration() -> None:
    assert earliest_leaving_date(D("2024-10-08"), False, notice_months=2) == D("2024-12-31")
    assert earliest_leaving_date(D("2024-10-08"), True, civil_servant_notice_months=6) == D("2025-04-30")


def test_a_request_a_day_before_the_earliest_date_goes_to_a_person_with_both_dates_in_danish() -> None:
    decision = decide(facts("2024-10-02", "2024-11-29"))
    assert decision == Manual(
        "early_date",
        "Medarbejder 100123 ønsker at fratræde 29. november 2024, men den tidligst mulige fratrædelsesdato er "
        "30. november 2024 (1 måneds varsel til udgangen af en måned; opsigelsen er modtaget 2. oktober 2024). "
        "En tidligere fratræden kræver lederens accept.", earliest=D("2024-11-30"))


def test_at_and_a_day_after_the_earliest_date_the_robot_goes_ahead() -> None:
    # 30 November 2024 is a Saturday: the last working day is Friday 29 November.
    assert decide(facts("2024-10-02", "2024-11-30")) == Plan(D("2024-11-30"), D("2024-11-30"), D("2024-11-29"))
    # 1 December 2024 is a Sunday: the last working day is Friday 29 November too.
    assert decide(facts("2024-10-02", "2024-12-01")) == Plan(D("2024-11-30"), D("2024-12-01"), D("2024-11-29"))


def test_a_civil_servant_a_day_before_three_months_goes_to_a_person() -> None:
    decision = decide(facts("2024-10-31", "2025-01-30", civil_servant=True))
    assert isinstance(decision, Manual) and decision.code == "early_date"
    assert "30. januar 2025" in decision.reason and "31. januar 2025" in decision.reason
    assert "tjenestemand, 3 måneders varsel" in decision.reason
    assert decide(facts("2024-10-31", "2025-01-31", civil_servant=True)) == Plan(
        D("2025-01-31"), D("2025-01-31"), D("2025-01-31"))


def test_an_ordinary_employee_may_leave_when_a_civil_servant_may_not() -> None:
    assert isinstance(decide(facts("2024-10-31", "2024-11-30")), Plan)
    assert isinstance(decide(facts("2024-10-31", "2024-11-30", civil_servant=True)), Manual)


def test_the_managers_agreement_lets_an_early_date_through() -> None:
    assert decide(facts("2024-10-02", "2024-10-18", agreed=True)) == Plan(D("2024-11-30"), D("2024-10-18"),
                                                                           D("2024-10-18"))


def test_a_date_already_registered_is_recorded_and_another_goes_to_a_person() -> None:
    assert decide(facts("2024-10-02", "2024-12-31", registered="2024-12-31")) == Plan(
        D("2024-11-30"), D("2024-12-31"), D("2024-12-30"), already_registered=True)
    other = decide(facts("2024-10-02", "2024-12-31", registered="2024-11-30"))
    assert isinstance(other, Manual) and other.code == "other_leaving_date"
    assert "30. november 2024" in other.reason and "31. december 2024" in other.reason


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"active": False, "registered": "2024-08-31"}, "employee_left"),
    ({"requested": None}, "requested_date_missing"),
    ({"start": "2025-02-01", "agreed": True}, "before_start"),
])
def test_cases_the_robot_cannot_decide(kwargs: dict[str, object], code: str) -> None:
    requested = kwargs.pop("requested", "2024-12-31")
    decision = decide(facts("2024-10-02", requested, **kwargs))  # type: ignore[arg-type]
    assert isinstance(decision, Manual) and decision.code == code and decision.reason


def test_the_received_day_is_the_copenhagen_day() -> None:
    assert received_on(datetime(2024, 4, 30, 21, 30)) == D("2024-04-30")  # naive: Copenhagen time already
    assert received_on(datetime(2024, 4, 30, 21, 30, tzinfo=UTC)) == D("2024-04-30")  # 23:30 summer time
    assert received_on(datetime(2024, 4, 30, 22, 30, tzinfo=UTC)) == D("2024-05-01")  # 00:30 on 1 May
    assert earliest_leaving_date(received_on(datetime(2024, 4, 30, 22, 30, tzinfo=UTC)), False) == D("2024-06-30")
    assert received_on(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == D("2025-01-01")  # winter time, new year


@pytest.mark.parametrize(("year", "easter"), [
    (2000, "2000-04-23"), (2023, "2023-04-09"), (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"),
    (2038, "2038-04-25"),
])
def test_easter_sunday(year: int, easter: str) -> None:
    assert easter_sunday(year) == D(easter)


@pytest.mark.parametrize(("leaving", "last_day"), [
    ("2024-10-31", "2024-10-31"),  # a Thursday
    ("2024-11-30", "2024-11-29"),  # Saturday -> Friday
    ("2024-12-31", "2024-12-30"),  # nytårsaftensdag is a day off -> Monday 30 December
    ("2024-12-26", "2024-12-23"),  # 2. juledag, juledag, juleaftensdag -> Monday 23 December
    ("2024-03-31", "2024-03-27"),  # Easter Sunday, Saturday, langfredag, skærtorsdag -> Wednesday
    ("2024-04-01", "2024-03-27"),  # 2. påskedag 2024
    ("2023-05-05", "2023-05-04"),  # store bededag 2023 (the last one)
    ("2024-04-26", "2024-04-26"),  # what would have been store bededag 2024 is a working day
    ("2025-05-29", "2025-05-28"),  # Kristi himmelfartsdag 2025
    ("2025-06-09", "2025-06-06"),  # 2. pinsedag 2025 (Monday) -> Friday
    ("2025-06-05", "2025-06-04"),  # grundlovsdag
    ("2025-01-01", "2024-12-30"),  # nytårsdag, back across the year end past nytårsaftensdag
])
def test_last_working_day(leaving: str, last_day: str) -> None:
    assert last_working_day(D(leaving)) == D(last_day)


def test_days_off_2024_are_the_danish_public_holidays_and_the_agreed_days() -> None:
    assert sorted(days_off(2024)) == [D(d) for d in (
        "2024-01-01", "2024-03-28", "2024-03-29", "2024-03-31", "2024-04-01", "2024-05-09", "2024-05-19",
        "2024-05-20", "2024-06-05", "2024-12-24", "2024-12-25", "2024-12-26", "2024-12-31")]


@pytest.mark.parametrize(("start", "on", "months"), [
    ("2024-01-15", "2024-06-14", 4), ("2024-01-15", "2024-06-15", 5),
    ("2025-01-31", "2025-02-27", 0), ("2025-01-31", "2025-02-28", 1),  # clamped to the month's end
    ("2024-01-31", "2024-02-28", 0), ("2024-01-31", "2024-02-29", 1),  # leap year
    ("2024-03-10", "2024-03-01", 0),  # before the start
])
def test_months_employed(start: str, on: str, months: int) -> None:
    assert months_employed(D(start), D(on)) == months


@pytest.mark.parametrize(("start", "notice_given", "months"), [
    ("2024-01-15", "2024-06-14", 1), ("2024-01-15", "2024-06-15", 3),  # 5 months
    ("2020-01-15", "2022-10-14", 3), ("2020-01-15", "2022-10-15", 4),  # 2 years 9 months
    ("2020-01-15", "2025-09-14", 4), ("2020-01-15", "2025-09-15", 5),  # 5 years 8 months
    ("2015-01-15", "2023-08-14", 5), ("2015-01-15", "2023-08-15", 6),  # 8 years 7 months
    ("1990-05-01", "2024-10-08", 6),
])
def test_employer_notice_by_funktionaerloven(start: str, notice_given: str, months: int) -> None:
    assert employer_notice_months(D(start), D(notice_given)) == months


def test_danish_dates_and_months() -> None:
    assert danish_date(D("2026-05-31")) == "31. maj 2026"
    assert danish_date(D("2024-02-01")) == "1. februar 2024"
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29") and add_months(D("2024-11-30"), 3) == D("2025-02-28")
