"""Negative pay end to end against the simulated payroll and debtor systems.

Checked against the simulators' own truth (``/_sim/truth/negative-pay``: the default policy's
decision per line, computed by the simulator, not by the robot) and their live state (markings,
invoices). One run with faults on, one where the invoice step is SIGKILLed right after it created
an invoice and before it recorded it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from robots.paths import home
from robots.queue import Status

pytestmark = [pytest.mark.browser]

PROCESS, CASES, INVOICES = "negative_pay", "negative_pay.cases", "negative_pay.invoices"
TODAY = date(2024, 10, 8)  # the simulators' date
CONFIG = """carry_forward_max_kroner = 5000
due_days = 30
today = 2024-10-08
max_consecutive_application_errors = 10
retry_attempts = 4
retry_wait_seconds = 0.1
"""
# Short backoffs (and, for the kill test, a short lease) for the test's queues; conf wins over the process.
QUEUES = """
["negative_pay.cases"]
max_attempts = 3
lease_seconds = 60
backoff_seconds = 0.2
backoff_max_seconds = 1

["negative_pay.invoices"]
max_attempts = 4
lease_seconds = {lease}
backoff_seconds = 0.2
backoff_max_seconds = 1
"""


def start(robot_env: Any, sims: Any, lease: float = 60) -> Any:
    env = robot_env(sims, process_config={PROCESS: CONFIG})
    (env.root / "conf" / "queues.toml").write_text(QUEUES.format(lease=lease), encoding="utf-8")
    env.process(PROCESS)  # defines the queues again: the test's settings win
    return env


# What the Danish sentence for the caseworker says per reason (the desk is in Danish; the codes stay codes).
REASON_SAYS = {"recurring": "var også negativ ved forrige lønkørsel {previous_run_id}.",
               "large_amount": "over grænsen på 5.000,00 kr. for overførsel til næste løn",
               "negative_holiday_pay": "Feriepenge kan ikke modregnes i fremtidig løn (ferieloven)"}


def truth(sims: Any) -> dict[str, dict[str, Any]]:
    """The simulator's expected outcome per pending case, by our reference (run:employee:kind)."""
    rows = httpx.get(f"{sims.base_url}/_sim/truth/negative-pay", timeout=10).json()
    return {f"{t['run_id']}:{t['employee_no']}:{t['kind']}": t for t in rows if t["pending"]}


def invoices_by_reference(sims: Any) -> Counter[str]:
    with sims.state.lock:
        return Counter(inv.reference for inv in sims.state.invoices.values())


