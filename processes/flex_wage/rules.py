"""The flex wage subsidy (fleksløntilskud), RULES.md section 1, as pure functions. No I/O.

The subsidy for payment month P is computed from the wage income reported to eIndkomst for the
income month M = P - 1 (LAB § 123, BEK om beregning af og fradrag i fleksløntilskud)::

    L       = A-income + the employee's and the employer's pension + ferietillæg, all employers
    R       = 0.30 × min(L, T) + 0.55 × max(0, L − T)
    subsidy = max(0, MAX − R), rounded half up to whole øre; and L + subsidy ≤ the wage ceiling

MAX and T are the rates of P's year (conf, one table per year, never guessed). The robot takes
only the simple cases: each criterion below is municipal policy (conf: on/off and thresholds) and
a hit sends the case to a caseworker with the criterion as the reason and the facts in a sentence.
Money is integer øre; the reduction R is exact (Decimal, fractions of an øre) until the one
rounding at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from robots.systems.parse import decimal_comma, ore_to_display

LOW_SHARE = Decimal("0.30")  # of the wage up to the threshold T
HIGH_SHARE = Decimal("0.55")  # of the wage above T

# The criteria in the order a case is checked; the first hit names the manual reason.
CRITERIA = ("no_income", "several_employers", "other_employer", "non_wage_income", "correction",
            "income_deviation", "subsidy_change", "wage_ceiling", "first_payment")

NON_WAGE_FIELDS = {  # income-line field -> what a caseworker calls it
    "holiday_pay_ore": "feriepenge",
    "sickness_benefit_ore": "sygedagpenge",
    "maternity_benefit_ore": "barselsdagpenge",
}
HOLIDAY_ALLOWANCE = ("holiday_allowance_ore", "ferietillæg")


def kr(ore: int) -> str:
    """12345678 -> '123.456,78 kr.' (as a caseworker reads an amount)."""
    return f"{ore_to_display(ore)} kr."


def percent(value: Decimal) -> str:
    """Decimal('66.7') -> '66,7 %' (decimal comma, as a caseworker reads a percentage)."""
    return f"{decimal_comma(value, 'f')} %"


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("write kroner as an integer or a quoted decimal (\"19952.00\"), not a float")
    return value


Kroner = Annotated[Decimal, BeforeValidator(_no_float), Field(gt=0, decimal_places=2)]


# -- policy (conf/processes/flex_wage.toml) -------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Switch(_Strict):
    """A criterion without thresholds: on (a hit goes to a caseworker) or off."""

    enabled: bool = True


class NonWageSwitch(Switch):
    """Holiday pay, sickness and maternity benefit in the month; ferietillæg too when set."""

    include_holiday_allowance: bool = True


class DeviationSwitch(Switch):
    """The month's income against the average of the previous ``months`` months."""

    max_percent: Annotated[Decimal, BeforeValidator(_no_float), Field(gt=0, le=100)] = Decimal("20")
    months: int = Field(3, ge=1, le=5)


class ChangeSwitch(Switch):
    """The subsidy against last month's registered subsidy."""

    max_change_kr: Kroner = Decimal("2000")


class Criteria(_Strict):
    """Every criterion of RULES.md section 1 with its default (Thisted's)."""

    no_income: Switch = Switch()
    several_employers: Switch = Switch()
    other_employer: Switch = Switch()
    non_wage_income: NonWageSwitch = NonWageSwitch()
    correction: Switch = Switch()
    income_deviation: DeviationSwitch = DeviationSwitch()
    subsidy_change: ChangeSwitch = ChangeSwitch()
    wage_ceiling: Switch = Switch()
    first_payment: Switch = Switch()

    def enabled(self, code: str) -> bool:
        return bool(getattr(self, code).enabled)


class YearRates(_Strict):
    """MAX and T per month for one year, in kroner, and where they come from."""

    max_per_month: Kroner
    threshold_per_month: Kroner
    source: str = Field(min_length=3)


# -- facts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    year: int
    max_ore: int
    threshold_ore: int
    source: str


def rates_for(year: int, table: dict[int, YearRates]) -> Rates | None:
    """The rates of ``year``, or None: a year without rates is never filled in from another year."""
    found = table.get(year)
    if found is None:
        return None
    return Rates(year, int(found.max_per_month * 100), int(found.threshold_per_month * 100), found.source)


