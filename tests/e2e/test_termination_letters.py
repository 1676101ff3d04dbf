"""The termination-letters process end to end against the simulated inbox, payroll, ESDH and digital post.

Checked against the simulators' own records (cases, employees, terminations, archived documents,
sent messages) and their ground truth (/_sim/truth/inbox: ``early_date`` per case, computed by
the simulator from RULES.md section 4, independently of processes/termination_letters/rules.py).
Each letter is opened (python-docx, pypdf) and read for every content point RULES.md lists.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from docx import Document
from pypdf import PdfReader

from robots.queue import Status, WorkItem

pytestmark = [pytest.mark.browser]

PROCESS, QUEUE = "termination_letters", "termination_letters.cases"
ROOT = Path(__file__).resolve().parents[2]
CONF = (ROOT / "conf/processes/termination_letters.toml").read_text(encoding="utf-8")
TEST_CONF = "retry_wait_seconds = 0.1\n" + CONF.replace("max_consecutive_application_errors = 5",
                                                      "max_consecutive_application_errors = 10")
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")
QUEUE_CONF = (f'\n["{QUEUE}"]\nmax_attempts = 3\nlease_seconds = {{lease}}\nbackoff_seconds = 0.2\n'
              "backoff_max_seconds = 1\n")


def long_date(iso: str) -> str:
    """'2024-10-31' -> '31. oktober 2024', written here independently of the process's code."""
    day = date.fromisoformat(iso)
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def kroner(ore: int) -> str:
    return f"{ore // 100:,}".replace(",", ".") + f",{ore % 100:02d}"


def open_resignations(sims: Any) -> dict[str, dict[str, Any]]:
    """case id -> the simulator's truth entry, for the resignation cases that were open at the start."""
    truth = httpx.get(f"{sims.base_url}/_sim/truth/inbox", timeout=10).json()
    return {t["case_id"]: t for t in truth if t["kind"] == "resignation" and t["status"] == "open"}


def start(make_simulators: Any, robot_env: Any, *, seed: int, employees: int, faults: dict[str, Any] | None = None,
          lease_seconds: float = 180) -> tuple[Any, Any]:
    sims = make_simulators(seed=seed, employees=employees, faults=faults or False)
    env = robot_env(sims, process_config={PROCESS: TEST_CONF})
    with (env.root / "conf" / "queues.toml").open("a", encoding="utf-8") as conf:
        conf.write(QUEUE_CONF.format(lease=lease_seconds))
    return sims, env


def letters_of(sims: Any, case_id: str) -> tuple[list[Any], list[Any]]:
    """(archived documents, sent messages) for one case, from the simulators' state."""
    with sims.state.lock:
        docs = [d for d in sims.state.documents.values() if d.doc_type == "fratraedelse" and case_id in d.title]
        sent = [m for m in sims.state.messages.values() if m.reference == case_id]
    return docs, sent