def assert_outcomes(env: Any, sims: Any, expected: dict[str, dict[str, Any]], *, faults: bool = False) -> None:
    """Every case ends done or manual with a reason, as the simulator's policy says; markings and
    invoices in the systems' state agree, and no reference is invoiced twice."""
    items = {i.reference: i for i in env.items(CASES)}
    assert set(items) == set(expected)
    assert env.unfinished(CASES) == [] and env.unfinished(INVOICES) == []
    invoice_items = {i.payload["case_reference"]: i for i in env.items(INVOICES)}
    counted = invoices_by_reference(sims)
    for reference, t in expected.items():
        item = items[reference]
        with sims.state.lock:
            marking = sims.state.negatives[t["line_id"]].marking
        if faults and item.status is Status.MANUAL and item.manual_reason == "retries_exhausted":
            continue  # the faults won: a person looks at it (nothing was done twice, checked below)
        if t["expected_decision"] == "manual":
            assert item.status is Status.MANUAL, (reference, item.output)
            assert item.manual_reason == t["reason"], (reference, item.manual_reason, t)
            assert marking is None
            assert "XXXX" not in (item.error_message or "") and t["cpr"] not in (item.error_message or "")
            message = item.error_message or ""
            assert message.startswith(f"Medarbejder {t['employee_no']} "), message
            assert f"ved lønkørsel {t['run_id']}" in message, message
            assert REASON_SAYS.get(t["reason"], "").format(**t) in message, (t["reason"], message)
            continue
        assert item.status is Status.DONE, (reference, item.status, item.manual_reason, item.error_message)
        assert item.output["decision"] == t["expected_decision"], (reference, item.output, t)
        ending = "opkræves med faktura." if t["expected_decision"] == "invoice" else "overføres til næste løn."
        assert item.output["reason"].startswith(f"Medarbejder {t['employee_no']} ") and \
            item.output["reason"].endswith(ending), item.output["reason"]
        assert marking == t["expected_decision"]
        ref = f"NEG-{t['run_id']}-{t['employee_no']}"
        if t["expected_decision"] == "carry_forward":
            assert counted[ref] == 0 and reference not in invoice_items
            continue
        invoice_item = invoice_items[reference]
        if faults and invoice_item.status is Status.MANUAL and invoice_item.manual_reason == "retries_exhausted":
            assert counted[ref] <= 1
            continue
        assert invoice_item.status is Status.DONE, (reference, invoice_item.manual_reason, invoice_item.error_message)
        assert counted[ref] == 1, (ref, counted[ref])
        with sims.state.lock:
            (inv,) = [i for i in sims.state.invoices.values() if i.reference == ref]
            debtor = sims.state.debtors[inv.debtor_no]
        assert invoice_item.output["invoice_no"] == inv.invoice_no
        assert inv.total_ore == -t["amount_ore"] == invoice_item.output["amount_ore"]
        assert debtor.cpr == t["cpr"]
        assert inv.due_date == date(2024, 11, 7)  # 30 days after the simulators' today
        with sims.state.lock:
            elements = sims.state.negatives[t["line_id"]].elements
        assert sorted((ln.period, ln.amount_ore) for ln in inv.lines) == sorted(
            (e.period, -e.amount_ore) for e in elements if e.amount_ore)
        assert "afdrag" in inv.note and "reg.nr." in inv.note
    # Nothing in the debtor system twice, for any of our references (generated history included).
    assert [ref for ref, n in counted.items() if n > 1 and ref.startswith("NEG-")] == []


