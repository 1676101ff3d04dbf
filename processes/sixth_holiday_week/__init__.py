"""Sixth holiday week payout (6. ferieuge, KL area): RULES.md section 3.

Two flows, each a producer and a consumer:

- requests: one item per open payout request in the self-service inbox (reference: the case id).
  The consumer reads the employee card in payroll, checks the request (active, in time, balance,
  not already paid), registers pay element 0620 for hours x the current hourly rate and marks the
  case handled in the inbox with a note;
- leavers (the annual run): one item per employee with a leaving date in payroll (reference:
  employee number and leaving date). The consumer pays the untaken hours of the leaving year and
  the year before with the final pay, and hands over to a caseworker what payroll will not take.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from robots.queue import QueueSpec
from robots.runtime import Process, ProcessConfig

from .reasons import REASONS

REQUESTS = "sixth_holiday_week.requests"
LEAVERS = "sixth_holiday_week.leavers"


class Config(ProcessConfig):
    """conf/processes/sixth_holiday_week.toml: the municipality's deadline, the rate divisor, the leaver search."""

    # Requests must arrive by this day of the holiday year (the year after the earning year).
    request_deadline_month: int = Field(10, ge=1, le=12)
    request_deadline_day: int = Field(1, ge=1, le=31)
    # Hourly rate of the monthly-paid = monthly salary / this (RULES.md section 3: 160.33).
    monthly_hours_divisor: Decimal = Field(Decimal("160.33"), gt=0)
    # The payroll searches that list the whole register for the leavers' run (every name has a vowel).
    leaver_search_terms: list[str] = Field(default_factory=lambda: list("aeiouyæøå"), min_length=1)
    # A card the scan cannot read after its retries becomes an item the consumer reads again (with
    # the queue's own retries); more than this many in one scan and payroll is down: the step fails.
    max_unread_cards: int = Field(20, ge=0)
    # Leavers who left before this day are not the robot's (their final pay was settled by hand before
    # it took over): set it to the go-live day, so the first annual run does not hand years of past
    # leavers to a person. None: every leaver in the register.
    leavers_from: date | None = None


PROCESS = Process(
    "sixth_holiday_week", "Sixth holiday week payout",
    reasons=REASONS,
    config_model=Config,
    queues=[
        QueueSpec(REQUESTS, description="Sixth-week payout requests from the self-service inbox (one per case)",
                  max_attempts=3, lease_seconds=180, backoff_seconds=5, backoff_max_seconds=300),
        QueueSpec(LEAVERS, description="Leavers whose untaken sixth-week hours are paid with the final pay",
                  max_attempts=3, lease_seconds=180, backoff_seconds=5, backoff_max_seconds=300),
    ],
    # Once a year, the day after the default deadline (1 October): Copenhagen runs it yearly.
    schedule="0 6 2 10 *",
)