def stored_file(env: Any, item: WorkItem, suffix: str) -> bytes:
    files = [f for f in env.backend.files(item.id) if f.name == f"fratraedelse-{item.reference}{suffix}"]
    assert len(files) == 1, [f.name for f in env.backend.files(item.id)]
    return env.backend.file_content(files[0].id)


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    lines += [" | ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows]
    return "\n".join(lines)


def check_letter(sims: Any, env: Any, item: WorkItem, truth: dict[str, Any]) -> None:
    """Every content point of RULES.md section 4, read from the .docx; name and date from the PDF."""
    with sims.state.lock:
        emp = sims.state.employees[item.payload["employee_no"]]
        manager = sims.state.employees.get(emp.manager_no or "")
        case = sims.state.cases[item.reference]
        last_day = [t for t in sims.state.terminations if t.employee_no == emp.employee_no][-1].last_working_day
    text = docx_text(stored_file(env, item, ".docx"))
    leaving = long_date(truth["requested"])
    received = case.received_at.date().isoformat()
    expected = [
        emp.name, f"{emp.address}", f"{emp.postcode} {emp.city}", item.reference,  # who, where, which case
        f"Opsigelse modtaget | {long_date(received)}",
        f"modtaget din opsigelse af din stilling som {emp.position.lower()}", f"Stilling | {emp.position}",
        f"Fratrædelsesdato | {leaving}", f"med udgangen af {leaving}",
        f"Sidste arbejdsdag | {long_date(last_day.isoformat())}",  # as registered in payroll
        f"Din sidste arbejdsdag er {long_date(last_day.isoformat())}",
        "Feriepengeinfo", "6. ferieuge", "Afspadsering", "udbetales med din sidste løn",  # holiday, 6th week, TOIL
        "Aflevering af udstyr", f"afleveres til {manager.name if manager else 'din nærmeste leder'}",  # equipment
        "Lene Holm, lønkonsulent", "72 10 45 00", "loen@vesteraa.dk",  # contact person
    ]
    if truth["pay_type"] == "hourly":
        expected += ["(timelønnet)", f"Timeløn, {kroner(emp.hourly_rate_ore)} kr. pr. time", "bagud",
                     "feriegodtgørelse på 12,5 %"]
        assert "Månedsløn" not in text
    else:
        expected += [f"Månedsløn, {kroner(emp.monthly_salary_ore)} kr.", f"Du får løn til og med {leaving}"]
        assert "timelønnet" not in text
    assert ("tjenestemandsvilkår" in text) is truth["civil_servant"]
    if truth["civil_servant"]:
        expected.append("tre måneders opsigelsesvarsel")
    balance = sum(h for y, h in emp.sixth_week_balance.items() if y not in emp.sixth_week_paid and h > 0)
    if balance:
        expected.append(f"Din saldo for 6. ferieuge er i dag {f'{balance:.2f}'.replace('.', ',')} timer")
    missing = [point for point in expected if point not in text]
    assert not missing, f"{item.reference}: the letter lacks {missing}"
    assert "{{" not in text and "{%" not in text
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(stored_file(env, item, ".pdf"))).pages)
    pdf_text = " ".join(pdf_text.split())
    assert emp.name in pdf_text and leaving in pdf_text


def check_outcome(sims: Any, env: Any, expected: dict[str, dict[str, Any]], *, faults: bool) -> Counter[str]:
    """Every case handled once or with a person for the truth's reason; returns done/manual per reason."""
    outcome: Counter[str] = Counter()
    items = env.items(QUEUE)
    assert {i.reference for i in items} == set(expected)
    assert env.unfinished(QUEUE) == []
    with sims.state.lock:
        terminations = Counter(t.employee_no for t in sims.state.terminations if t.registered_by == "robot")
    for item in items:
        truth = expected[item.reference]
        early = "early_date" in truth["problems"]
        docs, sent = letters_of(sims, item.reference)
        with sims.state.lock:
            case = sims.state.cases[item.reference]
            emp = sims.state.employees[item.payload["employee_no"]]
            registered = [t for t in sims.state.terminations if t.employee_no == emp.employee_no]
        if item.status is Status.DONE:
            outcome["done"] += 1
            assert not early
            assert case.status == "handled" and case.handled_by == "robot"
            assert emp.leaving_date == date.fromisoformat(truth["requested"])
            assert terminations[emp.employee_no] == 1 and registered[-1].reason_code == "01"
            last_day = registered[-1].last_working_day
            assert last_day.weekday() < 5 and 0 <= (emp.leaving_date - last_day).days <= 6  # a weekday, that week
            assert len(docs) == 1 and len(sent) == 1, (item.reference, len(docs), len(sent))
            assert docs[0].file_cpr == emp.cpr and sent[0].cpr == emp.cpr
            assert docs[0].content == sent[0].content == stored_file(env, item, ".pdf")  # the same letter
            assert item.output["variant"] == ("hourly" if truth["pay_type"] == "hourly" else "monthly")
            assert item.output["earliest_leaving_date"] == truth["earliest_allowed"]
            check_letter(sims, env, item, truth)
        else:
            assert item.status is Status.MANUAL
            outcome[item.manual_reason] += 1
            if not (faults and item.manual_reason == "retries_exhausted"):
                assert item.manual_reason == "early_date" and early, (item.reference, item.manual_reason)
                assert long_date(truth["requested"]) in item.error_message
                assert long_date(truth["earliest_allowed"]) in item.error_message
            assert case.status == "open" and emp.leaving_date is None and terminations[emp.employee_no] == 0
            assert docs == [] and sent == []
            assert emp.cpr not in (item.error_message or "")
    return outcome