@dataclass(frozen=True)
class IncomeLine:
    """One line of eIndkomst, amounts in øre (corrections may be negative)."""

    line_id: str
    cvr: str
    employer_name: str
    month: str
    period_start: date
    period_end: date
    a_income_ore: int
    pension_own_ore: int = 0
    pension_employer_ore: int = 0
    holiday_pay_ore: int = 0
    holiday_allowance_ore: int = 0
    sickness_benefit_ore: int = 0
    maternity_benefit_ore: int = 0

    @property
    def wage_ore(self) -> int:
        """This line's part of L: A-income + both pension contributions + ferietillæg."""
        return self.a_income_ore + self.pension_own_ore + self.pension_employer_ore + self.holiday_allowance_ore

    def to_dict(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values["period_start"], values["period_end"] = self.period_start.isoformat(), self.period_end.isoformat()
        return {**values, "wage_ore": self.wage_ore}


@dataclass(frozen=True)
class Payment:
    """A subsidy registered in the benefits system (a row of the card's "Udbetalinger")."""

    month: str
    income_month: str
    income_ore: int
    subsidy_ore: int
    voucher_no: str

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class CaseFacts:
    """What the robot knows about one citizen for one income month."""

    case_no: str
    income_month: str
    employer_cvr: str
    employer_name: str
    wage_ceiling_ore: int
    lines: Sequence[IncomeLine]  # the income month and the months before it
    payments: Sequence[Payment]  # every payment on the card

    @property
    def payment_month(self) -> str:
        return month_add(self.income_month, 1)

    def month_lines(self, month: str) -> list[IncomeLine]:
        return [line for line in self.lines if line.month == month]


@dataclass(frozen=True)
class Calculation:
    """Every step from L to the subsidy, in øre (R exact, the subsidy rounded half up once)."""

    income_ore: int
    rates: Rates
    reduction_low: Decimal  # 0.30 × min(L, T)
    reduction_high: Decimal  # 0.55 × max(0, L − T)
    subsidy_before_ceiling_ore: int
    wage_ceiling_ore: int | None
    subsidy_ore: int
    ceiling_hit: bool

    @property
    def reduction(self) -> Decimal:
        return self.reduction_low + self.reduction_high

    def to_dict(self) -> dict[str, Any]:
        return {
            "income_ore": self.income_ore,
            "max_ore": self.rates.max_ore,
            "threshold_ore": self.rates.threshold_ore,
            "reduction_low_ore": str(self.reduction_low),
            "reduction_high_ore": str(self.reduction_high),
            "reduction_ore": str(self.reduction),
            "subsidy_before_ceiling_ore": self.subsidy_before_ceiling_ore,
            "wage_ceiling_ore": self.wage_ceiling_ore,
            "ceiling_room_ore": None if self.wage_ceiling_ore is None else self.wage_ceiling_ore - self.income_ore,
            "ceiling_hit": self.ceiling_hit,
            "subsidy_ore": self.subsidy_ore,
        }


@dataclass(frozen=True)
class Hit:
    code: str
    reason: str  # a sentence a caseworker understands (in Danish), with the facts


@dataclass(frozen=True)
class Assessment:
    calculation: Calculation
    hits: list[Hit]
    # criterion -> hit | ok | off | off (would have hit) | not applicable: why. The status words are
    # tokens the desk reads and shows in Danish (robots/web/case_views.py); "why" is Danish already.
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def simple(self) -> bool:
        return not self.hits


# -- the calculation -------------------------------------------------------------------------------


def month_add(month: str, n: int) -> str:
    """'2024-09' + 1 -> '2024-10' (åååå-mm)."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def wage_income(lines: Iterable[IncomeLine]) -> int:
    """L: the wage of the month from every employer (pension contributions and ferietillæg included)."""
    return sum(line.wage_ore for line in lines)


def round_ore(value: Decimal) -> int:
    """Half up to a whole øre (RULES.md: once, at the end)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def subsidy(income_ore: int, rates: Rates, wage_ceiling_ore: int | None) -> Calculation:
    """The month's subsidy for wage income L = ``income_ore``, capped by the position's wage ceiling."""
    low = LOW_SHARE * min(income_ore, rates.threshold_ore)
    high = HIGH_SHARE * max(0, income_ore - rates.threshold_ore)
    before = max(0, round_ore(Decimal(rates.max_ore) - low - high))
    amount, hit = before, False
    if wage_ceiling_ore is not None and income_ore + before > wage_ceiling_ore:
        amount, hit = max(0, wage_ceiling_ore - income_ore), True
    return Calculation(income_ore, rates, low, high, before, wage_ceiling_ore, amount, hit)


# -- the criteria ----------------------------------------------------------------------------------

_COUNT = {2: "to", 3: "tre", 4: "fire", 5: "fem"}
NOT_APPLICABLE = "not applicable: "  # a status token (see Assessment.checks), followed by the Danish why


def _employer(line: IncomeLine) -> str:
    return f"{line.employer_name} (CVR {line.cvr})"


def _period(line: IncomeLine) -> str:
    return f"{line.period_start:%d.%m.%Y}-{line.period_end:%d.%m.%Y}"


def _employers(facts: CaseFacts, current: list[IncomeLine]) -> tuple[Hit | None, Hit | None]:
    by_cvr: dict[str, list[IncomeLine]] = {}
    for line in current:
        by_cvr.setdefault(line.cvr, []).append(line)
    month = facts.income_month
    several = None
    if len(by_cvr) > 1:
        parts = [f"{_employer(lines[0])} {kr(wage_income(lines))}" for lines in by_cvr.values()]
        several = Hit("several_employers", f"{_COUNT.get(len(by_cvr), str(len(by_cvr)))} arbejdsgivere har "
                                           f"indberettet løn for {month}: {', '.join(parts)}")
    others = [lines[0] for cvr, lines in by_cvr.items() if cvr != facts.employer_cvr]
    other = None
    if others:
        names = ", ".join(_employer(line) for line in others)
        other = Hit("other_employer", f"løn for {month} er indberettet af {names}, der ikke er fleksjobbets "
                                      f"registrerede arbejdsgiver, {facts.employer_name} (CVR {facts.employer_cvr})")
    return several, other


def _non_wage(facts: CaseFacts, current: list[IncomeLine], setting: NonWageSwitch) -> Hit | None:
    fields = dict(NON_WAGE_FIELDS)
    if setting.include_holiday_allowance:
        fields[HOLIDAY_ALLOWANCE[0]] = HOLIDAY_ALLOWANCE[1]
    found = [f"{label} {kr(getattr(line, name))} fra {line.employer_name}"
             for line in current for name, label in fields.items() if getattr(line, name)]
    if not found:
        return None
    return Hit("non_wage_income", f"der er indberettet andre ydelser end løn for {facts.income_month}: "
                                  f"{'; '.join(found)}")


def _corrections(facts: CaseFacts, current: list[IncomeLine]) -> Hit | None:
    first_day = date(int(facts.income_month[:4]), int(facts.income_month[5:7]), 1)
    earlier = [line for line in current if line.period_end < first_day]
    if not earlier:
        return None
    parts = [f"lønperiode {_period(line)}, {kr(line.wage_ore)} fra {line.employer_name} (linje {line.line_id})"
             for line in earlier]
    return Hit("correction", f"indberetningen for {facts.income_month} indeholder en rettelse af en tidligere "
                             f"måned: {'; '.join(parts)}")


def _deviation(facts: CaseFacts, income: int, setting: DeviationSwitch) -> tuple[Hit | None, str]:
    months = [month_add(facts.income_month, -k) for k in range(setting.months, 0, -1)]
    previous = {month: wage_income(facts.month_lines(month)) for month in months}
    if not all(previous.values()):
        missing = ", ".join(m for m, v in previous.items() if not v)
        return None, (f"{NOT_APPLICABLE}ingen indkomst for {missing}, så der kan ikke beregnes et gennemsnit af "
                      f"de foregående {setting.months} måneder")
    total = sum(previous.values())
    n = len(months)
    # |L - avg| > max% × avg  <=>  |n·L - total| × 100 > max% × total   (exact, no division)
    if abs(n * income - total) * 100 <= setting.max_percent * total:
        return None, "ok"
    average = Decimal(total) / n
    off_by = (abs(Decimal(income) - average) * 100 / average).quantize(Decimal("0.1"))
    direction = "over" if income > average else "under"
    history = ", ".join(f"{m}: {kr(v)}" for m, v in previous.items())
    return Hit("income_deviation", f"lønnen for {facts.income_month}, {kr(income)}, ligger {percent(off_by)} "
                                   f"{direction} gennemsnittet af de foregående {n} måneder, "
                                   f"{kr(round_ore(average))} ({history}); grænsen er "
                                   f"{percent(setting.max_percent)}"), "hit"


def _change(facts: CaseFacts, amount: int, setting: ChangeSwitch) -> tuple[Hit | None, str]:
    last_month = month_add(facts.payment_month, -1)
    last = next((p for p in facts.payments if p.month == last_month), None)
    if last is None:
        return None, f"{NOT_APPLICABLE}intet tilskud registreret for {last_month}"
    limit = int(setting.max_change_kr * 100)
    change = amount - last.subsidy_ore
    if abs(change) <= limit:
        return None, "ok"
    direction = "stiger" if change > 0 else "falder"
    return Hit("subsidy_change", f"tilskuddet {direction} med {kr(abs(change))}: {kr(last.subsidy_ore)} for "
                                 f"{last_month} (bilag {last.voucher_no}), {kr(amount)} for {facts.payment_month}; "
                                 f"grænsen er {kr(limit)}"), "hit"


def assess(facts: CaseFacts, rates: Rates, criteria: Criteria) -> Assessment:
    """The calculation and every criterion the case hits (in CRITERIA order; off criteria never hit)."""
    current = facts.month_lines(facts.income_month)
    income = wage_income(current)
    calc = subsidy(income, rates, facts.wage_ceiling_ore)
    found: dict[str, Hit | None] = dict.fromkeys(CRITERIA)
    notes: dict[str, str] = {}
    if not current:
        found["no_income"] = Hit("no_income", f"der er endnu ikke indberettet indkomst til eIndkomst for "
                                              f"{facts.income_month} (arbejdsgivernes frist er den 10. i måneden)")
        for code in CRITERIA[1:-1]:
            notes[code] = f"{NOT_APPLICABLE}ingen indkomst for {facts.income_month}"
    else:
        found["several_employers"], found["other_employer"] = _employers(facts, current)
        found["non_wage_income"] = _non_wage(facts, current, criteria.non_wage_income)
        found["correction"] = _corrections(facts, current)
        found["income_deviation"], notes["income_deviation"] = _deviation(facts, income, criteria.income_deviation)
        found["subsidy_change"], notes["subsidy_change"] = _change(facts, calc.subsidy_ore, criteria.subsidy_change)
        if calc.ceiling_hit:
            found["wage_ceiling"] = Hit("wage_ceiling", f"lønnen {kr(income)} plus tilskuddet "
                                                        f"{kr(calc.subsidy_before_ceiling_ore)} overstiger stillingens "
                                                        f"lønloft, {kr(facts.wage_ceiling_ore)}: lønloftet nedsætter "
                                                        f"tilskuddet til {kr(calc.subsidy_ore)}")
    if not any(p.month < facts.payment_month for p in facts.payments):
        found["first_payment"] = Hit("first_payment", f"første udbetaling: der er ikke registreret tilskud før "
                                                      f"{facts.payment_month}")
    hits: list[Hit] = []
    checks: dict[str, str] = {}
    for code in CRITERIA:
        hit = found[code]
        if not criteria.enabled(code):
            checks[code] = "off" + (" (would have hit)" if hit else "")
        elif hit is not None:
            hits.append(hit)
            checks[code] = "hit"
        else:
            checks[code] = notes.get(code) or "ok"
    return Assessment(calc, hits, checks)


def manual_reason(hits: Sequence[Hit]) -> tuple[str, str]:
    """The manual reason (the first criterion hit) and the sentence for the caseworker (all hits).

    The other hits follow "Desuden:" each as a sentence of its own (their reasons may hold a ";");
    their codes are not repeated: the desk shows every criterion's result next to the sentence.
    """
    first, *others = hits
    sentence = _sentence(first.reason)
    if others:
        sentence += " Desuden: " + " ".join(_sentence(h.reason) for h in others)
    return first.code, sentence


def _sentence(text: str) -> str:
    return _full_stop(text[:1].upper() + text[1:])


def _full_stop(text: str) -> str:
    return text if text.endswith(".") else text + "."
