"""The flex wage rules on hand-checked cases: RULES.md's worked examples, rounding, the wage ceiling,
and every criterion at its threshold and just past it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from processes.flex_wage import MANUAL_REASONS, Config
from processes.flex_wage.rules import (
    CRITERIA,
    CaseFacts,
    Criteria,
    IncomeLine,
    Payment,
    Rates,
    assess,
    manual_reason,
    month_add,
    rates_for,
    subsidy,
    wage_income,
)
from robots.config import read_toml

RATES_2024 = Rates(2024, 1_995_200, 1_632_300, "test")
RATES_2022 = Rates(2022, 1_896_400, 1_540_100, "test")
ROOT = Path(__file__).resolve().parents[3]
CVR, OTHER_CVR = "12345674", "87654321"


# -- the calculation -------------------------------------------------------------------------------


@pytest.mark.parametrize(("income_kr", "expected_ore"), [
    ("12000", 1_635_200),  # RULES.md: L = 12 000 -> 16 352.00
    ("20000", 1_303_275),  # RULES.md: L = 20 000 -> 13 032.75
    ("16323", 1_505_510),  # at T: 19 952 - 0.30 x 16 323 = 15 055.10
    ("43695", 50),  # RULES.md: the subsidy reaches 0 at L ~ 43 696 ...
    ("43696", 0),  # ... and stays 0 above it
    ("60000", 0),
    ("0", 1_995_200),
])
def test_worked_examples_at_2024_rates(income_kr: str, expected_ore: int) -> None:
    calc = subsidy(int(Decimal(income_kr) * 100), RATES_2024, None)
    assert calc.subsidy_ore == expected_ore
    assert not calc.ceiling_hit


def test_the_steps_are_kept_exact_until_the_one_rounding() -> None:
    calc = subsidy(2_000_000, RATES_2024, None)
    assert calc.reduction_low == Decimal("489690.00")  # 0.30 x 16 323 kr.
    assert calc.reduction_high == Decimal("202235.00")  # 0.55 x (20 000 - 16 323) kr.
    assert calc.to_dict()["reduction_ore"] == "691925.00"
    assert calc.subsidy_before_ceiling_ore == calc.subsidy_ore == 1_303_275


def test_rounding_is_half_up_on_the_result() -> None:
    # L = T + 10 øre: R = 489 690 + 5.5 øre, MAX - R = 1 505 504.5 -> 1 505 505 (half up)
    assert subsidy(1_632_310, RATES_2024, None).subsidy_ore == 1_505_505
    # L = 5 øre: R = 1.5 øre, MAX - R = 1 995 198.5 -> 1 995 199
    assert subsidy(5, RATES_2024, None).subsidy_ore == 1_995_199
    # L = T + 1 øre: R = 489 690.55, MAX - R = 1 505 509.45 -> 1 505 509
    assert subsidy(1_632_301, RATES_2024, None).subsidy_ore == 1_505_509


def test_rates_of_2022() -> None:
    assert subsidy(1_200_000, RATES_2022, None).subsidy_ore == 1_536_400  # 18 964 - 3 600


@pytest.mark.parametrize(("ceiling_ore", "expected_ore", "hit"), [
    (3_303_275, 1_303_275, False),  # L + subsidy exactly at the ceiling: nothing cut
    (3_303_274, 1_303_274, True),  # one øre below: the ceiling cuts the subsidy
    (3_000_000, 1_000_000, True),
    (1_900_000, 0, True),  # the ceiling is below the wage itself: nothing
])
def test_the_wage_ceiling_cuts_the_subsidy(ceiling_ore: int, expected_ore: int, hit: bool) -> None:
    calc = subsidy(2_000_000, RATES_2024, ceiling_ore)
    assert (calc.subsidy_ore, calc.ceiling_hit, calc.subsidy_before_ceiling_ore) == (expected_ore, hit, 1_303_275)


def test_a_year_without_rates_is_not_filled_in_from_another() -> None:
    table = Config.model_validate(read_toml(ROOT / "conf/processes/flex_wage.toml")).rates
    assert rates_for(2024, table) == Rates(2024, 1_995_200, 1_632_300, table[2024].source)
    assert rates_for(2022, table) == Rates(2022, 1_896_400, 1_540_100, table[2022].source)
    assert rates_for(2025, table) is None and rates_for(2023, table) is None


def test_months() -> None:
    assert month_add("2024-09", 1) == "2024-10"
    assert month_add("2024-12", 1) == "2025-01"
    assert month_add("2024-01", -3) == "2023-10"
    assert Config().month(date(2024, 10, 8)) == "2024-09"
    assert Config().month(date(2025, 1, 10)) == "2024-12"
    assert Config(income_month="2024-05").month(date(2026, 11, 10)) == "2024-05"


# -- configuration ---------------------------------------------------------------------------------


def test_the_conf_file_is_the_process_default_and_valid() -> None:
    conf = (ROOT / "conf/processes/flex_wage.toml").read_text(encoding="utf-8")
    assert conf == (ROOT / "processes/flex_wage/config.toml").read_text(encoding="utf-8")
    config = Config.model_validate(read_toml(ROOT / "conf/processes/flex_wage.toml"))
    assert config.criteria == Criteria()  # the file states Thisted's defaults
    assert all(r.source for r in config.rates.values())


@pytest.mark.parametrize("bad", [
    {"rates": {"2024": {"max_per_month": 19952.5, "threshold_per_month": 16323, "source": "x guidance"}}},
    {"rates": {"2024": {"max_per_month": 19952, "threshold_per_month": 16323}}},  # no source
    {"rates": {"2024": {"max_per_month": "19952.001", "threshold_per_month": 16323, "source": "guidance"}}},
    {"income_month": "2024-13"},
    {"criteria": {"income_deviation": {"max_percent": 0}}},
    {"criteria": {"no_such_criterion": {"enabled": False}}},
])
def test_bad_configuration_is_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        Config.model_validate(bad)


# -- the criteria ----------------------------------------------------------------------------------


def line(month: str, wage_ore: int, *, cvr: str = CVR, period: str | None = None, seq: int = 1,
         **extra: int) -> IncomeLine:
    period = period or month
    start = date(int(period[:4]), int(period[5:]), 1)
    end = date(int(month_add(period, 1)[:4]), int(month_add(period, 1)[5:]), 1) - timedelta(days=1)
    # wage split like a payslip: own pension 4 %, employer pension 8 % (of the A-income + own)
    own = wage_ore * 4 // 100
    employer = wage_ore * 8 // 100
    return IncomeLine(f"L-{month}-{seq}", cvr, "Thy Tømrer ApS" if cvr == CVR else "Mors VVS A/S", month, start, end,
                      a_income_ore=wage_ore - own - employer, pension_own_ore=own, pension_employer_ore=employer,
                      **extra)


def paid(month: str, subsidy_ore: int) -> Payment:
    return Payment(month, month_add(month, -1), 0, subsidy_ore, f"B{month.replace('-', '')}")


def facts(current: list[IncomeLine] | None = None, previous: tuple[int, int, int] = (1_200_000,) * 3,
          payments: list[Payment] | None = None, ceiling: int = 5_000_000) -> CaseFacts:
    lines = [line(m, w) for m, w in zip(("2024-06", "2024-07", "2024-08"), previous, strict=True) if w]
    lines += [line("2024-09", 1_200_000)] if current is None else current
    payments = [paid("2024-08", 1_635_200), paid("2024-09", 1_635_200)] if payments is None else payments
    return CaseFacts("FJ024001", "2024-09", CVR, "Thy Tømrer ApS", ceiling, lines, payments)


def codes(case: CaseFacts, criteria: Criteria | None = None) -> list[str]:
    return [h.code for h in assess(case, RATES_2024, criteria or Criteria()).hits]


def test_a_simple_case_hits_nothing_and_says_so_per_criterion() -> None:
    result = assess(facts(), RATES_2024, Criteria())
    assert result.simple and result.calculation.subsidy_ore == 1_635_200
    assert result.checks == dict.fromkeys(CRITERIA, "ok")
    assert wage_income(facts().month_lines("2024-09")) == 1_200_000


def test_no_income_yet() -> None:
    result = assess(facts(current=[]), RATES_2024, Criteria())
    assert [h.code for h in result.hits] == ["no_income"]
    assert result.hits[0].reason == ("der er endnu ikke indberettet indkomst til eIndkomst for 2024-09 "
                                     "(arbejdsgivernes frist er den 10. i måneden)")
    assert result.checks["income_deviation"] == "not applicable: ingen indkomst for 2024-09"
    assert manual_reason(result.hits)[1] == ("Der er endnu ikke indberettet indkomst til eIndkomst for 2024-09 "
                                             "(arbejdsgivernes frist er den 10. i måneden).")


def test_two_employers_name_both_with_their_amounts() -> None:
    case = facts(current=[line("2024-09", 1_200_000), line("2024-09", 80_000, cvr=OTHER_CVR, seq=2)])
    result = assess(case, RATES_2024, Criteria())
    assert [h.code for h in result.hits] == ["several_employers", "other_employer"]
    assert result.hits[0].reason == ("to arbejdsgivere har indberettet løn for 2024-09: Thy Tømrer ApS "
                                     "(CVR 12345674) 12.000,00 kr., Mors VVS A/S (CVR 87654321) 800,00 kr.")
    code, sentence = manual_reason(result.hits)
    assert code == "several_employers"
    assert sentence == ("To arbejdsgivere har indberettet løn for 2024-09: Thy Tømrer ApS (CVR 12345674) 12.000,00 "
                        "kr., Mors VVS A/S (CVR 87654321) 800,00 kr. Desuden: Løn for 2024-09 er indberettet af "
                        "Mors VVS A/S (CVR 87654321), der ikke er fleksjobbets registrerede arbejdsgiver, "
                        "Thy Tømrer ApS (CVR 12345674).")  # one full stop after each, none doubled


def test_an_employer_other_than_the_registered_one() -> None:
    assert codes(facts(current=[line("2024-09", 1_200_000, cvr=OTHER_CVR)])) == ["other_employer"]


@pytest.mark.parametrize(("field", "label"), [
    ("holiday_pay_ore", "feriepenge 3.000,00 kr."),
    ("sickness_benefit_ore", "sygedagpenge 3.000,00 kr."),
    ("maternity_benefit_ore", "barselsdagpenge 3.000,00 kr."),
    ("holiday_allowance_ore", "ferietillæg 3.000,00 kr."),
])
def test_non_wage_payments(field: str, label: str) -> None:
    wage = 1_200_000 - (300_000 if field == "holiday_allowance_ore" else 0)  # ferietillæg is part of L
    result = assess(facts(current=[line("2024-09", wage, **{field: 300_000})]), RATES_2024, Criteria())
    assert [h.code for h in result.hits] == ["non_wage_income"]
    assert result.hits[0].reason == f"der er indberettet andre ydelser end løn for 2024-09: {label} fra Thy Tømrer ApS"


def test_holiday_allowance_can_be_left_to_the_robot() -> None:
    criteria = Criteria.model_validate({"non_wage_income": {"include_holiday_allowance": False}})
    case = facts(current=[line("2024-09", 1_100_000, holiday_allowance_ore=100_000)])
    result = assess(case, RATES_2024, criteria)
    assert result.simple and result.calculation.income_ore == 1_200_000  # ferietillæg counts in L


def test_a_correction_to_an_earlier_month() -> None:
    case = facts(current=[line("2024-09", 1_150_000), line("2024-09", 50_000, period="2024-07", seq=3)])
    result = assess(case, RATES_2024, Criteria())
    assert [h.code for h in result.hits] == ["correction"]
    assert result.hits[0].reason == ("indberetningen for 2024-09 indeholder en rettelse af en tidligere måned: "
                                     "lønperiode 01.07.2024-31.07.2024, 500,00 kr. fra Thy Tømrer ApS "
                                     "(linje L-2024-09-3)")
    # a period ending on the month's last day is the month itself
    assert codes(facts(current=[line("2024-09", 1_200_000, period="2024-09")])) == []


@pytest.mark.parametrize(("income_ore", "hit"), [
    (1_200_000, False),  # exactly 20 % above the average of 10 000 kr.
    (1_200_001, True),  # just past
    (800_000, False),  # exactly 20 % below
    (799_999, True),
])
def test_income_deviation_at_and_past_20_percent(income_ore: int, hit: bool) -> None:
    case = facts(current=[line("2024-09", income_ore)], previous=(900_000, 1_000_000, 1_100_000),
                 payments=[paid("2024-08", 1_000_000)])  # no 2024-09 payment: subsidy change not applicable
    assert codes(case) == (["income_deviation"] if hit else [])


def test_income_deviation_sentence_and_when_it_does_not_apply() -> None:
    case = facts(current=[line("2024-09", 1_500_000)], previous=(900_000, 1_000_000, 1_100_000), payments=[
        paid("2024-08", 1)])
    (hit,) = assess(case, RATES_2024, Criteria()).hits
    assert hit.reason == ("lønnen for 2024-09, 15.000,00 kr., ligger 50,0 % over gennemsnittet af de foregående 3 "
                          "måneder, 10.000,00 kr. (2024-06: 9.000,00 kr., 2024-07: 10.000,00 kr., 2024-08: "
                          "11.000,00 kr.); grænsen er 20 %")
    # below the average, with a limit that has decimals: 5.000 kr. is 50,0 % under 10.000 kr.
    low = facts(current=[line("2024-09", 500_000)], previous=(900_000, 1_000_000, 1_100_000),
                payments=[paid("2024-08", 1)])
    (below,) = assess(low, RATES_2024, Criteria.model_validate({"income_deviation": {"max_percent": "12.5"}})).hits
    assert below.reason.startswith("lønnen for 2024-09, 5.000,00 kr., ligger 50,0 % under gennemsnittet af de ")
    assert below.reason.endswith("; grænsen er 12,5 %")
    gap = facts(current=[line("2024-09", 1_500_000)], previous=(0, 1_000_000, 1_100_000), payments=[paid("2024-08", 1)])
    result = assess(gap, RATES_2024, Criteria())
    assert result.simple and result.checks["income_deviation"] == (
        "not applicable: ingen indkomst for 2024-06, så der kan ikke beregnes et gennemsnit af de foregående "
        "3 måneder")
    assert result.checks["subsidy_change"] == "not applicable: intet tilskud registreret for 2024-09"
    custom = Criteria.model_validate({"income_deviation": {"max_percent": 60}})
    assert codes(case, custom) == []


@pytest.mark.parametrize(("last_ore", "hit"), [
    (1_635_200 - 200_000, False),  # the subsidy rises by exactly 2 000 kr.
    (1_635_200 - 200_001, True),  # by 2 000.01 kr.
    (1_635_200 + 200_000, False),
    (1_635_200 + 200_001, True),
])
def test_subsidy_change_at_and_past_2000_kr(last_ore: int, hit: bool) -> None:
    case = facts(payments=[paid("2024-08", 1_635_200), paid("2024-09", last_ore)])
    assert codes(case) == (["subsidy_change"] if hit else [])


def test_subsidy_change_sentence() -> None:
    (hit,) = assess(facts(payments=[paid("2024-09", 1_000_000)]), RATES_2024, Criteria()).hits
    assert hit.reason == ("tilskuddet stiger med 6.352,00 kr.: 10.000,00 kr. for 2024-09 (bilag B202409), "
                          "16.352,00 kr. for 2024-10; grænsen er 2.000,00 kr.")
    (fall,) = assess(facts(payments=[paid("2024-09", 2_000_000)]), RATES_2024, Criteria()).hits
    assert fall.reason.startswith("tilskuddet falder med 3.648,00 kr.: 20.000,00 kr. for 2024-09 (bilag B202409)")


def test_wage_ceiling() -> None:
    result = assess(facts(ceiling=2_500_000, payments=[paid("2024-08", 1_635_200)]), RATES_2024, Criteria())
    assert [h.code for h in result.hits] == ["wage_ceiling"]
    assert result.calculation.subsidy_ore == 1_300_000
    assert result.hits[0].reason == ("lønnen 12.000,00 kr. plus tilskuddet 16.352,00 kr. overstiger stillingens "
                                     "lønloft, 25.000,00 kr.: lønloftet nedsætter tilskuddet til 13.000,00 kr.")
    # the cut subsidy is what the change from last month is measured on
    both = assess(facts(ceiling=2_500_000), RATES_2024, Criteria())
    assert [h.code for h in both.hits] == ["subsidy_change", "wage_ceiling"]


def test_first_payment() -> None:
    assert codes(facts(payments=[])) == ["first_payment"]
    (hit,) = assess(facts(payments=[]), RATES_2024, Criteria()).hits
    assert hit.reason == "første udbetaling: der er ikke registreret tilskud før 2024-10"
    # a payment for the payment month itself (already registered) is no earlier payment
    assert codes(facts(payments=[paid("2024-10", 1_635_200)])) == ["first_payment"]


def test_a_criterion_switched_off_does_not_hit_but_shows_it_would_have() -> None:
    criteria = Criteria.model_validate({"first_payment": {"enabled": False}})
    result = assess(facts(payments=[]), RATES_2024, criteria)
    assert result.simple and result.checks["first_payment"] == "off (would have hit)"


def test_the_first_hit_in_rules_order_is_the_reason() -> None:
    case = facts(current=[line("2024-09", 1_200_000, cvr=OTHER_CVR, sickness_benefit_ore=10_000)], payments=[])
    result = assess(case, RATES_2024, Criteria())
    assert [h.code for h in result.hits] == ["other_employer", "non_wage_income", "first_payment"]
    code, sentence = manual_reason(result.hits)
    assert code == "other_employer" and sentence.count("Desuden: ") == 1 and sentence.endswith(".")
    assert sentence.startswith("Løn for 2024-09 er indberettet af Mors VVS A/S (CVR 87654321), der ikke er ")
    assert ("Desuden: Der er indberettet andre ydelser end løn for 2024-09: sygedagpenge 100,00 kr. fra Mors VVS "
            "A/S. Første udbetaling: der er ikke registreret tilskud før 2024-10.") in sentence


def test_facts_are_not_changed_by_assessing() -> None:
    case = facts()
    before = replace(case)
    assess(case, RATES_2024, Criteria())
    assert case == before


def test_every_manual_reason_the_process_gives_is_listed() -> None:
    """The run summary's reasons are exactly these: the watch list, one per criterion, the data problems."""
    import re

    source = "".join((ROOT / "processes/flex_wage" / f).read_text(encoding="utf-8")
                     for f in ("tasks.py", "systems.py", "rules.py"))
    given = set(re.findall(r'(?:BusinessError|BadData|Hit|_to_caseworker)\((?:ctx, record, )?"([a-z_]+)"', source))
    assert given == set(MANUAL_REASONS) and len(given) > 15
    assert list(MANUAL_REASONS)[1:len(CRITERIA) + 1] == list(CRITERIA)
