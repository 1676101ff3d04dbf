"""Flex wage data: employers (CVR), citizens in flexjob, their income in eIndkomst, previous payments.

The cases are planted in the seed's Thisted shape: ~20 % watch-list candidates, ~23 % hitting
exactly one criterion of RULES.md section 1, the rest simple. Every case is checked against the
simulator's reference calculation (flexcalc.evaluate) and redrawn until it has the planted shape.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import flexcalc, names
from .model import BenefitPayment, Citizen, Employer, IncomeLine
from .util import make_cvr, month_add, month_first, month_last, month_of, round_ore, sub_rng

if TYPE_CHECKING:
    from .generate import People, Population

WATCH_SHARE = 0.20
CRITERIA_SHARE = 0.23
# How the criteria cases are spread (weights).
CRITERIA_MIX: dict[str, int] = {
    "no_income": 18,
    "several_employers": 9,
    "other_employer": 8,
    "non_wage_income": 18,
    "correction": 12,
    "income_deviation": 13,
    "subsidy_change": 6,
    "wage_ceiling": 6,
    "first_payment": 10,
}
MONTHS = 6  # income months held per citizen before the current month


def _employers(pop: Population, rng: random.Random) -> list[Employer]:
    count = max(20, pop.settings.citizens // 6)
    result = [Employer(pop.municipality_cvr, pop.settings.municipality)]
    seen = {pop.municipality_cvr: None}
    while len(result) < count:
        cvr = make_cvr(rng)
        if cvr in seen:
            continue
        seen[cvr] = None
        style = rng.random()
        if style < 0.4:
            name = f"{rng.choice(names.PLACES)} {rng.choice(names.TRADES)} {rng.choice(names.LEGAL)}"
        elif style < 0.7:
            name = f"{rng.choice(names.LAST)} & {rng.choice(names.LAST)} {rng.choice(names.TRADES)} ApS"
        else:
            name = f"{rng.choice(names.LAST)}s {rng.choice(names.TRADES)} {rng.choice(names.LEGAL)}"
        result.append(Employer(cvr, name))
    return result


def _allocate(n: int, rng: random.Random) -> list[tuple[str, bool]]:
    """(shape, watch-list candidate) per citizen in exact proportions, shuffled."""
    n_watch = round(n * WATCH_SHARE)
    n_criteria = round(n * CRITERIA_SHARE)
    total = sum(CRITERIA_MIX.values())
    crit: list[str] = []
    for name, weight in CRITERIA_MIX.items():
        crit += [name] * round(n_criteria * weight / total)
    crit = (crit + ["no_income"] * n_criteria)[:n_criteria]
    shapes = [(c, False) for c in crit]
    mix = list(CRITERIA_MIX)
    for i in range(n_watch):  # watch-list candidates: half simple, half some criterion
        shapes.append(("simple" if i % 2 == 0 else mix[i // 2 % len(mix)], True))
    shapes += [("simple", False)] * (n - len(shapes))
    rng.shuffle(shapes)
    return shapes[:n]


class _Case:
    """One citizen's draw: monthly gross wages and the lines/payments made from them."""

    def __init__(self, pop: Population, rng: random.Random, shape: str, employers: list[Employer]):
        self.pop, self.rng, self.shape, self.employers = pop, rng, shape, employers
        today = pop.settings.today
        self.current = month_add(month_of(today), -1)  # income month M-1
        self.months = [month_add(self.current, -k) for k in range(MONTHS - 1, -1, -1)]
        big = shape == "subsidy_change"
        self.hours = Decimal(rng.randint(26, 32) if big else rng.randint(8, 30))
        self.rate = rng.randint(200_00, 235_00) if big else rng.randint(140_00, 215_00)
        self.own_share = Decimal(rng.choice(("0", "0.04", "0.04", "0.05")))
        self.employer_share = Decimal(rng.choice(("0.08", "0.08", "0.10", "0.12")))
        self.employer = rng.choice(employers)

    def gross(self, factor: float) -> int:
        return round_ore(self.hours * Decimal("4.33") * self.rate * Decimal(str(round(factor, 4))))

    def line(self, seq: int, cpr: str, month: str, gross: int, employer: Employer | None = None,
             period: str | None = None, **extra: int) -> IncomeLine:
        employer = employer or self.employer
        period = period or month
        own = round_ore(gross * self.own_share)
        reported = month_last(month) + timedelta(days=self.rng.randint(1, 7))
        return IncomeLine(
            line_id=f"{cpr[:6]}{cpr[7:]}-{month}-{seq}",
            cpr=cpr,
            cvr=employer.cvr,
            employer_name=employer.name,
            month=month,
            period_start=month_first(period),
            period_end=month_last(period),
            reported_at=reported,
            a_income_ore=gross - own,
            pension_own_ore=own,
            pension_employer_ore=round_ore(gross * self.employer_share),
            hours=(self.hours * Decimal("4.33") * gross / max(1, self.gross(1.0))).quantize(Decimal("0.01")),
            **extra,
        )

    def draw(self, cpr: str) -> tuple[list[IncomeLine], date, int | None]:
        """Income lines, flexjob start and (for wage_ceiling) a forced ceiling."""
        rng, shape, cur = self.rng, self.shape, self.current
        factors = {m: 1 + rng.uniform(-0.04, 0.04) for m in self.months}
        start = date(rng.randint(2012, 2023), rng.randint(1, 12), 1)
        months = self.months
        if shape == "first_payment":
            start, months = month_first(cur), [cur]
        if shape == "income_deviation":
            factors[cur] = rng.choice((rng.uniform(1.27, 1.5), rng.uniform(0.5, 0.73)))
        if shape == "subsidy_change":
            factors[cur] = factors[month_add(cur, -1)] * rng.uniform(1.13, 1.18)
        lines: list[IncomeLine] = []
        for month in months:
            if month == cur and shape == "no_income":
                continue
            gross = self.gross(factors[month])
            extra: dict[str, int] = {}
            employer = self.employer
            if month == cur and shape == "non_wage_income":
                kind = rng.choice(("holiday_pay_ore", "sickness_benefit_ore", "maternity_benefit_ore"))
                part = round_ore(gross * Decimal(str(round(rng.uniform(0.2, 0.6), 3))))
                if kind == "holiday_pay_ore":
                    extra[kind] = part
                else:
                    extra[kind], gross = part, gross - part
            if month == cur and shape == "other_employer":
                employer = rng.choice([e for e in self.employers if e.cvr != self.employer.cvr])
            lines.append(self.line(1, cpr, month, gross, employer, **extra))
            if month == cur and shape == "several_employers":
                second = rng.choice([e for e in self.employers if e.cvr != self.employer.cvr])
                lines.append(self.line(2, cpr, month, round_ore(gross * Decimal(str(round(rng.uniform(0.03, 0.1), 3)))),
                                       second))
            if month == cur and shape == "correction":
                back = month_add(cur, -rng.randint(1, 2))
                amount = rng.choice((1, -1)) * rng.randint(300_00, 1200_00)
                lines.append(self.line(3, cpr, month, amount, period=back))
        return lines, start, None


