"""The generated population: determinism, identifiers, volumes and planted proportions."""

from __future__ import annotations

import statistics
from collections import Counter
from decimal import Decimal

from robots.cpr import is_synthetic, normalise
from simulators import SimState, cvr_valid, make_cvr
from simulators.flexcalc import evaluate, subsidy, wage_income
from simulators.pytest_plugin import small_settings
from simulators.util import month_add, month_of, sub_rng


def _walk(value, path="$"):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, value


def test_same_seed_gives_the_same_population_byte_for_byte(small_state: SimState) -> None:
    again = SimState(small_settings())
    assert again.snapshot_json() == small_state.snapshot_json()
    assert again.fingerprint() == small_state.fingerprint()


def test_another_seed_or_size_gives_another_population(small_state: SimState) -> None:
    assert SimState(small_settings(seed=2)).fingerprint() != small_state.fingerprint()
    assert SimState(small_settings(employees=121)).fingerprint() != small_state.fingerprint()


def test_default_population_is_deterministic_too(full_state: SimState) -> None:
    again = SimState(full_state.settings)
    assert again.fingerprint() == full_state.fingerprint()


def test_money_is_never_a_float(small_state: SimState) -> None:
    floats = [p for p, v in _walk(small_state.snapshot()) if isinstance(v, float)]
    assert floats == []


def test_cvr_numbers_are_valid() -> None:
    rng = sub_rng(1, "cvr-test")
    assert all(cvr_valid(make_cvr(rng)) for _ in range(500))
    assert cvr_valid("12345674")  # 2+14+18+20+20+18+14+4 = 110
    assert not cvr_valid("12345678")
    assert not cvr_valid("02345674")
    assert not cvr_valid("1234567")


def test_every_employer_has_a_valid_cvr(full_state: SimState) -> None:
    pop = full_state.population
    assert cvr_valid(pop.municipality_cvr)
    assert all(cvr_valid(e.cvr) for e in pop.employers)
    assert all(cvr_valid(line.cvr) for line in pop.income)


def test_cpr_numbers_are_synthetic_unique_and_fit_the_sex(full_state: SimState) -> None:
    pop = full_state.population
    people = [e.cpr for e in pop.employees] + [c.cpr for c in pop.citizens]
    people += [d.cpr for d in pop.debtors if d.cpr not in full_state.employees_by_cpr]
    assert len(people) == len(set(people))
    assert all(is_synthetic(c) and normalise(c) == c for c in people)


def test_default_volumes(full_state: SimState) -> None:
    pop = full_state.population
    assert len(pop.employees) == 2000
    assert len(pop.citizens) == 750
    per_file = [len(ids) for ids in full_state.files.values()]
    assert 27.5 <= statistics.mean(per_file) <= 30.5
    assert 55_000 <= len(pop.documents) <= 61_000
    assert {e.org_code[:1] for e in pop.employees} == {"2", "3", "4", "5", "6"}
    assert Counter(e.pay_type for e in pop.employees)["hourly"] > 200


def test_flex_cases_have_the_thisted_shape(full_state: SimState) -> None:
    truth = full_state.population.truth["flex"]
    n = len(truth)
    cats = Counter(t["category"] for t in truth)
    assert abs(cats["watch_list"] / n - 0.20) < 0.01
    assert 0.22 <= cats["criteria"] / n <= 0.26
    assert 0.55 <= cats["simple"] / n <= 0.60
    planted = Counter(t["planted"] for t in truth if t["category"] == "criteria")
    assert set(planted) == {"no_income", "several_employers", "other_employer", "non_wage_income", "correction",
                            "income_deviation", "subsidy_change", "wage_ceiling", "first_payment"}
    for t in truth:
        if t["category"] == "simple":
            assert t["criteria"] == []
        if t["category"] == "criteria":
            assert t["planted"] in t["criteria"]


def test_flex_truth_matches_the_data(full_state: SimState) -> None:
    current = month_add(month_of(full_state.settings.today), -1)
    for t in full_state.population.truth["flex"]:
        citizen = full_state.citizens_by_cpr[t["cpr"]]
        lines = full_state.income_by_cpr.get(citizen.cpr, [])
        assert evaluate(citizen, lines, citizen.payments, current) == {
            k: t[k] for k in ("income_month", "payment_month", "income_ore", "subsidy_ore", "ceiling_hit", "criteria")}
        if t["planted"] != "first_payment":
            months = {ln.month for ln in lines}
            assert {month_add(current, -k) for k in range(1, 5)} <= months  # 4 months before the current one
            assert citizen.payments, "previous payments are on record"
        for p in citizen.payments:
            assert p.income_ore == wage_income(ln for ln in lines if ln.month == p.income_month)
            assert p.subsidy_ore == subsidy(p.income_ore, int(p.month[:4]), citizen.wage_ceiling_ore)[0]


