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

from .reasons import REASONS
from .rules import Criteria, YearRates, month_add

QUEUE = "flex_wage.citizens"

# Every manual reason this process gives, with what it means for the caseworker (in Danish). The
# criteria (rules.CRITERIA) come first; the rest are data problems. The framework adds retries_exhausted
# and abandoned (the systems failed the item every time).
MANUAL_REASONS: dict[str, str] = {
    "watch_list": "borgeren står på obslisten: robotten har ikke behandlet sagen",
    "no_income": "der er endnu ikke indberettet indkomst til eIndkomst for måneden",
    "several_employers": "løn fra mere end én arbejdsgiver i måneden",
    "other_employer": "løn fra en anden arbejdsgiver end fleksjobbets registrerede arbejdsgiver",
    "non_wage_income": "feriepenge, sygedagpenge eller barselsdagpenge (eller ferietillæg) i måneden",
    "correction": "en rettelse af en tidligere måned er indberettet i måneden",
    "income_deviation": "månedens løn afviger meget fra gennemsnittet af de foregående måneder",
    "subsidy_change": "tilskuddet ændrer sig for meget fra sidste måned",
    "wage_ceiling": "løn + tilskud overstiger lønloftet: lønloftet nedsætter tilskuddet",
    "first_payment": "første udbetaling: der er ikke registreret tilskud tidligere",
    "rates_missing": "der er ingen satser i conf for udbetalingsmånedens år",
    "income_malformed": "en linje i eIndkomst med et beløb, der ikke er et helt antal øre",
    "income_lookup_refused": "eIndkomst afviste opslaget",
    "citizen_not_found": "sagen findes ikke i ydelsessystemet",
    "citizen_mismatch": "sagen i ydelsessystemet har et andet CPR-nummer end opgaven",
    "cpr_malformed": "ydelsessystemet viser borgerens CPR-nummer i et forkert format",
    "benefits_amount_malformed": "et beløb på borgerkortet i ydelsessystemet kan ikke læses som et beløb",
    "wage_ceiling_missing": "intet lønloft på borgerkortet i ydelsessystemet",
    "registered_differently": "der er allerede registreret et andet beløb for måneden",
    "payment_month_closed": "ydelsessystemet tager ikke imod udbetalinger for måneden",
    "payment_refused": "ydelsessystemet afviste udbetalingen",
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
    reasons=REASONS,
    config_model=Config,
    queues=[
        QueueSpec(QUEUE, description="Citizens in flexjob whose monthly flex wage subsidy is computed",
                  max_attempts=3, lease_seconds=180, backoff_seconds=2, backoff_max_seconds=60),
    ],
    schedule="0 6 10 * *",  # the 10th at 06:00 Europe/Copenhagen: the employers' reporting deadline
)