def _payments(citizen: Citizen, lines: list[IncomeLine], months: list[str], today: date) -> None:
    """Register the subsidy for every month after the first income month, up to the current one."""
    for income_month in months[:-1]:
        pay_month = month_add(income_month, 1)
        current = [ln for ln in lines if ln.month == income_month]
        if not current or month_first(pay_month) > today:
            continue
        income = flexcalc.wage_income(current)
        amount, _ = flexcalc.subsidy(income, int(pay_month[:4]), citizen.wage_ceiling_ore)
        registered = month_first(pay_month) + timedelta(days=9 + len(citizen.payments) % 4)
        citizen.payments.append(BenefitPayment(
            voucher_no=f"B{citizen.case_no[-5:]}{pay_month.replace('-', '')}",
            month=pay_month, income_month=income_month, income_ore=income, subsidy_ore=amount,
            registered_at=min(registered, today - timedelta(days=1)),
        ))


def _ceiling(rng: random.Random, lines: list[IncomeLine], months: list[str], year: int, hit: bool) -> int:
    """A wage ceiling: comfortably above L + subsidy for every month, or just below it now (hit)."""
    totals = []
    for month in months:
        income = flexcalc.wage_income(ln for ln in lines if ln.month == month)
        if income:
            totals.append(income + flexcalc.subsidy(income, year, None)[0])
    if hit:
        return max(totals[-1] - rng.randint(300_00, 2500_00), 100_00) // 100_00 * 100_00
    return (round_ore(Decimal(max(totals)) * Decimal(str(round(rng.uniform(1.08, 1.35), 3)))) // 100_00 + 1) * 100_00


def generate_flex(pop: Population, people: People) -> None:
    """Employers, citizens, income lines, previous payments and the flex truth, into ``pop``."""
    rng = sub_rng(pop.settings.seed, "flex")
    today = pop.settings.today
    pop.employers = _employers(pop, sub_rng(pop.settings.seed, "employers"))
    truth: list[dict[str, Any]] = []
    for i, (shape, watch) in enumerate(_allocate(pop.settings.citizens, rng)):
        person = people.person(rng, today, 25, 64)
        case_no = f"FJ{24000 + i * 3 + rng.randint(0, 2):06d}"
        for _attempt in range(60):
            case = _Case(pop, rng, shape, pop.employers)
            lines, start, _ = case.draw(person["cpr"])
            citizen = Citizen(
                case_no=case_no, cpr=person["cpr"], first_name=person["first_name"],
                last_name=person["last_name"], address=person["address"], postcode=person["postcode"],
                city=person["city"], employer_cvr=case.employer.cvr, employer_name=case.employer.name,
                flexjob_start=start, hours_per_week=case.hours.quantize(Decimal("0.01")), wage_ceiling_ore=0,
            )
            months = [m for m in case.months if any(ln.month == m for ln in lines)]
            citizen.wage_ceiling_ore = _ceiling(rng, lines, months, int(case.current[:4]), shape == "wage_ceiling")
            _payments(citizen, lines, case.months, today)
            result = flexcalc.evaluate(citizen, lines, citizen.payments, case.current)
            wanted = {"simple": [], "several_employers": ["several_employers", "other_employer"]}.get(shape, [shape])
            if result["criteria"] == wanted:
                break
        pop.citizens.append(citizen)
        pop.income.extend(lines)
        truth.append({
            "cpr": citizen.cpr,
            "case_no": citizen.case_no,
            "planted": shape,
            "watch_list_candidate": watch,
            "category": "watch_list" if watch else ("simple" if not result["criteria"] else "criteria"),
            **result,
        })
    pop.truth["flex"] = truth