def test_flex_worked_examples_from_rules() -> None:
    assert subsidy(1_200_000, 2024, None) == (1_635_200, False)
    assert subsidy(2_000_000, 2024, None) == (1_303_275, False)
    assert subsidy(4_369_600, 2024, None)[0] < 100
    assert subsidy(2_000_000, 2024, 3_000_000) == (1_000_000, True)


def test_watch_list_candidates_are_exposed(full_state: SimState) -> None:
    candidates = [t["cpr"] for t in full_state.population.truth["flex"] if t["watch_list_candidate"]]
    assert len(candidates) == 150
    assert all(c in full_state.citizens_by_cpr for c in candidates)


def test_personnel_file_problems_in_realistic_proportion(full_state: SimState) -> None:
    truth = full_state.population.truth["personnel_files"]
    n = len(truth)
    with_problem = Counter()
    for entry in truth.values():
        for kind in {p["problem"] for p in entry["problems"]}:
            with_problem[kind] += 1
    assert 0.05 <= with_problem["missing"] / n <= 0.14
    assert 0.06 <= with_problem["misfiled"] / n <= 0.13
    assert 0.015 <= with_problem["wrong_employee"] / n <= 0.05
    children = sum(1 for e in full_state.population.employees if e.contact_with_children)
    assert 0.03 <= with_problem["late_child_certificate"] / children <= 0.12
    formats = Counter(d.fmt for d in full_state.population.documents)
    assert set(formats) == {"docx", "pdf_text", "pdf_image", "tiff"}
    assert 0.15 <= (formats["tiff"] + formats["pdf_image"]) / sum(formats.values()) <= 0.40


def test_personnel_file_truth_is_consistent(full_state: SimState) -> None:
    docs = full_state.documents
    for cpr, entry in full_state.population.truth["personnel_files"].items():
        emp = full_state.employees_by_cpr[cpr]
        for p in entry["problems"]:
            if p["problem"] == "misfiled":
                assert docs[p["doc_id"]].doc_type != docs[p["doc_id"]].true_type
            elif p["problem"] == "wrong_employee":
                assert docs[p["doc_id"]].file_cpr == cpr and docs[p["doc_id"]].true_owner_cpr != cpr
            elif p["problem"] == "late_child_certificate":
                assert docs[p["doc_id"]].doc_date >= emp.start_date
            elif p["problem"] == "missing":
                assert p["doc_type"] in entry["required"]
                assert not any(docs[i].true_type == p["doc_type"] and docs[i].true_owner_cpr == cpr
                               for i in full_state.files[cpr])


def test_negative_pay_runs(full_state: SimState) -> None:
    pop = full_state.population
    truth = pop.truth["negative_pay"]
    ordinary = [r for r in pop.runs if r.kind == "ordinary"]
    assert len(ordinary) == 5 and any(r.kind == "aperiodic" for r in pop.runs)
    for run in ordinary:
        lines = [n for n in pop.negatives if n.run_id == run.run_id]
        assert 0.02 <= len(lines) / len(pop.employees) <= 0.03  # a few percent
        for line in lines:
            assert sum(el.amount_ore for el in line.elements) == line.amount_ore < 0
    pending = [t for t in truth if t["pending"]]
    reasons = Counter(t["reason"] for t in pending)
    assert set(reasons) == {"simple", "left", "recurring", "large_amount", "negative_holiday_pay"}
    assert 0.35 <= reasons["simple"] / len(pending) <= 0.6
    assert all(n.marking for n in pop.negatives if not any(t["line_id"] == n.line_id for t in pending))
    # every invoice-marked line of an earlier run has exactly one invoice in the debtor system
    refs = Counter(i.reference for i in pop.invoices)
    for line in pop.negatives:
        if line.marking == "invoice":
            assert refs[f"NEG-{line.run_id}-{line.employee_no}"] == 1


def test_inbox_cases(full_state: SimState) -> None:
    truth = [t for t in full_state.population.truth["inbox"] if t["status"] == "open"]
    sixth = Counter(tuple(t["problems"]) for t in truth if t["kind"] == "sixth_week_payout")
    assert sixth[()] >= 0.5 * sum(sixth.values())
    assert {("late",), ("exceeds_balance",), ("inactive",), ("already_paid", "no_balance")} <= set(sixth)
    resign = [t for t in truth if t["kind"] == "resignation"]
    assert any(t["problems"] == ["early_date"] for t in resign)
    assert any(t["civil_servant"] for t in resign) and any(t["pay_type"] == "hourly" for t in resign)


def test_sixth_week_balances_are_decimal_hours(full_state: SimState) -> None:
    for emp in full_state.population.employees:
        for hours in emp.sixth_week_balance.values():
            assert isinstance(hours, Decimal) and hours >= 0 and hours <= emp.hours_per_week
