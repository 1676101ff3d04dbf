"""conf/schedules.toml: the schedules, queue triggers, business-day calendar, scheduler and retention.

Read and checked as a whole before anything runs: a bad cron expression, an unknown rule, an unknown
process or step, a queue that no step of the process reads, stops the start with one line naming
the file, the key and the reason (:class:`robots.config.ConfigError`). See conf/schedules.toml for
the format, with comments.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import ConfigError, read_toml, validate
from ..paths import conf_dir
from .calendar import DEFAULT_EXTRA_CLOSED_DAYS, BusinessCalendar, parse_month_day
from .rules import CronRule, EveryBusinessDay, MonthDayOrNextBusinessDay, PayrollRunDay, Rule, parse_time_of_day

RuleName = Literal["monthly_day_or_next_business_day", "payroll_run_day", "every_business_day"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarSettings(_Strict):
    extra_closed_days: list[str] = Field(default_factory=lambda: list(DEFAULT_EXTRA_CLOSED_DAYS))

    @field_validator("extra_closed_days")
    @classmethod
    def _month_days(cls, days: list[str]) -> list[str]:
        for day in days:
            parse_month_day(day)
        return days


class PayrollRunSettings(_Strict):
    days_before_month_end: int = Field(0, ge=0, le=20)
    dates: list[date] = Field(default_factory=list)


class SchedulerSettings(_Strict):
    lock_lease_seconds: float = Field(30, ge=1, le=3600)
    heartbeat_seconds: float = Field(5, gt=0, le=600)
    standby_poll_seconds: float = Field(5, gt=0, le=600)
    queue_check_seconds: float = Field(30, gt=0, le=3600)
    max_workers_per_process: int = Field(2, ge=1, le=64)
    seal_interval_seconds: float = Field(60, gt=0, le=86400)

    @model_validator(mode="after")
    def _heartbeat_inside_lease(self) -> SchedulerSettings:
        if self.heartbeat_seconds * 2 > self.lock_lease_seconds:
            raise ValueError(f"heartbeat_seconds ({self.heartbeat_seconds:g}) must be at most half of "
                             f"lock_lease_seconds ({self.lock_lease_seconds:g})")
        return self


class RetentionSettings(_Strict):
    enabled: bool = True
    keep_days: int = Field(395, ge=1, le=36500)
    time: str = "03:00"

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_time_of_day(value)
        return value


class ScheduleEntry(_Strict):
    process: str | None = None
    step: str | None = None
    cron: str | None = None
    rule: RuleName | None = None
    day: int | None = None
    time: str | None = None
    enabled: bool = True
    description: str = ""
    max_items: int | None = Field(None, ge=1)


class QueueTriggerEntry(_Strict):
    process: str | None = None
    queue: str = Field(min_length=1)
    min_items: int = Field(1, ge=1)
    max_workers: int | None = Field(None, ge=1, le=64)
    step: str | None = None
    enabled: bool = True


class SchedulesFile(_Strict):
    calendar: CalendarSettings = CalendarSettings()
    payroll_run: PayrollRunSettings = PayrollRunSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    retention: RetentionSettings = RetentionSettings()
    schedules: dict[str, ScheduleEntry] = Field(default_factory=dict)
    queue_triggers: dict[str, QueueTriggerEntry] = Field(default_factory=dict)


@dataclass(frozen=True)
class Schedule:
    """A process (or one step of it) started by the clock."""

    name: str
    process: str
    rule: Rule
    step: str | None = None
    enabled: bool = True
    description: str = ""
    max_items: int | None = None

    def next_fires(self, after: datetime, count: int = 5) -> list[datetime]:
        return self.rule.next_fires(after, count)


@dataclass(frozen=True)
class QueueTrigger:
    """Workers started when a queue has at least ``min_items`` new items due."""

    name: str
    process: str
    queue: str
    step: str
    min_items: int
    max_workers: int
    enabled: bool = True

    def describe(self) -> str:
        return (f"when {self.queue} has at least {self.min_items} new item(s): workers for step {self.step} "
                f"(at most {self.max_workers} at a time)")


@dataclass(frozen=True)
class Schedules:
    """The whole of conf/schedules.toml, checked."""

    path: Path
    calendar: BusinessCalendar
    scheduler: SchedulerSettings
    retention: RetentionSettings
    schedules: dict[str, Schedule] = field(default_factory=dict)
    triggers: dict[str, QueueTrigger] = field(default_factory=dict)
    sha256: str = ""

    def get(self, name: str) -> Schedule:
        if name not in self.schedules:
            known = ", ".join(self.schedules) or "none"
            raise ConfigError(f"{self.path}: no schedule {name!r} (schedules: {known})")
        return self.schedules[name]


def schedules_path() -> Path:
    return conf_dir() / "schedules.toml"


def load_schedules(path: Path | None = None) -> Schedules:
    """Read and check conf/schedules.toml (every process named in it is loaded and checked)."""
    path = path or schedules_path()
    if not path.exists():
        raise ConfigError(f"{path}: configuration file not found (the scheduler needs it; see conf/schedules.toml "
                          f"in the repository for the format)")
    raw = path.read_bytes()
    data = validate(SchedulesFile, read_toml(path), path)
    calendar = BusinessCalendar(tuple(data.calendar.extra_closed_days))
    for name in data.schedules:
        if name.startswith("_") or not name.strip():
            raise ConfigError(f"{path}: schedules.{name}: a schedule's name may not be empty or start with _ "
                              f"(reserved for the scheduler's own jobs)")
    schedules = {name: _schedule(path, name, entry, calendar, data.payroll_run)
                 for name, entry in data.schedules.items()}
    triggers = {name: _trigger(path, name, entry, data.scheduler.max_workers_per_process)
                for name, entry in data.queue_triggers.items()}
    return Schedules(path=path, calendar=calendar, scheduler=data.scheduler, retention=data.retention,
                     schedules=schedules, triggers=triggers, sha256=hashlib.sha256(raw).hexdigest())


def load_retention_settings(path: Path | None = None) -> RetentionSettings:
    """Only the [retention] table (retention runs by hand even when a process named elsewhere is broken)."""
    path = path or schedules_path()
    if not path.exists():
        return RetentionSettings()
    table = read_toml(path).get("retention", {})
    return validate(RetentionSettings, table if isinstance(table, dict) else {}, path, prefix="retention")


def _schedule(path: Path, name: str, entry: ScheduleEntry, calendar: BusinessCalendar,
              payroll: PayrollRunSettings) -> Schedule:
    key = f"schedules.{name}"
    process_name = entry.process or name
    process = _process(path, f"{key}.process" if entry.process else key, process_name)
    if entry.step:
        _check(path, f"{key}.step", lambda: process.step(entry.step))
    if entry.cron is not None and entry.rule is not None:
        raise ConfigError(f"{path}: {key}: give either cron or rule, not both")
    if entry.rule is None and (entry.day is not None or entry.time is not None):
        raise ConfigError(f"{path}: {key}: day and time belong to a rule (rule = \"...\"); a cron line has its own")
    rule: Rule
    if entry.rule is not None:
        rule = _rule(path, key, entry, calendar, payroll)
    else:
        cron = entry.cron if entry.cron is not None else process.schedule
        if cron is None:
            raise ConfigError(f"{path}: {key}: give cron or rule (process {process_name!r} has no default schedule)")
        where = f"{key}.cron" if entry.cron is not None else f"{key} (the default schedule of {process_name})"
        rule = _check(path, where, lambda: CronRule(cron))
    return Schedule(name=name, process=process_name, rule=rule, step=entry.step, enabled=entry.enabled,
                    description=entry.description, max_items=entry.max_items)


def _rule(path: Path, key: str, entry: ScheduleEntry, calendar: BusinessCalendar,
          payroll: PayrollRunSettings) -> Rule:
    if entry.time is None:
        raise ConfigError(f"{path}: {key}.time: rule {entry.rule!r} needs a time of day, e.g. time = \"06:00\"")
    at = _check(path, f"{key}.time", lambda: parse_time_of_day(entry.time or ""))
    if entry.rule == "every_business_day":
        if entry.day is not None:
            raise ConfigError(f"{path}: {key}.day: rule \"every_business_day\" takes no day")
        return EveryBusinessDay(at=at, calendar=calendar)
    if entry.day is None:
        example = "10" if entry.rule == "monthly_day_or_next_business_day" else "2"
        raise ConfigError(f"{path}: {key}.day: rule {entry.rule!r} needs a day, e.g. day = {example}")
    if entry.rule == "monthly_day_or_next_business_day":
        return _check(path, f"{key}.day", lambda: MonthDayOrNextBusinessDay(day=entry.day or 0, at=at,
                                                                             calendar=calendar))
    return _check(path, f"{key}.day", lambda: PayrollRunDay(
        day=entry.day or 0, at=at, calendar=calendar, days_before_month_end=payroll.days_before_month_end,
        run_dates=tuple(payroll.dates)))


def _trigger(path: Path, name: str, entry: QueueTriggerEntry, default_max_workers: int) -> QueueTrigger:
    key = f"queue_triggers.{name}"
    process_name = entry.process or name
    process = _process(path, f"{key}.process" if entry.process else key, process_name)
    steps = _check(path, f"{key}.process", process.load_steps, broad=True)
    readers = [s.name for s in steps.values() if s.kind == "consumer" and s.queue == entry.queue]
    if entry.step is not None:
        if entry.step not in readers:
            step = _check(path, f"{key}.step", lambda: process.step(entry.step or ""))
            raise ConfigError(f"{path}: {key}.step: step {step.name!r} of {process_name} does not read queue "
                              f"{entry.queue!r} (it reads {step.queue or 'no queue: it is a producer'})")
        step_name = entry.step
    elif len(readers) == 1:
        step_name = readers[0]
    else:
        consumers = {s.name: s.queue for s in steps.values() if s.kind == "consumer"}
        problem = "several steps read it: name one with step" if readers else "no step of the process reads it"
        raise ConfigError(f"{path}: {key}.queue: {entry.queue!r}: {problem} (consumers of {process_name}: "
                          f"{', '.join(f'{k} <- {v}' for k, v in consumers.items()) or 'none'})")
    return QueueTrigger(name=name, process=process_name, queue=entry.queue, step=step_name,
                        min_items=entry.min_items, max_workers=entry.max_workers or default_max_workers,
                        enabled=entry.enabled)


def _process(path: Path, key: str, name: str) -> Any:
    from ..runtime.process import load_process

    return _check(path, key, lambda: load_process(name), broad=True)


def _check(path: Path, key: str, make: Any, broad: bool = False) -> Any:
    """Run ``make``; a ConfigError/ValueError (any error when ``broad``: a process that cannot be
    imported) becomes a ConfigError naming the file and the key."""
    try:
        return make()
    except (ConfigError, ValueError) as exc:
        raise ConfigError(f"{path}: {key}: {exc}") from None
    except Exception as exc:
        if not broad:
            raise
        raise ConfigError(f"{path}: {key}: cannot be loaded: {type(exc).__name__}: {exc}") from None


__all__ = ["QueueTrigger", "RetentionSettings", "Schedule", "SchedulerSettings", "Schedules",
           "load_retention_settings", "load_schedules", "schedules_path"]
