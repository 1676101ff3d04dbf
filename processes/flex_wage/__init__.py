"""Flex wage subsidy (fleksløntilskud): the month's subsidy for every citizen in flexjob.

RULES.md section 1; the Thisted story in shared/seeds/002. Around the 10th of each month (the
employers' reporting deadline) the producer queues one item per citizen in flexjob in the
benefits system; the consumer skips citizens on the caseworkers' watch list, reads the month's
income from eIndkomst, applies the municipality's criteria, computes the subsidy with the year's
rates and registers it in the benefits system. Everything else goes to a caseworker with the
reason: ``watch_list``, one code per criterion (rules.CRITERIA), or a data problem
(``rates_missing``, ``income_malformed``, ``citizen_not_found``, ...).
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from robots.queue import QueueSpec
from robots.runtime import Process, ProcessConfig

from .rules import Criteria, YearRates, month_add

QUEUE = "flex_wage.citizens"

# Every manual reason this process gives, with what it means for the caseworker. The criteria
# (rules.CRITERIA) come first; the rest are data problems. The framework adds retries_exhausted
# and abandoned (the systems failed the item every time).
MANUAL_REASONS: dict[str, str] = {
    "watch_list": "on the caseworkers' watch list (obsliste): the robot did not look at the case",
    "no_income": "no income reported to eIndkomst for the month yet",
    "several_employers": "wage from more than one employer in the month",
    "other_employer": "wage from an employer other than the registered flexjob employer",
    "non_wage_income": "holiday pay, sickness or maternity benefit (or ferietillæg) in the month",
    "correction": "a correction to an earlier month reported in the month",
    "income_deviation": "the month's wage is far from the average of the previous months",
    "subsidy_change": "the subsidy changes too much from last month",
    "wage_ceiling": "wage + subsidy above the wage ceiling: the ceiling cut the subsidy",
    "first_payment": "no subsidy registered before: a first payment",
    "rates_missing": "no rates in conf for the payment month's year",
    "income_malformed": "an eIndkomst line with an amount that is no whole number of øre",
    "income_lookup_refused": "eIndkomst refused the look-up",
    "citizen_not_found": "the case is not in the benefits system",
    "citizen_mismatch": "the case in the benefits system has another CPR number than the item",
    "cpr_malformed": "the benefits system lists the citizen with a malformed CPR number",
    "benefits_amount_malformed": "an amount on the benefits card that is no amount",
    "wage_ceiling_missing": "no wage ceiling (lønloft) on the benefits card",
    "registered_differently": "another amount is already registered for the month",
    "payment_month_closed": "the benefits system does not take payments for the month",
    "payment_refused": "the benefits system refused the payment",
}
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class Config(ProcessConfig):
    """conf/processes/flex_wage.toml: the month, the rates per year and the criteria."""

    # The income month M (the subsidy is for M + 1). Empty: the month before the run date.
    income_month: str | None = Field(None, pattern=MONTH_PATTERN)
    # MAX and T per month for each payment year, in kroner, with their source. No year is guessed.
    rates: dict[int, YearRates] = Field(default_factory=dict)
    criteria: Criteria = Criteria()
    # The note written on each payment the robot registers.
    payment_note: str = Field("Fleksløntilskud beregnet af robot", max_length=200)

    def month(self, today: date) -> str:
        """The income month to work: the configured one, or the month before ``today``."""
        return self.income_month or month_add(f"{today:%Y-%m}", -1)


PROCESS = Process(
    "flex_wage", "Flex wage subsidy",
    config_model=Config,
    queues=[
        QueueSpec(QUEUE, description="Citizens in flexjob whose monthly flex wage subsidy is computed",
                  max_attempts=3, lease_seconds=180, backoff_seconds=2, backoff_max_seconds=60),
    ],
    schedule="0 6 10 * *",  # the 10th at 06:00 Europe/Copenhagen: the employers' reporting deadline
)
