"""The sixth holiday week rules (RULES.md section 3) on hand-checked cases.

RULES.md gives no numeric worked example for section 3, so the amounts here are worked by hand
(the arithmetic is in the comments): hours x monthly salary / 160.33, or x the agreed hourly rate,
rounded half up to a whole øre once, at the end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from processes.sixth_holiday_week.rules import (
    COPENHAGEN,
    Employee,
    PayLine,
    Request,
    SixthWeekYear,
    calculate,
    check_request,
    final_pay_period,
    handled_note,
    is_this_payout,
    leaver_period_problem,
    payout_line,
    plan_leaver,
    received_on,
    request_deadline,
    request_facts_problem,
    request_period,
)

CPR = "860501-1234"  # synthetic (first digit + 6)
DEADLINE_2023 = date(2024, 10, 1)
OPEN = ["2024-10", "2024-11", "2024-12"]


def employee(*, pay_type: str = "monthly", salary: int | None = 3_230_000, rate: int | None = None,
             weekly: str = "37.00", active: bool = True, leaving: date | None = None,
             years: tuple[tuple[int, str, bool], ...] = ((2023, "37.00", False), (2024, "30.83", False)),
             lines: tuple[PayLine, ...] = ()) -> Employee:
    return Employee("100395", CPR, active, leaving, pay_type, salary if pay_type == "monthly" else None,
                    rate if pay_type == "hourly" else None, Decimal(weekly),
                    tuple(SixthWeekYear(y, Decimal(h), paid) for y, h, paid in years), lines)


def request(hours: str = "9.86", year: int = 2023, received: datetime | None = None) -> Request:
    at = received or datetime(2024, 9, 8, 13, 21, tzinfo=COPENHAGEN)
    return Request("SAG-2024-000011", "100395", CPR, year, Decimal(hours), at)


def line(year: int = 2023, hours: str = "9.86", amount: int = 198_639, receipt: str = "K0700001") -> PayLine:
    return PayLine(receipt, "0620", "2024-10", Decimal(hours), amount, year)


# -- the amount ----------------------------------------------------------------------------------


def test_monthly_paid_rate_is_salary_over_160_33_rounded_once_at_the_end() -> None:
    # 9.86 x 3 230 000 / 160.33 = 31 847 800 / 160.33 = 198 639.057 øre (160.33 x 198 639 = 31 847 790.87)
    calc = calculate(employee(), 2023, Decimal("9.86"))
    assert calc.amount_ore == 198_639
    # Rounding the rate first (20 146 øre) and then the product would give 198 640 (9.86 x 20 146 = 198 639.56).
    assert calc.amount_ore != round(Decimal("9.86") * 20_146)
    assert calc.hourly_rate_ore.quantize(Decimal("0.001")) == Decimal("20145.949")
    assert calc.rate_field_ore() is None  # not a whole øre: payroll gets hours and amount only
    assert calc.describe() == "9,86 t × 32.300,00 kr. / 160,33 = 1.986,39 kr."


def test_part_time_monthly_paid_uses_their_own_monthly_salary() -> None:
    # 28 hours a week, salary 25 654,05 kr.: 2.31 x 2 565 405 / 160.33 = 5 926 085.55 / 160.33 = 36 961.80 -> 36 962
    calc = calculate(employee(salary=2_565_405, weekly="28.00"), 2023, Decimal("2.31"))
    assert calc.amount_ore == 36_962


def test_hourly_paid_uses_the_agreed_rate() -> None:
    # 5.64 x 19 204 = 96 020 + 12 290.56 = 108 310.56 -> 108 311 øre
    calc = calculate(employee(pay_type="hourly", rate=19_204, weekly="12.00"), 2023, Decimal("5.64"))
    assert (calc.amount_ore, calc.rate_field_ore()) == (108_311, 19_204)
    assert calc.describe() == "5,64 t × 192,04 kr. = 1.083,11 kr."


def test_half_an_ore_rounds_up() -> None:
    # 1.01 x 19 250 = 19 442.5 -> 19 443 (half up; banker's rounding would give 19 442)
    assert calculate(employee(pay_type="hourly", rate=19_250), 2023, Decimal("1.01")).amount_ore == 19_443
    # just below half: 1.01 x 19 249 = 19 441.49 -> 19 441
    assert calculate(employee(pay_type="hourly", rate=19_249), 2023, Decimal("1.01")).amount_ore == 19_441


def test_a_salary_that_divides_exactly_gives_a_whole_ore_rate_for_the_form() -> None:
    calc = calculate(employee(salary=3_206_600), 2023, Decimal("37.00"))  # 3 206 600 / 160.33 = 20 000
    assert (calc.rate_field_ore(), calc.amount_ore) == (20_000, 740_000)


def test_the_divisor_is_configuration() -> None:
    assert calculate(employee(salary=1_600_000), 2023, Decimal("1.00"), Decimal("160")).amount_ore == 10_000


def test_missing_salary_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="er månedslønnet, men lønsystemet viser ingen månedsløn"):
        calculate(employee(salary=None), 2023, Decimal("1.00"))


# -- the checks ----------------------------------------------------------------------------------


def test_a_request_within_the_balance_in_time_passes() -> None:
    assert check_request(request(), employee(), DEADLINE_2023) == []


def test_deadline_is_1_october_of_the_holiday_year() -> None:
    assert request_deadline(2023) == date(2024, 10, 1)
    assert request_deadline(2023, 9, 15) == date(2024, 9, 15)


@pytest.mark.parametrize(("received", "late"), [
    (datetime(2024, 9, 30, 12, 0, tzinfo=COPENHAGEN), False),  # a day before
    (datetime(2024, 10, 1, 23, 59, tzinfo=COPENHAGEN), False),  # on the deadline day
    (datetime(2024, 10, 2, 0, 0, tzinfo=COPENHAGEN), True),  # a day after
    (datetime(2024, 10, 1, 21, 59, tzinfo=UTC), False),  # 23:59 in Copenhagen (CEST)
    (datetime(2024, 10, 1, 22, 0, tzinfo=UTC), True),  # 00:00 on 2 October in Copenhagen
])
def test_request_in_time_by_the_copenhagen_calendar_day(received: datetime, late: bool) -> None:
    problems = check_request(request(received=received), employee(), DEADLINE_2023)
    assert [p.code for p in problems] == (["late"] if late else [])


def test_late_sentence_gives_the_dates() -> None:
    [problem] = check_request(request(received=datetime(2024, 10, 2, 9, 0, tzinfo=COPENHAGEN)), employee(),
                              DEADLINE_2023)
    assert problem.sentence == ("Anmodningen fra medarbejder 100395 for optjeningsår 2023 er modtaget 02.10.2024, "
                                "efter fristen 01.10.2024.")


def test_received_time_must_carry_its_zone() -> None:
    with pytest.raises(ValueError):
        received_on(datetime(2024, 10, 1, 12, 0))


@pytest.mark.parametrize(("hours", "codes"), [
    ("23.33", []),  # part time (28 h/week): 28 x 10/12 = 23.33 earned, all of it asked for
    ("23.34", ["exceeds_balance"]),  # one hundredth above
])
def test_part_time_balance_boundary(hours: str, codes: list[str]) -> None:
    part_time = employee(salary=2_565_405, weekly="28.00", years=((2023, "23.33", False),))
    assert [p.code for p in check_request(request(hours), part_time, DEADLINE_2023)] == codes


def test_exceeds_balance_names_both_numbers() -> None:
    [problem] = check_request(request("56.00"), employee(), DEADLINE_2023)
    assert problem.sentence == ("Medarbejder 100395 anmoder om 56,00 timer for optjeningsår 2023, men saldoen er "
                                "37,00 timer.")


def test_no_balance_when_zero_or_no_line_for_the_year() -> None:
    zero = employee(years=((2023, "0.00", False),))
    [empty] = check_request(request(), zero, DEADLINE_2023)
    assert empty.code == "no_balance"
    assert empty.sentence == ("Medarbejder 100395 har ingen timer tilbage af 6. ferieuge for optjeningsår 2023 "
                              "(lønsystemet viser en saldo på 0,00 timer); der er anmodet om 9,86 timer.")
    [missing] = check_request(request(year=2022), employee(), DEADLINE_2023)
    assert missing.code == "no_balance" and "ingen linje for optjeningsåret" in missing.sentence


def test_already_paid_comes_before_the_empty_balance_it_left() -> None:
    paid = employee(years=((2023, "0.00", True),))
    assert [p.code for p in check_request(request("37.00"), paid, DEADLINE_2023)] == ["already_paid", "no_balance"]


def test_already_paid_even_with_hours_left() -> None:
    paid = employee(years=((2023, "10.00", True),))
    [problem] = check_request(request("5.00"), paid, DEADLINE_2023)
    assert problem.code == "already_paid"
    assert problem.sentence == ("6. ferieuge for optjeningsår 2023 er allerede udbetalt til medarbejder 100395 "
                                "(lønsystemet viser Udbetalt = Ja).")


def test_inactive_is_checked_first_and_all_problems_are_listed() -> None:
    gone = employee(active=False, leaving=date(2024, 8, 31))
    problems = check_request(request(received=datetime(2024, 10, 5, 9, 0, tzinfo=COPENHAGEN)), gone, DEADLINE_2023)
    assert [p.code for p in problems] == ["inactive", "late"]
    assert problems[0].sentence == ("Medarbejder 100395 er ikke længere aktiv i lønsystemet (fratrådt 31.08.2024); "
                                    "6. ferieuge udbetales kun efter anmodning til aktive medarbejdere.")
    assert all(CPR not in p.sentence and CPR.replace("-", "") not in p.sentence for p in problems)


def test_a_case_for_someone_else_or_for_nothing_is_bad_data() -> None:
    assert request_facts_problem(request(), employee()) is None
    other = Request("SAG-1", "100395", "860501-9999", 2023, Decimal("1.00"), datetime.now(COPENHAGEN))
    mismatch = request_facts_problem(other, employee())
    assert mismatch is not None and mismatch.code == "employee_mismatch" and "860501" not in mismatch.sentence
    assert mismatch.sentence == ("Sag SAG-1 nævner medarbejder 100395, men CPR-nr. på sagen er ikke medarbejderens "
                                 "CPR-nr. i lønsystemet.")
    for hours in ("0.00", "-1.00", "13.365"):  # nothing, less than nothing, finer than payroll's hundredths
        wrong = request_facts_problem(request(hours), employee())
        assert wrong is not None and wrong.code == "invalid_request"
        assert f"anmoder om {hours.replace('.', ',')} timer" in wrong.sentence


# -- looking before acting -----------------------------------------------------------------------


def test_the_registered_line_of_this_payout_is_recognised() -> None:
    calc = calculate(employee(), 2023, Decimal("9.86"))
    found = payout_line(employee(lines=(PayLine("K1", "0700", "2024-10", None, 500, None), line())), 2023)
    assert found == line() and is_this_payout(found, calc)
    assert not is_this_payout(line(hours="9.85"), calc)  # another payout of the year: not ours
    assert not is_this_payout(line(amount=198_640), calc)
    assert payout_line(employee(lines=(line(),)), 2022) is None


def test_handled_note_states_the_calculation_and_the_receipt() -> None:
    calc = calculate(employee(), 2023, Decimal("9.86"))
    assert handled_note(calc, line()) == (
        "6. ferieuge, optjeningsår 2023: 9,86 t × 32.300,00 kr. / 160,33 = 1.986,39 kr. udbetalt med lønnen for "
        "2024-10 (lønart 0620, kvitteringsnr. K0700001).")


# -- pay periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("periods", "year", "expected"), [
    (OPEN, 2023, "2024-10"),  # after 30 April 2024: the next pay
    (OPEN, 2024, None),  # the first pay after 30 April 2025 is not open
    (["2025-03", "2025-04", "2025-05"], 2024, "2025-05"),  # May is the first after 30 April
    (["2025-04", "2025-05", "2025-06"], 2024, "2025-05"),
])
def test_request_is_paid_with_the_first_pay_after_30_april(periods: list[str], year: int,
                                                           expected: str | None) -> None:
    assert request_period(periods, year) == expected


@pytest.mark.parametrize(("leaving", "expected"), [
    (date(2024, 11, 30), "2024-11"),
    (date(2024, 12, 31), "2024-12"),  # the last open period
    (date(2025, 1, 31), None),  # just past it
    (date(2024, 9, 30), "2024-10"),  # the leaving month has passed: the next pay
])
def test_leaver_is_paid_with_the_final_pay(leaving: date, expected: str | None) -> None:
    assert final_pay_period(OPEN, leaving) == expected
    problem = leaver_period_problem(employee(leaving=leaving), OPEN)
    assert (problem is None) == (expected is not None)
    if problem:
        assert problem.code == "final_pay_not_open"
        assert problem.sentence == ("Medarbejder 100395 har fratrædelsesdato 31.01.2025, men lønperioden for den "
                                    "sidste løn er endnu ikke åben i lønsystemet (åbne perioder: 2024-10, 2024-11, "
                                    "2024-12).")


# -- leavers -------------------------------------------------------------------------------------


def test_no_leaving_date_no_leaver() -> None:
    assert plan_leaver(employee()).outcome == "not_leaving"


def test_leaver_gets_the_leaving_year_and_the_year_before() -> None:
    plan = plan_leaver(employee(leaving=date(2024, 11, 30),
                                years=((2022, "0.00", False), (2023, "11.47", False), (2024, "30.83", False))))
    assert plan.outcome == "pay" and plan.covered_years == (2023, 2024)
    assert [(c.earning_year, c.hours) for c in plan.to_pay] == [(2023, Decimal("11.47")), (2024, Decimal("30.83"))]
    # 11.47 x 3 230 000 / 160.33 = 37 048 100 / 160.33 = 231 074.03 -> 231 074 (160.33 x 231 074 = 37 048 094.42)
    assert plan.to_pay[0].amount_ore == 231_074
    assert plan.blocking is None and plan.afterwards == ()


def test_leaver_years_already_settled_are_not_paid_again() -> None:
    plan = plan_leaver(employee(leaving=date(2024, 11, 30), lines=(line(2023, "37.00", 745_338),),
                                years=((2023, "0.00", True), (2024, "0.00", False))))
    assert plan.outcome == "nothing_to_pay" and [p.earning_year for p in plan.registered] == [2023]


def test_leaver_with_a_partly_paid_year_or_older_hours_goes_to_a_person_after_paying() -> None:
    plan = plan_leaver(employee(leaving=date(2024, 12, 31),
                                years=((2022, "15.91", False), (2023, "10.00", True), (2024, "30.83", False))))
    assert plan.outcome == "pay" and [c.earning_year for c in plan.to_pay] == [2024]
    assert [p.code for p in plan.afterwards] == ["already_paid", "older_balance"]
    # 10.00 x 3 230 000 / 160.33 = 201 459.45 -> 201 459; 15.91 x 3 230 000 / 160.33 = 320 522.04 -> 320 522
    assert plan.afterwards[0].sentence == (
        "Optjeningsår 2023 er allerede udbetalt én gang, og der er 10,00 timer tilbage (10,00 t × 32.300,00 kr. / "
        "160,33 = 2.014,59 kr.); lønsystemet kan kun registrere én udbetaling pr. optjeningsår.")
    assert plan.afterwards[1].sentence == (
        "Optjeningsår 2022 har stadig en saldo på 15,91 timer (15,91 t × 32.300,00 kr. / 160,33 = 3.205,22 kr.); "
        "det er ældre end de optjeningsår, der udbetales ved fratræden (2023 og 2024).")


def test_a_leaver_who_has_left_is_handed_over_with_what_is_owed() -> None:
    gone = employee(active=False, leaving=date(2024, 7, 11), pay_type="hourly", rate=19_204,
                    years=((2023, "3.62", False), (2024, "23.33", False)))
    plan = plan_leaver(gone)
    assert plan.outcome == "manual" and plan.blocking is not None and plan.blocking.code == "inactive"
    # 3.62 x 19 204 = 69 518.48 -> 69 518; 23.33 x 19 204 = 448 029.32 -> 448 029
    assert [c.amount_ore for c in plan.to_pay] == [69_518, 448_029]
    assert plan.blocking.sentence == (
        "Medarbejder 100395 fratrådte 11.07.2024, og lønsystemet kan ikke registrere lønlinjer efter "
        "fratrædelsen. Ikke afholdte timer af 6. ferieuge, der skal udbetales manuelt: 2023: 3,62 t × 192,04 kr. "
        "= 695,18 kr.; 2024: 23,33 t × 192,04 kr. = 4.480,29 kr.")


def test_a_leaver_who_has_left_with_nothing_untaken_needs_nothing() -> None:
    gone = employee(active=False, leaving=date(2024, 6, 30), years=((2023, "0.00", True), (2024, "0.00", False)))
    assert plan_leaver(gone).outcome == "nothing_to_pay"
