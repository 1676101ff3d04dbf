"""When a schedule fires: cron expressions and the payroll year's business-day rules.

Every rule answers one question, ``next_fire(after)``: the first instant strictly after ``after``
at which the schedule fires (an aware UTC-comparable datetime, in Europe/Copenhagen), or None when
it never fires again. All of them are pure: no clock, no I/O, so they are unit-tested on dates.

- :class:`CronRule`: a standard 5-field crontab line (minute hour day month weekday, weekday 0 or 7
  = Sunday, as in crontab(5)), in Copenhagen time. APScheduler's CronTrigger does the matching;
  this class fixes what it does differently from cron: its weekday numbers start at Monday
  (translated here), it would fire a fixed-time job twice when the clocks go back in October
  (the second 02:30 is skipped here, as cron does), and it ANDs a restricted day of month with a
  restricted weekday where cron ORs them (refused here, so nobody gets a surprise).
- :class:`MonthDayOrNextBusinessDay`: "the 10th, or the next business day", at a time of day.
- :class:`PayrollRunDay`: "day 2 of the ordinary payroll run", at a time of day. Day 1 is the run
  date (by default the month's last business day, or N business days before it, or a configured
  list of run dates); day N is the (N-1)-th business day after it.
- :class:`EveryBusinessDay`: every business day at a time of day.

Times of day that do not exist (02:30 on the last Sunday of March) fire at the same distance into
the new offset (03:30 summer time); times that exist twice (02:30 on the last Sunday of October)
fire once, at the first.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from ..timeutil import COPENHAGEN
from .calendar import BusinessCalendar

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MAX_STEPS = 5000  # a rule that finds no date in this many candidates is broken, not slow


def at_local(day: date, at: time) -> datetime:
    """The instant of wall-clock time ``at`` on ``day`` in Copenhagen (see the module docstring)."""
    return datetime.combine(day, at, tzinfo=COPENHAGEN)


def parse_time_of_day(text: str) -> time:
    """'06:00' -> time(6, 0); ValueError naming what is allowed otherwise."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip()) if isinstance(text, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{text!r} is not a time of day as HH:MM (00:00 to 23:59)")
    return time(int(match[1]), int(match[2]))


class Rule(ABC):
    """When a schedule fires."""

    @abstractmethod
    def next_fire(self, after: datetime) -> datetime | None:
        """The first fire strictly after ``after`` (aware; returned in UTC), or None when there is none."""

    @abstractmethod
    def describe(self) -> str:
        """The rule in words, for listings."""

    def next_fires(self, after: datetime, count: int) -> list[datetime]:
        """The next ``count`` fires after ``after``."""
        fires: list[datetime] = []
        current = after
        while len(fires) < count:
            nxt = self.next_fire(current)
            if nxt is None:
                break
            fires.append(nxt)
            current = nxt
        return fires

    def fires_between(self, after: datetime, until: datetime, limit: int = 1000) -> list[datetime]:
        """The fires in (after, until], at most ``limit`` of them (the earliest)."""
        fires: list[datetime] = []
        current = after
        while len(fires) < limit:
            nxt = self.next_fire(current)
            if nxt is None or nxt > until:
                break
            fires.append(nxt)
            current = nxt
        return fires

    def latest_fire(self, after: datetime, until: datetime) -> datetime | None:
        """The last fire in (after, until], or None."""
        last = None
        current = after
        for _ in range(100_000):
            nxt = self.next_fire(current)
            if nxt is None or nxt > until:
                return last
            last = current = nxt
        return last


class DailyRule(Rule):
    """A rule that fires on some dates at one time of day."""

    at: time

    @abstractmethod
    def dates_from(self, start: date) -> Iterator[date]:
        """The fire dates on or after ``start``, in increasing order."""

    def next_fire(self, after: datetime) -> datetime | None:
        after = after.astimezone(UTC)
        local = after.astimezone(COPENHAGEN)
        for steps, day in enumerate(self.dates_from(local.date() - timedelta(days=1))):
            fire = at_local(day, self.at).astimezone(UTC)
            if fire > after:
                return fire
            if steps > _MAX_STEPS:
                break
        return None


