"""Danish business days, as the payroll office counts them.

A business day is Monday to Friday, not a Danish public holiday and not one of the office's extra
closed days. The public holidays come from the ``holidays`` package (``holidays.Denmark``): New
Year's Day, Maundy Thursday, Good Friday, Easter Sunday and Monday, Ascension Day, Whit Sunday and
Monday, Christmas Day and Boxing Day; Great Prayer Day (store bededag) up to and including 2023 only,
as the law abolished it from 2024. Christmas Eve, New Year's Eve and Constitution Day (5 June) are
not public holidays by law, but payroll offices and banks are closed or half-staffed on them, so
they are closed days by default (``[calendar] extra_closed_days`` in conf/schedules.toml).

Everything here is a pure function of the date and the configured extra days: no clock, no I/O.
"""

from __future__ import annotations

import calendar as _months
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

#: Christmas Eve, New Year's Eve, Constitution Day: closed in most payroll offices, not by law.
DEFAULT_EXTRA_CLOSED_DAYS: tuple[str, ...] = ("12-24", "12-31", "06-05")
_EXTRA_NAMES = {(12, 24): "Christmas Eve", (12, 31): "New Year's Eve", (6, 5): "Constitution Day"}
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_WEEKEND = {5: "Saturday", 6: "Sunday"}


@cache
def public_holidays(year: int) -> dict[date, str]:
    """Danish public holidays of one year, {date: English name} (from ``holidays.Denmark``)."""
    return dict(holidays.Denmark(years=year, language="en_US").items())


def parse_month_day(text: str) -> tuple[int, int]:
    """'12-24' -> (12, 24); ValueError naming what is allowed otherwise (29 February is allowed)."""
    match = _MONTH_DAY.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a day of the year as MM-DD (e.g. \"12-24\")")
    month, day = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or not 1 <= day <= _months.monthrange(2024, month)[1]:
        raise ValueError(f"{text!r} is no day of the year (MM-DD, e.g. \"12-24\")")
    return month, day


@dataclass(frozen=True)
class BusinessCalendar:
    """Danish business days with the office's extra closed days (``MM-DD`` strings)."""

    extra_closed_days: tuple[str, ...] = DEFAULT_EXTRA_CLOSED_DAYS

    def __post_init__(self) -> None:
        object.__setattr__(self, "_extra", frozenset(parse_month_day(d) for d in self.extra_closed_days))

    def closed_reason(self, day: date) -> str | None:
        """Why ``day`` is no business day ("Saturday", "Good Friday", ...), or None when it is one."""
        if day.weekday() in _WEEKEND:
            return _WEEKEND[day.weekday()]
        holiday = public_holidays(day.year).get(day)
        if holiday:
            return holiday
        key = (day.month, day.day)
        if key in self._extra:  # type: ignore[attr-defined]
            return f"{_EXTRA_NAMES.get(key, 'closed day')} (extra closed day)"
        return None

    def is_business_day(self, day: date) -> bool:
        return self.closed_reason(day) is None

    def on_or_after(self, day: date) -> date:
        """``day`` when it is a business day, else the next business day."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add_business_days(self, day: date, count: int) -> date:
        """The ``count``-th business day after ``day`` (count 0: ``day`` itself or the next business day)."""
        if count < 0:
            raise ValueError("count must be 0 or more")
        day = self.on_or_after(day)
        for _ in range(count):
            day = self.on_or_after(day + timedelta(days=1))
        return day

    def last_business_day(self, year: int, month: int) -> date:
        """The month's last business day (Danish pay day for monthly pay)."""
        day = date(year, month, _months.monthrange(year, month)[1])
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def business_days_before(self, day: date, count: int) -> date:
        """The business day ``count`` business days before the business day ``day`` (0: ``day``)."""
        for _ in range(count):
            day -= timedelta(days=1)
            while not self.is_business_day(day):
                day -= timedelta(days=1)
        return day


__all__ = ["DEFAULT_EXTRA_CLOSED_DAYS", "BusinessCalendar", "parse_month_day", "public_holidays"]
