"""The simulator's own reference calculation of the flex wage subsidy (RULES.md section 1).

Used to generate consistent previous payments and the ground truth of the flex wage cases. The
robot has its own implementation in processes/flex_wage/rules.py; this one only makes the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .model import BenefitPayment, Citizen, IncomeLine
from .util import month_add, month_first, round_ore

# year -> (MAX per month, T per month) in øre
RATES: dict[int, tuple[int, int]] = {2022: (1_896_400, 1_540_100), 2024: (1_995_200, 1_632_300)}
CHANGE_LIMIT_ORE = 200_000
DEVIATION_LIMIT = Decimal("0.20")

CRITERIA = (
    "no_income",
    "several_employers",
    "other_employer",
    "non_wage_income",
    "correction",
    "income_deviation",
    "subsidy_change",
    "wage_ceiling",
    "first_payment",
)


def rates(year: int) -> tuple[int, int]:
    """MAX and T for ``year`` in øre; the nearest earlier year with rates (simulator data only)."""
    known = sorted(RATES)
    usable = [y for y in known if y <= year] or known[:1]
    return RATES[usable[-1]]


def wage_income(lines: Iterable[IncomeLine]) -> int:
    """L in øre: A-income + the employee's and the employer's pension + ferietillæg."""
    return sum(
        ln.a_income_ore + ln.pension_own_ore + ln.pension_employer_ore + ln.holiday_allowance_ore
        for ln in lines
    )


def subsidy(income_ore: int, year: int, ceiling_ore: int | None) -> tuple[int, bool]:
    """(subsidy in øre, whether the wage ceiling cut it) for the month's income L."""
    max_ore, t_ore = rates(year)
    reduction = Decimal("0.30") * min(income_ore, t_ore) + Decimal("0.55") * max(0, income_ore - t_ore)
    amount = max(0, round_ore(Decimal(max_ore) - reduction))
    if ceiling_ore is not None and income_ore + amount > ceiling_ore:
        return max(0, ceiling_ore - income_ore), True
    return amount, False


def evaluate(
    citizen: Citizen, lines: list[IncomeLine], payments: list[BenefitPayment], income_month: str
) -> dict[str, object]:
    """Which criteria of RULES.md section 1 the case hits for ``income_month``, with L and the subsidy."""
    hits: list[str] = []
    current = [ln for ln in lines if ln.month == income_month]
    pay_month = month_add(income_month, 1)
    if not current:
        hits.append("no_income")
    cvrs = sorted({ln.cvr for ln in current})
    if len(cvrs) > 1:
        hits.append("several_employers")
    if any(c != citizen.employer_cvr for c in cvrs):
        hits.append("other_employer")
    if any(
        ln.holiday_pay_ore or ln.holiday_allowance_ore or ln.sickness_benefit_ore or ln.maternity_benefit_ore
        for ln in current
    ):
        hits.append("non_wage_income")
    if any(ln.period_end < month_first(income_month) for ln in current):
        hits.append("correction")
    income = wage_income(current)
    previous = [wage_income(ln for ln in lines if ln.month == month_add(income_month, -k)) for k in (1, 2, 3)]
    if current and all(previous):
        average = Decimal(sum(previous)) / 3
        if abs(Decimal(income) - average) > DEVIATION_LIMIT * average:
            hits.append("income_deviation")
    amount, capped = subsidy(income, int(pay_month[:4]), citizen.wage_ceiling_ore)
    before = [p for p in payments if p.month < pay_month]
    last = next((p for p in before if p.month == month_add(pay_month, -1)), None)
    if current and last is not None and abs(amount - last.subsidy_ore) > CHANGE_LIMIT_ORE:
        hits.append("subsidy_change")
    if current and capped:
        hits.append("wage_ceiling")
    if not before:
        hits.append("first_payment")
    return {
        "income_month": income_month,
        "payment_month": pay_month,
        "income_ore": income,
        "subsidy_ore": amount if current else None,
        "ceiling_hit": capped,
        "criteria": hits,
    }