@dataclass(frozen=True)
class MonthDayOrNextBusinessDay(DailyRule):
    """The ``day`` of every month (the last day in shorter months), or the next business day."""

    day: int
    at: time
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 31:
            raise ValueError(f"day must be 1 to 31, got {self.day}")

    def dates_from(self, start: date) -> Iterator[date]:
        year, month = _previous_month(start.year, start.month)
        while True:
            nominal = date(year, month, min(self.day, _month_length(year, month)))
            fire = self.calendar.on_or_after(nominal)
            if fire >= start:
                yield fire
            year, month = _next_month(year, month)

    def describe(self) -> str:
        return f"the {_ordinal(self.day)} of the month, or the next business day, {self.at:%H:%M}"


@dataclass(frozen=True)
class PayrollRunDay(DailyRule):
    """Day ``day`` of the ordinary payroll run: day 1 is the run date, day N the (N-1)-th business day after.

    The run date is each month's last business day, ``days_before_month_end`` business days earlier
    (the office's rule), unless ``run_dates`` lists the run dates (then only those are used).
    """

    day: int
    at: time
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    days_before_month_end: int = 0
    run_dates: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        if self.day < 1:
            raise ValueError(f"day of the payroll run must be 1 or more, got {self.day}")
        if self.days_before_month_end < 0:
            raise ValueError("days_before_month_end must be 0 or more")

    def run_date(self, year: int, month: int) -> date:
        """Day 1 of the month's ordinary payroll run, by the office's rule."""
        last = self.calendar.last_business_day(year, month)
        return self.calendar.business_days_before(last, self.days_before_month_end)

    def dates_from(self, start: date) -> Iterator[date]:
        if self.run_dates:
            for run in sorted(self.run_dates):
                fire = self.calendar.add_business_days(run, self.day - 1)
                if fire >= start:
                    yield fire
            return
        year, month = _previous_month(*_previous_month(start.year, start.month))
        while True:
            fire = self.calendar.add_business_days(self.run_date(year, month), self.day - 1)
            if fire >= start:
                yield fire
            year, month = _next_month(year, month)

    def describe(self) -> str:
        if self.run_dates:
            run = f"the listed run dates ({len(self.run_dates)})"
        elif self.days_before_month_end:
            run = f"{self.days_before_month_end} business days before the month's last business day"
        else:
            run = "the month's last business day"
        return f"day {self.day} of the ordinary payroll run (day 1: {run}), {self.at:%H:%M}"


@dataclass(frozen=True)
class EveryBusinessDay(DailyRule):
    """Every business day at ``at``."""

    at: time
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    def dates_from(self, start: date) -> Iterator[date]:
        day = start
        while True:
            day = self.calendar.on_or_after(day)
            yield day
            day += timedelta(days=1)

    def describe(self) -> str:
        return f"every business day, {self.at:%H:%M}"


class CronRule(Rule):
    """A standard crontab expression in Copenhagen time (see the module docstring).

    APScheduler's CronTrigger matches the fields on the wall clock (it runs in UTC here, so no
    daylight-saving rule disturbs it); this class turns wall-clock times into instants.
    """

    def __init__(self, expression: str) -> None:
        self.expression = " ".join(expression.split()) if isinstance(expression, str) else expression
        self.trigger = _cron_trigger(self.expression)
        # cron runs a job whose hour is a wildcard in both repeated hours of October, a fixed-time job once
        self._every_hour = self.expression.split()[1] in ("*",) or self.expression.split()[1].startswith("*/")

    def _next_wall(self, wall: datetime) -> datetime | None:
        """The first matching wall-clock time (naive) strictly after ``wall``."""
        fake = wall.replace(tzinfo=UTC)
        nxt = self.trigger.get_next_fire_time(fake, fake)
        return None if nxt is None else nxt.replace(tzinfo=None)

    def next_fire(self, after: datetime) -> datetime | None:
        after = after.astimezone(UTC)
        local = after.astimezone(COPENHAGEN)
        wall, fold = local.replace(tzinfo=None, fold=0), local.fold
        candidates = []
        if self._every_hour and fold == 0 and _repeated(wall):
            # after lies in the first pass of October's repeated hour: the second pass comes later
            hour_start = wall.replace(minute=0, second=0, microsecond=0)
            second_pass = self._next_wall(hour_start - timedelta(microseconds=1))
            if second_pass is not None and _repeated(second_pass):
                candidates.append(_instant(second_pass, fold=1))
        current = wall
        for _ in range(_MAX_STEPS):
            nxt = self._next_wall(current)
            if nxt is None:
                break
            second = self._every_hour and fold == 1 and _repeated(nxt) and nxt - wall < timedelta(hours=1)
            instant = _instant(nxt, fold=1 if second else 0)
            if instant > after:
                candidates.append(instant)
                break
            current = nxt
        later = [c for c in candidates if c > after]
        return min(later) if later else None

    def describe(self) -> str:
        return f"cron {self.expression!r}"

    def __repr__(self) -> str:
        return f"CronRule({self.expression!r})"


