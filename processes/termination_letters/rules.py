"""The decisions of the termination-letters process, as pure functions. No I/O.

RULES.md section 4: an employee who resigns gives one month's notice to the end of a month
(received 14 April -> leaving 31 May); a civil servant (tjenestemand) three months. A requested
date earlier than that needs the manager's agreement, so a person decides it. A later date is
the employee's choice and is accepted. The employer's notice (funktionærloven § 2) is computed
for reference only: it does not decide an employee's own resignation.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from robots.timeutil import COPENHAGEN

MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
             "november", "december")

# Funktionærloven § 2: employment shorter than (months) -> the employer's notice (months), to a month's end.
EMPLOYER_NOTICE = ((5, 1), (2 * 12 + 9, 3), (5 * 12 + 8, 4), (8 * 12 + 7, 5))
EMPLOYER_NOTICE_LONGEST = 6


# -- dates ------------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on, clamped to the month's last day (31 Jan + 1 -> 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_end(day: date) -> date:
    """The last day of ``day``'s month (29 February in a leap year)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def danish_date(day: date) -> str:
    """'31. maj 2026': a date as a Danish letter writes it (no leading zero, month in lower case)."""
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"


def danish_month(day: date) -> str:
    """'maj 2026': the month a date falls in, as a Danish letter writes it."""
    return f"{MONTHS_DA[day.month - 1]} {day.year}"


def received_on(received_at: datetime) -> date:
    """The day a case was received, in Copenhagen: what the notice runs from (naive = Copenhagen time)."""
    if received_at.tzinfo is None:
        return received_at.date()
    return received_at.astimezone(COPENHAGEN).date()


