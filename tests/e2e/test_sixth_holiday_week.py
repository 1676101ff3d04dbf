"""The sixth holiday week payout end to end against the simulated inbox and payroll.

Checked against the simulators' own answers, computed here independently of the process's rules:
/_sim/truth/inbox for which requests fail which check, the simulator's employees for the amount
(hours x monthly salary / 160.33 or x the hourly rate, rounded half up once), and the simulator's
pay lines and event log for what was done (every handled case handled once, with one 0620 line).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest

from robots.queue import NewItem, Status
from simulators.settings import FaultSettings

pytestmark = [pytest.mark.browser]

PROCESS = "sixth_holiday_week"
REQUESTS = "sixth_holiday_week.requests"
LEAVERS = "sixth_holiday_week.leavers"
EMPLOYEES = 250  # the smallest population whose inbox has every kind of problem (late, exceeds, paid, inactive)
CONFIG = "retry_wait_seconds = 0.1\nmax_consecutive_application_errors = 10\n"
FAST_QUEUES = """
["sixth_holiday_week.requests"]
max_attempts = 4
lease_seconds = {lease}
backoff_seconds = 0.2
backoff_max_seconds = 1

["sixth_holiday_week.leavers"]
max_attempts = 4
lease_seconds = {lease}
backoff_seconds = 0.2
backoff_max_seconds = 1
"""
# The caseworker's sentence for each check a request can fail (Danish, naming the employee).
REASON_TEXT = {
    "inactive": "Medarbejder {no} er ikke længere aktiv i lønsystemet",
    "late": "Anmodningen fra medarbejder {no} for optjeningsår {year} er modtaget ",
    "already_paid": "6. ferieuge for optjeningsår {year} er allerede udbetalt til medarbejder {no}",
    "no_balance": "Medarbejder {no} har ingen timer tilbage af 6. ferieuge for optjeningsår {year}",
    "exceeds_balance": "Medarbejder {no} anmoder om {hours} timer for optjeningsår {year}, men saldoen er ",
}
FAULTS = {"enabled": True, "error_rate": 0.05, "session_expiry_rate": 0.05, "busy_rate": 0.03,
          "lost_response_rate": 0.03, "seed": 3}


# -- an independent calculation, from the simulator's own data ----------------------------------


def expected_amount_ore(employee: Any, hours: Decimal) -> int:
    """hours x the hourly rate (monthly salary / 160.33, or the agreed rate), half up to whole øre at the end."""
    if employee.pay_type == "monthly":
        exact = hours * Decimal(employee.monthly_salary_ore) / Decimal("160.33")
    else:
        exact = hours * Decimal(employee.hourly_rate_ore)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def inbox_truth(sims: Any) -> dict[str, dict[str, Any]]:
    truth = httpx.get(f"{sims.base_url}/_sim/truth/inbox", timeout=10).json()
    return {t["case_id"]: t for t in truth if t["kind"] == "sixth_week_payout" and t["status"] == "open"}


def start(robot_env: Any, sims: Any, lease: float = 60, config: str = CONFIG) -> Any:
    env = robot_env(sims, process_config={PROCESS: config})
    with (env.root / "conf" / "queues.toml").open("a", encoding="utf-8") as queues:
        queues.write(FAST_QUEUES.format(lease=lease))
    return env


def sixth_week_lines(sims: Any) -> list[Any]:
    with sims.state.lock:
        return [p for p in sims.state.pay_lines if p.code == "0620"]


def events(sims: Any, action: str) -> list[dict[str, Any]]:
    with sims.state.lock:
        return [e for e in sims.state.events if e["action"] == action]


def check_requests(env: Any, sims: Any, truth: dict[str, dict[str, Any]], *, faults: bool) -> Counter[str]:
    """Every open case ends handled (paid once, amount right) or with a person for a reason the truth names."""
    items = {i.reference: i for i in env.items(REQUESTS)}
    assert set(items) == set(truth)
    assert env.unfinished(REQUESTS) == []
    lines = Counter((p.employee_no, p.earning_year) for p in sixth_week_lines(sims))
    assert max(lines.values(), default=1) == 1, lines  # never two payouts for one year
    handled = Counter(e["case_id"] for e in events(sims, "handled"))
    assert max(handled.values(), default=1) == 1, handled  # never handled twice
    outcome: Counter[str] = Counter()
    for case_id, t in truth.items():
        item, case = items[case_id], sims.state.cases[case_id]
        employee, year, hours = sims.state.employees[t["employee_no"]], t["earning_year"], Decimal(t["hours"])
        paid = [p for p in sixth_week_lines(sims) if p.employee_no == employee.employee_no and p.earning_year == year]
        if item.status is Status.DONE:
            assert not t["problems"], (case_id, t["problems"])
            assert case.status == "handled" and handled[case_id] == 1 and "kvitteringsnr." in case.note
            assert len(paid) == 1 and paid[0].hours == hours
            assert paid[0].amount_ore == expected_amount_ore(employee, hours) == item.output["amount_ore"]
            assert paid[0].receipt_no in case.note and item.output["calculation"]["amount_ore"] == paid[0].amount_ore
            assert paid[0].period == "2024-10"  # the first pay after 30 April that payroll has open
            outcome["done"] += 1
        else:
            assert item.status is Status.MANUAL
            if faults and item.manual_reason in ("retries_exhausted", "abandoned"):
                outcome[item.manual_reason] += 1
                continue
            assert item.manual_reason in t["problems"], (case_id, item.manual_reason, t["problems"])
            assert case.status == "open" and handled[case_id] == 0 and paid == []
            assert employee.employee_no in item.error_message and employee.cpr not in item.error_message
            assert employee.cpr.replace("-", "") not in item.error_message
            if item.manual_reason in REASON_TEXT:  # the first failed check opens the sentence
                shown = f"{hours.quantize(Decimal('0.01'))}".replace(".", ",")
                opening = REASON_TEXT[item.manual_reason].format(no=employee.employee_no, year=year, hours=shown)
                assert item.error_message.startswith(opening), item.error_message
            outcome[item.manual_reason] += 1
    return outcome


# -- the tests -----------------------------------------------------------------------------------


def test_requests_are_paid_once_or_handed_over_for_the_truths_reason(robot_env, make_simulators) -> None:
    sims = make_simulators(employees=EMPLOYEES)
    env = start(robot_env, sims)
    truth = inbox_truth(sims)
    assert {p for t in truth.values() for p in t["problems"]} >= {"late", "exceeds_balance", "already_paid",
                                                                 "inactive"}
    assert env.run(PROCESS, "produce").counts["added"] == len(truth)
    record = env.run(PROCESS, "pay")
    assert record.status == "succeeded"
    outcome = check_requests(env, sims, truth, faults=False)
    clean = sum(1 for t in truth.values() if not t["problems"])
    assert outcome["done"] == clean >= 5 and sum(outcome.values()) == len(truth)
    assert record.counts["done"] == clean and sum(record.counts["manual_reasons"].values()) == len(truth) - clean
    # Part-time and hourly-paid among the paid ones, so the rate rules were exercised.
    paid_employees = [sims.state.employees[i.payload["employee_no"]] for i in env.items(REQUESTS)
                      if i.status is Status.DONE]
    assert {e.pay_type for e in paid_employees} >= {"monthly"}
    # Again: nothing new in the inbox, nothing left to pay.
    assert env.run(PROCESS, "produce").counts.get("added", 0) == 0
    assert env.run(PROCESS, "pay").counts.get("done", 0) == 0
    assert len(sixth_week_lines(sims)) == clean


def lose_answers(monkeypatch: pytest.MonkeyPatch, count: int) -> list[str]:
    """Payroll registers the next ``count`` pay lines but the answers never reach the robot (HTTP 500)."""
    import simulators.payroll as sim_payroll

    original, lost = sim_payroll.register_pay_line, []

    def registered_then_lost(state: Any, emp: Any, form: dict[str, str], user: str) -> Any:
        line = original(state, emp, form, user)
        if len(lost) < count:
            lost.append(line.receipt_no)
            raise RuntimeError("simulated: payroll registered the line, the answer is lost")
        return line

    monkeypatch.setattr(sim_payroll, "register_pay_line", registered_then_lost)
    return lost


def test_faults_do_not_pay_twice_or_lose_a_case(robot_env, make_simulators, monkeypatch) -> None:
    sims = make_simulators(employees=EMPLOYEES, faults=FAULTS)
    env = start(robot_env, sims)
    truth = inbox_truth(sims)
    lost = lose_answers(monkeypatch, 2)  # on top of the random faults: two certain lost answers
    assert env.run(PROCESS, "produce").status == "succeeded"
    record = env.run(PROCESS, "pay")
    assert record.status == "succeeded"
    outcome = check_requests(env, sims, truth, faults=True)
    assert outcome["done"] >= 2 and sum(outcome.values()) == len(truth)
    # The lines whose answers were lost were found on the card and recorded, not registered again.
    recorded = {i.output["pay_line"]["receipt_no"] for i in env.items(REQUESTS)
                if i.status is Status.DONE and i.output["outcome"] == "recorded"}
    assert len(lost) == 2 and set(lost) <= recorded
    stats = sims.app.state.faults.stats
    assert stats.get("error", 0) + stats.get("expire", 0) + stats.get("busy", 0) > 0, stats
    actions = [e.action for item in env.items(REQUESTS) for e in env.backend.events(item.id)]
    assert actions.count("step_retry") + actions.count("retry_scheduled") > 0


def test_leavers_are_paid_with_the_final_pay_or_handed_over(robot_env, make_simulators) -> None:
    sims = make_simulators(employees=100, seed=2)  # 12 leavers: 10 gone, 2 with a date ahead
    env = start(robot_env, sims, config=CONFIG + "retry_attempts = 5\n")
    today = sims.state.settings.today
    with sims.state.lock:
        leavers = {e.employee_no: e for e in sims.state.employees.values() if e.leaving_date is not None}
        before = {no: (dict(e.sixth_week_balance), list(e.sixth_week_paid)) for no, e in leavers.items()}
    ahead = [e for e in leavers.values() if e.leaving_date >= today]
    assert ahead and len(leavers) > len(ahead)  # both kinds: still here with a date ahead, and gone
    sims.set_faults(FaultSettings.off().updated(FAULTS))  # the register scan copes with a faulty payroll
    produced = env.run(PROCESS, "produce_leavers")
    assert sum(sims.app.state.faults.stats.values()) > 0 and produced.counts["transient_retries"] > 0
    sims.set_faults(FaultSettings.off())
    assert produced.status == "succeeded" and produced.counts["employees_read"] == 100  # the whole register
    items = {i.payload["employee_no"]: i for i in env.items(LEAVERS)}
    assert set(items) == set(leavers)  # found from the register and the cards alone
    record = env.run(PROCESS, "pay_leavers")
    assert record.status == "succeeded" and env.unfinished(LEAVERS) == []
    lines = sixth_week_lines(sims)
    items = {i.payload["employee_no"]: i for i in env.items(LEAVERS)}
    outcome = Counter(str(i.manual_reason or i.output.get("outcome")) for i in items.values())
    for no, employee in leavers.items():
        item = items[no]
        balance, paid_years = before[no]
        years = (employee.leaving_date.year - 1, employee.leaving_date.year)
        owed = {y: balance[y] for y in years if balance.get(y, Decimal(0)) > 0 and y not in paid_years}
        registered = {p.earning_year: p for p in lines if p.employee_no == no}
        other = {"older_balance" for y, h in balance.items() if y < years[0] and h > 0}
        other |= {"already_paid" for y in years if y in paid_years and balance.get(y, Decimal(0)) > 0}
        if employee.leaving_date < today:  # gone: payroll takes no pay line; a person pays what is owed
            assert registered == {}
            manual = owed or other
            assert (item.status, item.manual_reason) == ((Status.MANUAL, "inactive") if manual else (Status.DONE, None))
            if manual and owed:
                assert item.error_message.startswith(f"Medarbejder {no} fratrådte {employee.leaving_date:%d.%m.%Y}, "
                                                     "og lønsystemet kan ikke registrere lønlinjer efter "
                                                     "fratrædelsen. Ikke afholdte timer af 6. ferieuge, der skal "
                                                     "udbetales manuelt: ")
            for year, hours in owed.items():
                assert f"{year}: {str(hours).replace('.', ',')} t" in item.error_message
            if manual:  # the calculation is stored with the item for the person who pays it
                [stored] = [f for f in env.backend.files(item.id) if f.name == "beregning.json"]
                plan = json.loads(env.backend.file_content(stored.id))["plan"]
                assert {c["earning_year"]: c["amount_ore"] for c in plan["to_pay"]} == {
                    y: expected_amount_ore(employee, h) for y, h in owed.items()}
            continue
        payable = {y: h for y, h in owed.items() if y < today.year}  # payroll pays ended earning years only
        assert set(registered) == set(payable)
        for year, line in registered.items():
            assert line.hours == payable[year] and line.amount_ore == expected_amount_ore(employee, payable[year])
            assert line.period == f"{employee.leaving_date:%Y-%m}"  # with the final pay
        if set(owed) - set(payable):
            other.add("earning_year_not_payable")
        if other:
            assert item.status is Status.MANUAL and item.manual_reason in other, (no, item.manual_reason, other)
            if registered:  # what was paid is said first, then what a person must do
                assert item.error_message.startswith(f"Registreret i lønsystemet for medarbejder {no}: ")
            if item.manual_reason == "earning_year_not_payable":
                assert (f"Lønsystemet afviste udbetalingen af 6. ferieuge til medarbejder {no} for optjeningsår "
                        f"{min(set(owed) - set(payable))} (fejl L-414: ") in item.error_message
                assert "skal udbetales manuelt med den sidste løn." in item.error_message
        else:
            assert item.status is Status.DONE
    assert outcome["inactive"] >= 1 and outcome["earning_year_not_payable"] >= 1, outcome
    # The annual run again (here: searching for the leavers' own names) finds them and adds nothing.
    names = sorted({e.last_name for e in leavers.values()})
    (env.root / "conf" / "processes" / f"{PROCESS}.toml").write_text(
        CONFIG + f"leaver_search_terms = {json.dumps(names, ensure_ascii=False)}\n", encoding="utf-8")
    again = env.run(PROCESS, "produce_leavers")
    assert again.counts.get("added", 0) == 0 and again.counts["skipped"] == len(leavers)
    assert env.run(PROCESS, "pay_leavers").counts.get("done", 0) == 0
    assert len(sixth_week_lines(sims)) == len(lines)
    assert date(2024, 10, 8) == today  # the dates above assume the simulators' default day


def test_leavers_from_the_go_live_day_only(robot_env, make_simulators) -> None:
    """With leavers_from set, those who left before it are not queued (nor paid); the rest are."""
    sims = make_simulators(employees=100, seed=2)
    today = sims.state.settings.today
    env = start(robot_env, sims, config=CONFIG + f"leavers_from = {today.isoformat()}\n")
    with sims.state.lock:
        leavers = {e.employee_no: e.leaving_date for e in sims.state.employees.values() if e.leaving_date is not None}
    ahead = {no for no, day in leavers.items() if day >= today}
    produced = env.run(PROCESS, "produce_leavers")
    assert produced.status == "succeeded", produced.stop_reason
    assert {i.payload["employee_no"] for i in env.items(LEAVERS)} == ahead
    assert produced.counts["left_before_leavers_from"] == len(leavers) - len(ahead) > 0
    # A past leaver whose card the scan could not read: the consumer reads it and leaves it alone.
    gone = min(no for no in leavers if no not in ahead)
    env.backend.add(LEAVERS, [NewItem(f"leaver:{gone}", {"employee_no": gone, "name": "", "leaving_date": None,
                                                         "status": "Fratrådt"})])
    assert env.run(PROCESS, "pay_leavers").status == "succeeded"
    item = env.backend.find(LEAVERS, f"leaver:{gone}")
    assert (item.status, item.output["outcome"]) == (Status.DONE, "left_before_leavers_from")
    assert gone not in {p.employee_no for p in sixth_week_lines(sims)}


def test_cards_the_scan_cannot_read_are_read_again_by_the_consumer(robot_env, make_simulators) -> None:
    """Two tries per card against a faulty payroll: the cards it could not read become items the
    consumer reads again, so no leaver is missed and nobody else is paid; past the limit the step fails."""
    sims = make_simulators(employees=100, seed=2)
    env = start(robot_env, sims, config=CONFIG + "retry_attempts = 2\nmax_unread_cards = 100\n")
    with sims.state.lock:
        leavers = {e.employee_no for e in sims.state.employees.values() if e.leaving_date is not None}
    sims.set_faults(FaultSettings.off().updated({**FAULTS, "error_rate": 0.1}))
    produced = env.run(PROCESS, "produce_leavers")
    sims.set_faults(FaultSettings.off())
    unread = produced.counts["cards_not_read"]
    assert produced.status == "succeeded" and unread > 0, produced.counts
    items = {i.payload["employee_no"]: i for i in env.items(LEAVERS)}
    undated = {no for no, i in items.items() if i.payload["leaving_date"] is None}
    assert len(undated) == unread and all(items[no].reference == f"leaver:{no}" for no in undated)
    assert set(items) >= leavers and set(items) - leavers <= undated  # nobody missed; extras only the unread

    assert env.run(PROCESS, "pay_leavers").status == "succeeded" and env.unfinished(LEAVERS) == []
    for no in set(items) - leavers:  # read again: not leaving, nothing registered
        item = env.backend.get(items[no].id)
        assert item.status is Status.DONE and item.output["outcome"] == "not_leaving"
    assert not {p.employee_no for p in sixth_week_lines(sims)} - leavers

    (env.root / "conf" / "processes" / f"{PROCESS}.toml").write_text(
        CONFIG + "retry_attempts = 1\nmax_unread_cards = 0\n", encoding="utf-8")
    sims.set_faults(FaultSettings.off().updated({**FAULTS, "error_rate": 0.5}))
    failed = env.run(PROCESS, "produce_leavers")
    sims.set_faults(FaultSettings.off())
    assert failed.status == "failed", failed.counts  # payroll is down: the step says so, not a flood of items