def _instant(wall: datetime, fold: int) -> datetime:
    return wall.replace(tzinfo=COPENHAGEN, fold=fold).astimezone(UTC)


def _repeated(wall: datetime) -> bool:
    """True when the wall-clock time occurs twice (the hour repeated when the clocks go back)."""
    first, second = wall.replace(tzinfo=COPENHAGEN, fold=0), wall.replace(tzinfo=COPENHAGEN, fold=1)
    return first.utcoffset() != second.utcoffset() and _instant(wall, 0) < _instant(wall, 1)


class RuleTrigger(BaseTrigger):
    """A rule as an APScheduler trigger."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = previous_fire_time if previous_fire_time is not None else now - timedelta(microseconds=1)
        return self.rule.next_fire(after)

    def __str__(self) -> str:
        return self.rule.describe()


def cron_weekdays(field_text: str) -> str:
    """A crontab weekday field (0 or 7 = Sunday) in APScheduler 3's terms (names, no numbers)."""
    parts: list[str] = []
    for part in field_text.split(","):
        body, _, step_text = part.partition("/")
        if step_text and not step_text.isdigit():
            raise ValueError(f"weekday {part!r}: the step after / must be a number")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"weekday {part!r}: the step must be at least 1")
        if body == "*":
            if not step_text:
                parts.append("*")
                continue
            first, last = 0, 6
        elif re.fullmatch(r"\d+", body):
            first = int(body)
            last = 6 if step_text else first
        elif re.fullmatch(r"\d+-\d+", body):
            first, last = (int(v) for v in body.split("-"))
        else:  # names (mon-fri): APScheduler reads them as cron does
            parts.append(part)
            continue
        if not (0 <= first <= 7 and 0 <= last <= 7) or first > last:
            raise ValueError(f"weekday {part!r}: use 0-7 (0 and 7 are Sunday) or names, low to high")
        for number in range(first, last + 1, step):
            name = _DAY_NAMES[number % 7]
            if name not in parts:
                parts.append(name)
    return ",".join(parts)


def _cron_trigger(expression: str) -> CronTrigger:
    if not isinstance(expression, str):
        raise ValueError("a cron expression must be text such as \"0 6 * * 1-5\"")
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields (minute hour day month weekday), got {len(fields)}: "
                         f"{expression!r}")
    if fields[2] != "*" and fields[4] != "*":
        raise ValueError("day of month and weekday are both restricted (cron would fire on either, "
                         "which is easy to misread): restrict one, or use a business-day rule")
    try:
        return CronTrigger(minute=fields[0], hour=fields[1], day=fields[2], month=fields[3],
                           day_of_week=cron_weekdays(fields[4]), timezone=UTC)
    except ValueError as exc:
        raise ValueError(f"bad cron expression {expression!r}: {exc}") from None


def _month_length(year: int, month: int) -> int:
    return (date(*_next_month(year, month), 1) - timedelta(days=1)).day


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


__all__ = [
    "CronRule", "DailyRule", "EveryBusinessDay", "MonthDayOrNextBusinessDay", "PayrollRunDay", "Rule",
    "RuleTrigger", "at_local", "cron_weekdays", "parse_time_of_day",
]