def easter_sunday(year: int) -> date:
    """Easter Sunday (Gregorian calendar, the anonymous algorithm): the moving Danish holidays hang on it."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    lam = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * lam) // 451
    month, day = divmod(h + lam - 7 * m + 114, 31)
    return date(year, month, day + 1)


def days_off(year: int) -> set[date]:
    """Days a municipal employee does not work besides weekends.

    The public holidays (helligdage: nytårsdag, skærtorsdag, langfredag, påskedag, 2. påskedag,
    store bededag until 2023, Kristi himmelfartsdag, pinsedag, 2. pinsedag, juledag, 2. juledag)
    and the days off by the municipal agreements: grundlovsdag (5 June), juleaftensdag (24
    December) and nytårsaftensdag (31 December).
    """
    easter = easter_sunday(year)
    moving = [-3, -2, 0, 1, 39, 49, 50] + ([26] if year <= 2023 else [])
    fixed = [(1, 1), (6, 5), (12, 24), (12, 25), (12, 26), (12, 31)]
    return {easter + timedelta(days=n) for n in moving} | {date(year, m, d) for m, d in fixed}


def last_working_day(leaving: date) -> date:
    """The last weekday on or before the leaving date that is not a day off (30 Nov 2024, a Saturday -> 29 Nov).

    The employee is employed (and paid) to the leaving date; this is the day they last come to work,
    which the letter names for handing back equipment and which payroll records.
    """
    day = leaving
    while day.weekday() >= 5 or day in days_off(day.year):
        day -= timedelta(days=1)
    return day


# -- notice ---------------------------------------------------------------------------------------------


def earliest_leaving_date(received: date, civil_servant: bool, notice_months: int = 1,
                          civil_servant_notice_months: int = 3) -> date:
    """The earliest date an employee who resigns on ``received`` may leave: the notice to the end of a month.

    Notice to the end of a month means the notice runs from the end of the month it was received
    in: received any day in April -> 31 May (one month), 31 July (three months, civil servants).
    """
    months = civil_servant_notice_months if civil_servant else notice_months
    return month_end(add_months(received.replace(day=1), months))


def months_employed(start: date, on: date) -> int:
    """Whole calendar months from ``start`` to ``on`` (31 Jan -> 28 Feb counts one month)."""
    months = max(0, (on.year - start.year) * 12 + on.month - start.month + 1)
    while months > 0 and add_months(start, months) > on:
        months -= 1
    return months


def employer_notice_months(start: date, notice_given: date) -> int:
    """The employer's notice under funktionærloven § 2 (for reference: it does not decide a resignation).

    Under 5 months' employment 1 month; under 2 y 9 m 3 months; under 5 y 8 m 4 months; under
    8 y 7 m 5 months; after that 6 months, each to the end of a month.
    """
    employed = months_employed(start, notice_given)
    for shorter_than, notice in EMPLOYER_NOTICE:
        if employed < shorter_than:
            return notice
    return EMPLOYER_NOTICE_LONGEST


# -- the decision ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResignationFacts:
    """One resignation case and what payroll says about the employee."""

    case_id: str
    employee_no: str
    received: date
    requested: date | None
    civil_servant: bool
    active: bool
    start_date: date
    registered_leaving: date | None  # payroll's Fratrædelsesdato, when one is registered
    manager_agreed: bool = False  # a caseworker got the manager's agreement to an earlier date


@dataclass(frozen=True)
class Manual:
    """A person must decide: ``code`` names the rule, ``reason`` is a sentence (Danish) with the facts."""

    code: str
    reason: str
    earliest: date | None = None


@dataclass(frozen=True)
class Plan:
    """The robot goes ahead: the leaving date to register (or found registered) and the last working day."""

    earliest: date
    leaving: date
    last_working_day: date
    already_registered: bool = False


def decide(facts: ResignationFacts, notice_months: int = 1, civil_servant_notice_months: int = 3) -> Plan | Manual:
    """What happens to one resignation: register the requested date, record it as registered, or a person."""
    who = f"Medarbejder {facts.employee_no}"
    if not facts.active:
        left = f" (fratrædelsesdato {danish_date(facts.registered_leaving)})" if facts.registered_leaving else ""
        return Manual("employee_left",
                      f"{who} er fratrådt i lønsystemet{left}; opsigelsen i sag {facts.case_id} kan ikke "
                      "registreres.")
    if facts.requested is None:
        return Manual("requested_date_missing",
                      f"Sag {facts.case_id} ({who}) har ingen gyldig ønsket fratrædelsesdato.")
    earliest = earliest_leaving_date(facts.received, facts.civil_servant, notice_months,
                                     civil_servant_notice_months)
    requested = facts.requested
    if requested < earliest and not facts.manager_agreed:
        months = civil_servant_notice_months if facts.civil_servant else notice_months
        who_notice = "tjenestemand, " if facts.civil_servant else ""
        unit = "måneds" if months == 1 else "måneders"
        return Manual("early_date",
                      f"{who} ønsker at fratræde {danish_date(requested)}, men den tidligst mulige "
                      f"fratrædelsesdato er {danish_date(earliest)} ({who_notice}{months} {unit} varsel til "
                      f"udgangen af en måned; opsigelsen er modtaget {danish_date(facts.received)}). "
                      "En tidligere fratræden kræver lederens accept.", earliest=earliest)
    if requested < facts.start_date:
        return Manual("before_start",
                      f"{who} ønsker at fratræde {danish_date(requested)}, før ansættelsesdatoen "
                      f"{danish_date(facts.start_date)}.", earliest=earliest)
    last_day = last_working_day(requested)
    if last_day < facts.start_date:
        last_day = requested
    if facts.registered_leaving == requested:
        return Plan(earliest, requested, last_day, already_registered=True)
    if facts.registered_leaving is not None:
        return Manual("other_leaving_date",
                      f"{who} har allerede fratrædelsesdato {danish_date(facts.registered_leaving)} i "
                      f"lønsystemet, men ønsker i sag {facts.case_id} at fratræde {danish_date(requested)}.",
                        earliest=earliest)
    return Plan(earliest, requested, last_day)


__all__ = [
    "Manual", "Plan", "ResignationFacts", "add_months", "danish_date", "danish_month", "days_off", "decide",
    "earliest_leaving_date", "easter_sunday", "employer_notice_months", "last_working_day", "month_end",
    "months_employed", "received_on",
]