def test_decisions_markings_and_invoices_match_the_simulators_truth(robot_env: Any, make_simulators: Any) -> None:
    sims = make_simulators(seed=3, employees=400, citizens=5, docs_per_file=1, page_size=5)  # lists of 2+ pages
    expected = truth(sims)
    reasons = Counter(t["reason"] for t in expected.values())
    assert {"left", "simple", "recurring", "large_amount", "negative_holiday_pay"} <= set(reasons), reasons
    env = start(robot_env, sims)

    produced = env.run(PROCESS, "produce")
    assert produced.status == "succeeded" and produced.counts["added"] == len(expected)
    for item in env.items(CASES):  # the payload: amounts in øre, organisation, pay type, CPR, facts of the runs
        t = expected[item.reference]
        assert item.payload["amount_ore"] == t["amount_ore"] and item.payload["cpr"] == t["cpr"]
        assert item.payload["pay_type"] == t["pay_type"] and item.payload["org_code"].isdigit()
        assert item.payload["negative_in_previous_run"] == t["recurring"]
        assert item.payload["previous_run_id"] == t["previous_run_id"]

    decided = env.run(PROCESS, "decide")
    assert decided.status == "succeeded"
    manual = {r: n for r, n in reasons.items() if r in ("recurring", "large_amount", "negative_holiday_pay")}
    assert decided.counts["manual_reasons"] == manual
    invoiced = env.run(PROCESS, "invoice")
    assert invoiced.status == "succeeded" and invoiced.counts["done"] == reasons["left"]
    assert_outcomes(env, sims, expected)

    # The overview counts what the systems hold.
    from processes.negative_pay.report import write_report

    result = write_report(env.backend, env.root / "overview.xlsx", date(2024, 9, 1), date(2024, 10, 31))
    assert result.by_status == {"carried_forward": reasons["simple"], "invoiced": reasons["left"],
                                "manual": sum(manual.values())}
    assert result.amount_ore == sum(t["amount_ore"] for t in expected.values())
    book = load_workbook(result.path, read_only=True)
    assert book.sheetnames == ["Sager", "Oversigt", "Rapport"]
    sheet = list(book["Sager"].iter_rows(values_only=True))
    status, reason = sheet[0].index("Status"), sheet[0].index("Årsag")
    assert Counter(row[status] for row in sheet[1:]) == {
        "Overført til næste løn": reasons["simple"], "Faktureret": reasons["left"],
        "Manuel behandling": sum(manual.values())}
    assert Counter(row[reason] for row in sheet[1:] if row[status] == "Manuel behandling") == {
        {"recurring": "Negativ igen (også ved sidste lønkørsel)", "large_amount": "Beløbet er over grænsen",
         "negative_holiday_pay": "Negative feriepenge"}[code]: n for code, n in manual.items()}

    # Again: nothing new is produced, decided or invoiced.
    before = invoices_by_reference(sims)
    assert env.run(PROCESS, "produce").counts.get("added", 0) == 0
    assert env.run(PROCESS, "decide").counts.get("done", 0) == 0
    assert env.run(PROCESS, "invoice").counts.get("done", 0) == 0
    assert invoices_by_reference(sims) == before

    # A caseworker decides on the desk and sends the case back: the robot does what was decided, within the law.
    from robots.web.cases import corrected_payload, view_for

    view = view_for("negative_pay")
    waiting: dict[str, Any] = {}
    for item in env.items(CASES):
        if item.status is Status.MANUAL:
            waiting.setdefault(item.manual_reason, item)
    chosen = {"recurring": "invoice", "large_amount": "carry_forward", "negative_holiday_pay": "carry_forward"}
    for reason, key in chosen.items():
        decision = view.decision(key)
        item = waiting[reason]
        env.backend.resolve(item.id, "desk:kmj", decision.resolution, "afgjort på skrivebordet",
                            corrected_payload(item, decision, {}))
    assert env.run(PROCESS, "decide").status == "succeeded"
    assert env.run(PROCESS, "invoice").status == "succeeded"
    after = {reason: env.backend.get(waiting[reason].id) for reason in chosen}
    for reason, item in after.items():
        t = expected[item.reference]
        with sims.state.lock:
            marking = sims.state.negatives[t["line_id"]].marking
        invoices = invoices_by_reference(sims)[f"NEG-{t['run_id']}-{t['employee_no']}"]
        if reason == "negative_holiday_pay":  # never set off against pay: back with a person, nothing marked
            assert (item.status, item.manual_reason, marking, invoices) == (
                Status.MANUAL, "carry_forward_refused", None, 0)
            assert "ferieloven" in (item.error_message or "")
            continue
        assert item.status is Status.DONE, (reason, item.manual_reason, item.error_message)
        assert (item.output["decision"], item.output["code"], marking) == (chosen[reason], "caseworker", chosen[reason])
        assert invoices == (1 if chosen[reason] == "invoice" else 0)


def test_with_faults_nothing_is_done_twice_and_nothing_is_lost(robot_env: Any, make_simulators: Any) -> None:
    sims = make_simulators(seed=7, employees=300, citizens=5, docs_per_file=1, page_size=5,
                           faults={"enabled": True, "error_rate": 0.05, "session_expiry_rate": 0.05,
                                   "busy_rate": 0.03, "lost_response_rate": 0.06, "seed": 3})
    expected = truth(sims)
    env = start(robot_env, sims)
    for step in ("produce", "decide", "invoice"):
        record = env.run(PROCESS, step)
        assert record.status == "succeeded", step
        print(step, {k: v for k, v in record.counts.items() if k != "last_error"})  # the figures, with -s
    assert_outcomes(env, sims, expected, faults=True)
    stats = sims.app.state.faults.stats
    assert stats.get("lost", 0) > 0 and stats.get("error", 0) > 0, stats
    events = [e.action for i in env.items(CASES) + env.items(INVOICES) for e in env.backend.events(i.id)]
    assert events.count("step_retry") > 0


# -- the crash between "created" and "recorded" --------------------------------------------------------