def test_every_resignation_is_confirmed_once_or_goes_to_a_person(robot_env: Any, make_simulators: Any) -> None:
    sims, env = start(make_simulators, robot_env, seed=3, employees=300)  # 6 cases, one a civil servant
    expected = open_resignations(sims)
    kinds = Counter(("early" if "early_date" in t["problems"] else "ok", t["pay_type"], t["civil_servant"])
                    for t in expected.values())
    assert kinds == Counter({("ok", "monthly", False): 2, ("ok", "monthly", True): 1, ("ok", "hourly", False): 1,
                             ("early", "monthly", False): 1, ("early", "hourly", False): 1})  # what this test needs
    assert env.run(PROCESS, "produce").status == "succeeded"

    record = env.run(PROCESS, "confirm")
    assert record.status == "succeeded"
    outcome = check_outcome(sims, env, expected, faults=False)
    assert outcome == Counter({"done": 4, "early_date": 2})
    assert record.counts["manual_reasons"] == {"early_date": 2}
    # Nothing is done twice: a second producer run adds nothing and the consumer finds nothing to do.
    assert env.run(PROCESS, "produce").counts.get("added", 0) == 0
    assert env.run(PROCESS, "confirm").counts.get("done", 0) == 0
    assert check_outcome(sims, env, expected, faults=False) == outcome


def test_faults_do_not_make_a_letter_twice(robot_env: Any, make_simulators: Any) -> None:
    faults = {"enabled": True, "error_rate": 0.05, "session_expiry_rate": 0.05, "busy_rate": 0.03,
              "lost_response_rate": 0.05, "seed": 3}
    sims, env = start(make_simulators, robot_env, seed=2, employees=120, faults=faults, lease_seconds=120)
    expected = open_resignations(sims)
    assert env.run(PROCESS, "produce").status == "succeeded"
    record = env.run(PROCESS, "confirm")
    assert record.status == "succeeded"
    outcome = check_outcome(sims, env, expected, faults=True)
    assert len(expected) == 4 and outcome["done"] >= 2, outcome
    stats = sims.app.state.faults.stats
    print(f"faulted run: {dict(outcome)}; faults {stats}; counts {record.counts}")
    assert stats.get("lost", 0) + stats.get("error", 0) > 0, stats
    actions = [e.action for item in env.items(QUEUE) for e in env.backend.events(item.id)]
    assert actions.count("step_retry") + actions.count("retry_scheduled") > 0


def test_a_worker_killed_between_archive_and_post_loses_and_repeats_nothing(
        robot_env: Any, make_simulators: Any, tmp_path: Path) -> None:
    sims, env = start(make_simulators, robot_env, seed=1, employees=120, lease_seconds=2)
    expected = open_resignations(sims)
    assert env.run(PROCESS, "produce").status == "succeeded"
    # Digital post answers after 3 s: the worker is certainly between the archive and the post when we kill it.
    sims.set_faults(enabled=True, latency_ms=[3000, 3000], systems=["post"], error_rate=0.0, busy_rate=0.0,
                    session_expiry_rate=0.0, lost_response_rate=0.0)
    process = env.process(PROCESS)
    worker = subprocess.Popen(
        [sys.executable, "-m", "robocorp.tasks", "run", str(process.tasks_file()), "-t", "confirm",
         "--output-dir", str(tmp_path / "worker")],
        env={**os.environ, "PYTHONPATH": str(ROOT), "ROBOTS_ARTIFACTS_DIR": str(tmp_path / "worker")},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        archived: list[Any] = []
        while not archived and time.monotonic() < deadline and worker.poll() is None:
            with sims.state.lock:
                archived = [d for d in sims.state.documents.values() if d.doc_type == "fratraedelse" and
                            any(case_id in d.title for case_id in expected)]
            time.sleep(0.02)
        assert archived, "the worker archived no letter within 60 s"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its browser, all at once, no clean-up
        worker.wait(timeout=10)
    killed_case = next(c for c in expected if c in archived[0].title)
    assert letters_of(sims, killed_case)[1] == []  # archived, not sent
    killed = next(i for i in env.items(QUEUE) if i.reference == killed_case)
    assert killed.status is Status.IN_PROGRESS

    sims.set_faults(enabled=False)
    time.sleep(2.2)  # the lease runs out ...
    assert [i.reference for i in env.backend.requeue_expired(QUEUE)] == [killed_case]  # ... and the item is back
    record = env.run(PROCESS, "confirm")
    assert record.status == "succeeded"
    check_outcome(sims, env, expected, faults=False)
    again = env.backend.get(killed.id)
    assert again.status is Status.DONE and again.attempts == 2
    assert again.output["archived_before"] is True and again.output["sent_before"] is False
    assert again.output["letter_reused"] is True and again.output["termination_registered_before"] is True
