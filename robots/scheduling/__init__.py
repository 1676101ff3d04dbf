"""Scheduling: processes started by the clock (Copenhagen time, Danish business days) and by queues.

``conf/schedules.toml`` names the schedules (a cron line, or a business-day rule: "the 10th or the
next business day", "day 2 of the ordinary payroll run", "every business day"), the queue triggers
(workers when a queue has at least N new items, at most M at a time per process), the business-day
calendar, the scheduler's own settings and retention. ``robots scheduler`` runs them; any number
may be started, one is active (a lock in the database) and the others stand by.

Parts: :mod:`.calendar` (business days), :mod:`.rules` (when a schedule fires; pure),
:mod:`.config` (the file, checked), :mod:`.lock` (one active scheduler), :mod:`.state` (last fires,
loaded schedules), :mod:`.service` (the scheduler), :mod:`.launch` (one run in its own process).

API for the dashboard::

    from robots.scheduling import load_schedules, overview
    schedules = load_schedules()                     # ConfigError naming file, key and reason
    overview(schedules, backend, count=5)             # each schedule with its next fires and last run
"""

from __future__ import annotations

from .calendar import BusinessCalendar, public_holidays
from .config import QueueTrigger, Schedule, Schedules, load_retention_settings, load_schedules, schedules_path
from .overview import overview
from .rules import CronRule, EveryBusinessDay, MonthDayOrNextBusinessDay, PayrollRunDay, Rule

__all__ = [
    "BusinessCalendar", "CronRule", "EveryBusinessDay", "MonthDayOrNextBusinessDay", "PayrollRunDay", "QueueTrigger",
    "Rule", "Schedule", "Schedules", "load_retention_settings", "load_schedules", "overview", "public_holidays",
    "schedules_path",
]