def hold_first_invoice_answer(sims: Any, monkeypatch: pytest.MonkeyPatch, seconds: float) -> threading.Event:
    """Let the debtor system create the first invoice, then hold its answer back for ``seconds``: the
    robot is then certainly between "created" and "recorded" when the test kills it."""
    import simulators.debtor as debtor

    created = threading.Event()
    original = debtor.create_invoice

    def create_then_stall(*args: Any, **kwargs: Any) -> Any:
        invoice = original(*args, **kwargs)
        if not created.is_set():
            created.set()
            time.sleep(seconds)  # blocks the simulators' event loop: no answer reaches the robot
        return invoice

    monkeypatch.setattr(debtor, "create_invoice", create_then_stall)
    return created


def invoice_step_process(env: Any, label: str) -> subprocess.Popen[bytes]:
    """The invoice step as ``robots run`` starts it: a robocorp task in its own process (and session)."""
    artifacts = env.root / "runs" / label
    artifacts.mkdir(parents=True)
    tasks = Path(home()) / "processes" / "negative_pay" / "tasks.py"
    run_env = {**os.environ, "ROBOTS_RUN_ID": f"kill-test-{label}", "ROBOTS_ARTIFACTS_DIR": str(artifacts),
               "ROBOTS_UNTIL_EMPTY": "1", "PYTHONPATH": str(home())}
    return subprocess.Popen([sys.executable, "-m", "robocorp.tasks", "run", str(tasks), "-t", "invoice",
                             "--output-dir", str(artifacts)], env=run_env, cwd=home(), start_new_session=True,
                            stdout=(artifacts / "console.log").open("wb"), stderr=subprocess.STDOUT)


def test_a_killed_invoice_step_never_yields_a_second_invoice(robot_env: Any, make_simulators: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    sims = make_simulators(seed=7, employees=300, citizens=5, docs_per_file=1)
    expected = truth(sims)
    to_invoice = {f"NEG-{t['run_id']}-{t['employee_no']}" for t in expected.values()
                  if t["expected_decision"] == "invoice"}
    assert len(to_invoice) >= 3
    lease = 4.0
    env = start(robot_env, sims, lease=lease)
    assert env.run(PROCESS, "produce").status == "succeeded"
    assert env.run(PROCESS, "decide").status == "succeeded"
    assert len(env.items(INVOICES)) == len(to_invoice)

    created = hold_first_invoice_answer(sims, monkeypatch, seconds=3)
    proc = invoice_step_process(env, "first")
    try:
        assert created.wait(timeout=45), "the invoice step created no invoice"
        os.killpg(proc.pid, signal.SIGKILL)  # the robot and its browser, right after the invoice was created
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    counted = invoices_by_reference(sims)
    assert sum(counted[ref] for ref in to_invoice) == 1  # exactly the first one was created
    in_progress = [i for i in env.items(INVOICES) if i.status is Status.IN_PROGRESS]
    assert len(in_progress) == 1  # ... and never recorded: the robot died holding it
    killed = in_progress[0]

    time.sleep(lease + 0.5)  # the lease runs out; the next run takes the item again
    proc = invoice_step_process(env, "second")
    assert proc.wait(timeout=90) == 0, (env.root / "runs" / "second" / "console.log").read_text(errors="replace")

    counted = invoices_by_reference(sims)
    assert {ref: counted[ref] for ref in to_invoice} == dict.fromkeys(to_invoice, 1)
    items = env.items(INVOICES)
    assert all(i.status is Status.DONE for i in items), [(i.reference, i.status) for i in items]
    with sims.state.lock:
        numbers = {inv.reference: inv.invoice_no for inv in sims.state.invoices.values()}
    assert {i.payload["reference"]: i.output["invoice_no"] for i in items} == {ref: numbers[ref] for ref in to_invoice}
    again = env.backend.get(killed.id)
    assert again.output["created"] is False and again.attempts == 2  # found and recorded, not created again
    assert "lease_expired" in [e.action for e in env.backend.events(killed.id)]
