"""The flex wage process end to end against the simulated benefits system and eIndkomst.

Checked against the simulator's own ground truth (/_sim/truth/flex: category and planted criterion
per citizen, the watch-list candidates) and against a subsidy computed here, by hand, from the
income lines the simulator holds: integer arithmetic in hundredths of an øre, nothing shared with
processes/flex_wage/rules.py or simulators/flexcalc.py.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from robots import watchlist
from robots.queue import Status, WorkItem
from simulators.model import BenefitPayment

pytestmark = [pytest.mark.browser]

PROCESS, QUEUE = "flex_wage", "flex_wage.citizens"
INCOME_MONTH, PAY_MONTH = "2024-09", "2024-10"
CONF = (Path(__file__).resolve().parents[2] / "conf/processes/flex_wage.toml").read_text(encoding="utf-8")
# Top-level keys go before the file's tables; the simulated systems live in 2024-10.
TEST_CONF = "retry_wait_seconds = 0.1\n" + CONF.replace("max_consecutive_application_errors = 5",
                                                      "max_consecutive_application_errors = 10")
MAX_2024, T_2024 = 1_995_200, 1_632_300  # RULES.md section 1, 2024, in øre


def expected_subsidy(lines: list[Any], ceiling_ore: int) -> tuple[int, int]:
    """(L, subsidy) in øre by RULES.md, worked in hundredths of an øre and rounded half up once."""
    wage = sum(ln.a_income_ore + ln.pension_own_ore + ln.pension_employer_ore + ln.holiday_allowance_ore
               for ln in lines)
    reduction_hundredths = 30 * min(wage, T_2024) + 55 * max(0, wage - T_2024)
    amount = max(0, (MAX_2024 * 100 - reduction_hundredths + 50) // 100)
    if wage + amount > ceiling_ore:
        amount = max(0, ceiling_ore - wage)
    return wage, amount


def truth(sims: Any) -> dict[str, Any]:
    answer = httpx.get(f"{sims.base_url}/_sim/truth/flex", timeout=10).json()
    assert answer["income_month"] == INCOME_MONTH and answer["payment_month"] == PAY_MONTH
    return answer


def put_candidates_on_the_watch_list(env: Any, candidates: list[str]) -> None:
    for cpr in candidates:
        assert watchlist.add(env.backend, cpr, "særlige forhold (jobcentret)", actor="test:caseworker").changed


def payments_for(sims: Any, month: str) -> dict[str, list[Any]]:
    """case no. -> the payments registered for ``month`` (the benefits system's own records)."""
    with sims.state.lock:
        return {c.case_no: [p for p in c.payments if p.month == month] for c in sims.state.citizens.values()}


def automation(items: list[WorkItem]) -> dict[str, Any]:
    finished = [i for i in items if i.status in (Status.DONE, Status.MANUAL)]
    done = sum(i.status is Status.DONE for i in finished)
    manual = Counter(i.manual_reason for i in finished if i.status is Status.MANUAL)
    return {"done": done, "finished": len(finished), "rate": round(done / len(finished), 3), "manual": dict(manual)}


def check_done_items_against_the_income(sims: Any, items: list[WorkItem]) -> int:
    """Every done item registered exactly one payment, equal to the hand calculation. Returns the count."""
    registered = payments_for(sims, PAY_MONTH)
    done = 0
    for item in items:
        case_no = item.payload["case_no"]
        if item.status is not Status.DONE:
            assert registered[case_no] == [], f"{case_no} is {item.status.value} but has a payment"
            continue
        done += 1
        with sims.state.lock:
            citizen = sims.state.citizens[case_no]
            lines = [ln for ln in sims.state.income_by_cpr[citizen.cpr] if ln.month == INCOME_MONTH]
        wage, amount = expected_subsidy(lines, citizen.wage_ceiling_ore)
        (payment,) = registered[case_no]  # exactly one: nothing registered twice
        assert (payment.income_ore, payment.subsidy_ore) == (wage, amount), case_no
        output = item.output or {}
        assert output["payment"]["voucher_no"] == payment.voucher_no
        assert output["calculation"]["income_ore"] == wage and output["result"]["subsidy_ore"] == amount
    return done


def test_a_month_of_flex_wage_cases(robot_env, make_simulators) -> None:
    sims = make_simulators()  # 60 citizens
    env = robot_env(sims, process_config={PROCESS: TEST_CONF})
    facts = truth(sims)
    cases = {c["case_no"]: c for c in facts["cases"]}
    candidates = set(facts["watch_list_candidates"])
    put_candidates_on_the_watch_list(env, sorted(candidates))

    assert env.run(PROCESS, "produce").status == "succeeded"
    items = env.items(QUEUE)
    assert {i.reference for i in items} == {f"{INCOME_MONTH}:{n}" for n in cases} and len(items) == 60
    assert env.run(PROCESS, "produce").counts.get("added", 0) == 0  # a second run adds nothing

    record = env.run(PROCESS, "calculate")
    assert record.status == "succeeded"
    assert env.unfinished(QUEUE) == []
    items = env.items(QUEUE)
    for item in items:
        case = cases[item.payload["case_no"]]
        if case["cpr"] in candidates:
            expected = "watch_list"
        elif case["category"] == "criteria":
            expected = "several_employers" if case["planted"] == "several_employers" else case["planted"]
            assert expected == case["criteria"][0]
        else:
            expected = None
        assert (item.status, item.manual_reason) == (
            (Status.MANUAL, expected) if expected else (Status.DONE, None)), (case, item.error_message)
        if expected:
            assert case["cpr"] not in (item.error_message or "")  # CPR never unmasked in a reason
        if item.status is Status.DONE:  # the simulator's own figure agrees with ours
            assert item.output["result"]["subsidy_ore"] == case["subsidy_ore"]

    done = check_done_items_against_the_income(sims, items)
    simple = sum(c["category"] == "simple" and c["cpr"] not in candidates for c in cases.values())
    assert done == simple > 20

    # The calculation is kept with every done item; criteria hits carry it as calculation.json.
    sample = next(i for i in items if i.status is Status.DONE)
    out = sample.output
    assert set(out) >= {"inputs", "rates", "calculation", "criteria", "result", "payment", "outcome"}
    assert out["rates"]["year"] == 2024 and out["rates"]["max_ore"] == MAX_2024 and out["rates"]["source"]
    assert out["inputs"]["income_lines"] and all(v in ("ok", "hit") or v.startswith("not applicable")
                                                 for v in out["criteria"].values())
    assert out["outcome"] == "registered"
    hit = next(i for i in items if i.manual_reason == "income_deviation")
    assert re.match(rf"Sag {hit.payload['case_no']}: Lønnen for {INCOME_MONTH}, [0-9.]+,[0-9]{{2}} kr\., ligger "
                    r"[0-9]+,[0-9] % (over|under) gennemsnittet af de foregående 3 måneder, ", hit.error_message), \
        hit.error_message
    assert hit.error_message.endswith("; grænsen er 20 %.") or " Desuden: " in hit.error_message
    assert [f.name for f in env.backend.files(hit.id)] == ["calculation.json"]
    watched = next(i for i in items if i.manual_reason == "watch_list")
    assert env.backend.files(watched.id) == []  # skipped before any look-up
    assert watched.error_message.startswith(f"Sag {watched.payload['case_no']}: borgeren står på obslisten siden ")
    assert watched.error_message.endswith("(test:caseworker: særlige forhold (jobcentret)); robotten har ikke "
                                          "behandlet sagen.")

    rate = automation(items)
    print(f"\nflex wage automation: {rate}")
    assert rate["done"] == record.counts["done"] and rate["manual"] == record.counts["manual_reasons"]
    assert rate["manual"]["watch_list"] == len(candidates)
    planted = Counter(c["planted"] for c in cases.values()
                      if c["category"] == "criteria" and c["cpr"] not in candidates)
    assert {k: v for k, v in rate["manual"].items() if k != "watch_list"} == dict(planted)

    # A second run finds nothing to do, and the benefits system still has one payment per case.
    assert env.run(PROCESS, "produce").counts.get("added", 0) == 0
    assert env.run(PROCESS, "calculate").counts.get("done", 0) == 0
    assert check_done_items_against_the_income(sims, env.items(QUEUE)) == done


def test_faults_lose_nothing_and_register_nothing_twice(robot_env, make_simulators) -> None:
    sims = make_simulators(citizens=40, faults={"enabled": True, "error_rate": 0.05, "session_expiry_rate": 0.05,
                                                "busy_rate": 0.03, "lost_response_rate": 0.03, "seed": 3})
    env = robot_env(sims, process_config={PROCESS: TEST_CONF})
    facts = truth(sims)
    cases = {c["case_no"]: c for c in facts["cases"]}
    candidates = set(facts["watch_list_candidates"])
    put_candidates_on_the_watch_list(env, sorted(candidates))

    assert env.run(PROCESS, "produce").status == "succeeded"
    assert len(env.items(QUEUE)) == 40  # every page of the list, faults or not
    assert env.run(PROCESS, "calculate").status == "succeeded"
    assert env.unfinished(QUEUE) == []
    items = env.items(QUEUE)
    for item in items:
        case = cases[item.payload["case_no"]]
        if item.status is Status.DONE:
            assert case["category"] == "simple" and case["cpr"] not in candidates
        elif item.manual_reason != "retries_exhausted":  # the faults may exhaust an item's attempts
            expected = "watch_list" if case["cpr"] in candidates else case["criteria"][0]
            assert item.manual_reason == expected, (case, item.error_message)
    done = check_done_items_against_the_income(sims, items)
    with sims.state.lock:
        registrations = Counter(e["case_no"] for e in sims.state.events if e["action"] == "payment")
    assert set(registrations.values()) == {1} and len(registrations) == done  # no case registered twice

    stats = sims.app.state.faults.stats
    actions = Counter(e.action for item in items for e in env.backend.events(item.id))
    print(f"\nflex wage under faults: {automation(items)}; faults {stats}; outcomes "
          f"{Counter((i.output or {}).get('outcome') for i in items if i.status is Status.DONE)}")
    assert stats.get("error", 0) + stats.get("expire", 0) + stats.get("lost", 0) > 0, stats
    assert actions["step_retry"] + actions["retry_scheduled"] > 0
    assert done >= 0.8 * sum(c["category"] == "simple" and c["cpr"] not in candidates for c in cases.values())


def test_data_problems_go_to_a_caseworker_and_the_run_goes_on(robot_env, make_simulators) -> None:
    sims = make_simulators(citizens=20)
    env = robot_env(sims, process_config={PROCESS: TEST_CONF})
    facts = truth(sims)
    cases = {c["case_no"]: c for c in facts["cases"]}
    assert env.run(PROCESS, "produce").status == "succeeded"
    malformed, missing, no_rates, same, different = [c for c in facts["cases"] if not c["criteria"]][:5]
    with sims.state.lock:
        line = next(ln for ln in sims.state.income_by_cpr[malformed["cpr"]] if ln.month == INCOME_MONTH)
        line.a_income_ore = "12.345,67"  # eIndkomst answers an amount that is no whole number of øre
        del sims.state.citizens[missing["case_no"]]  # the case is gone from the benefits system
        for case, extra in ((same, 0), (different, 10_000)):  # a caseworker registered the month already
            citizen = sims.state.citizens[case["case_no"]]
            lines = [ln for ln in sims.state.income_by_cpr[case["cpr"]] if ln.month == INCOME_MONTH]
            wage, amount = expected_subsidy(lines, citizen.wage_ceiling_ore)
            citizen.payments.append(BenefitPayment(f"B9{case['case_no'][-5:]}", PAY_MONTH, INCOME_MONTH, wage,
                                                   amount + extra, sims.state.settings.today, "kmj"))
    # A month whose payment year (2025) has no rates in conf.
    env.backend.add_one(QUEUE, f"2024-12:{no_rates['case_no']}", {
        "case_no": no_rates["case_no"], "cpr": no_rates["cpr"], "income_month": "2024-12", "payment_month": "2025-01"})

    record = env.run(PROCESS, "calculate")
    assert record.status == "succeeded" and env.unfinished(QUEUE) == []
    items = {i.reference: i for i in env.items(QUEUE)}

    def item(case: dict[str, Any], month: str = INCOME_MONTH) -> WorkItem:
        return items[f"{month}:{case['case_no']}"]

    assert item(malformed).manual_reason == "income_malformed"
    assert ": A-indkomst (a_income_ore) er '12.345,67', hvilket ikke er et helt antal øre." in \
        item(malformed).error_message
    assert item(missing).manual_reason == "citizen_not_found"
    assert item(missing).error_message == f"Sag {missing['case_no']}: ydelsessystemet har ingen sag " \
                                          f"{missing['case_no']} (Siden findes ikke)."
    assert item(no_rates, "2024-12").manual_reason == "rates_missing"
    assert item(no_rates, "2024-12").error_message == (
        f"Sag {no_rates['case_no']}: der er ingen satser for fleksløntilskud for 2025 i "
        "conf/processes/flex_wage.toml ([rates.2025]), så tilskuddet for 2025-01 kan ikke beregnes.")
    assert item(no_rates).status is Status.DONE  # its September case is unaffected
    assert item(same).status is Status.DONE and item(same).output["outcome"] == "already_registered"
    assert item(different).manual_reason == "registered_differently"
    assert item(different).error_message.startswith(f"Sag {different['case_no']}: der er allerede registreret ")
    assert item(different).error_message.endswith("; robotten har ikke ændret noget.")
    with sims.state.lock:
        assert all(len([p for p in sims.state.citizens[c["case_no"]].payments if p.month == PAY_MONTH]) == 1
                   for c in (same, different))
        assert not [p for p in sims.state.citizens[malformed["case_no"]].payments if p.month == PAY_MONTH]
    # The run went on: every other case ended as the simulator's truth says.
    for case in cases.values():
        if case in (malformed, missing, same, different):
            continue
        # (no watch list in this test: the candidates are worked like everyone else)
        expected = (Status.MANUAL, case["criteria"][0]) if case["criteria"] else (Status.DONE, None)
        assert (item(case).status, item(case).manual_reason) == expected
    reasons = record.counts["manual_reasons"]
    assert {"income_malformed", "citizen_not_found", "rates_missing", "registered_differently"} <= set(reasons)


def test_an_answer_lost_after_registering_is_found_on_the_card(robot_env, make_simulators) -> None:
    # Every fourth answer of the benefits system is lost after the system did the work (HTTP 500).
    sims = make_simulators(citizens=12, faults={"enabled": True, "lost_response_rate": 0.25, "systems": ["benefits"],
                                                "seed": 5})
    env = robot_env(sims, process_config={PROCESS: "retry_attempts = 6\n" + TEST_CONF})
    assert env.run(PROCESS, "produce").status == "succeeded"
    assert env.run(PROCESS, "calculate").status == "succeeded"
    assert env.unfinished(QUEUE) == []
    items = env.items(QUEUE)
    done = check_done_items_against_the_income(sims, items)  # one payment per done case, the right amount
    outcomes = Counter(i.output["outcome"] for i in items if i.status is Status.DONE)
    with sims.state.lock:
        registrations = Counter(e["case_no"] for e in sims.state.events if e["action"] == "payment")
    print(f"\nflex wage with lost answers: {outcomes}, faults {sims.app.state.faults.stats}")
    assert outcomes["already_registered"] > 0 and outcomes["already_registered"] + outcomes["registered"] == done
    assert set(registrations.values()) == {1} and len(registrations) == done
