"""The personnel-file check end to end against the simulators, checked against their ground truth.

The simulator plants missing documents, documents under a wrong type, documents in the wrong
employee's file and child-protection certificates dated after the start date; its truth endpoint
says which. The robot must find every one of them and report nothing else.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from openpyxl import load_workbook

from processes.personnel_files.tasks import ASSESSMENT_FILE
from processes.personnel_files.workbook import EMPLOYEES_SHEET, KIND_NAMES
from robots.queue import Status
from robots.queue.importer import import_file

PROCESS = "personnel_files"
QUEUE = "personnel_files.employees"
CONFIG = ("confident_score = 0.90\nretry_wait_seconds = 0.1\nmax_consecutive_application_errors = 10\n"
          "request_reference_prefix = \"PF\"\n")
ROBOTS = str(Path(sys.executable).with_name("robots"))
PG_ADMIN_URL = os.environ.get("ROBOTS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PROBLEMS = ("missing", "misfiled", "wrong_employee", "late_child_certificate")
# What the robot did about each kind of finding, as the report's "Handling" column says it (Danish).
ACTIONS = {"misfiled": re.compile(r"omjournaliseret"), "wrong_employee": re.compile(r"til en sagsbehandler"),
           "late_child_certificate": re.compile(r"rapporteret"),
           "missing": re.compile(r"rekvireret hos leder \d+ \(besked \S+\)")}


def truth_of(sims: Any) -> dict[str, Any]:
    """The simulator's own answer (independent of the robot's code)."""
    return httpx.get(f"{sims.base_url}/_sim/truth/personnel-files", timeout=10).json()


def expected_findings(entry: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {kind: set() for kind in PROBLEMS}
    for p in entry["problems"]:
        found[p["problem"]].add(p["doc_type"] if p["problem"] == "missing" else p["doc_id"])
    return found


def assessment_of(env: Any, item: Any) -> dict[str, Any]:
    """The robot's findings: the item's output, or the assessment it attached when handing it over."""
    if item.status is Status.DONE:
        return item.output
    files = [f for f in env.backend.files(item.id) if f.name == ASSESSMENT_FILE]
    return json.loads(env.backend.file_content(files[-1].id))


def robot_findings(env: Any, item: Any) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for f in assessment_of(env, item)["findings"]:
        found[f["kind"]].add(f["doc_type"] if f["kind"] == "missing" else f["doc_id"])
    return found


def write_list(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("cpr;employee_no\n" + "".join(f"{cpr};{no}\n" for cpr, no in rows), encoding="utf-8")
    return path


def test_every_planted_problem_is_found_and_nothing_else(robot_env, make_simulators, tmp_path: Path) -> None:
    sims = make_simulators(seed=38, employees=12, docs_per_file=5)
    truth = truth_of(sims)
    kinds = Counter(p["problem"] for entry in truth.values() for p in entry["problems"])
    assert all(kinds[k] for k in PROBLEMS), kinds  # the population plants every kind of problem
    env = robot_env(sims, process_config={PROCESS: CONFIG})

    # HR's list: every employee, plus a row without a CPR (rejected) and one with a bad CPR (to a person).
    rows = [(cpr, entry["employee_no"]) for cpr, entry in truth.items()]
    listed = write_list(tmp_path / "list.csv", [*rows, ("", "999998"), ("12345", "999999")])
    report = import_file(env.backend, QUEUE, listed, reference_column="cpr")
    assert len(report.added) == len(truth) + 1 and [r.row for r in report.rejected] == [len(rows) + 2]

    record = env.run(PROCESS, "check")
    assert record.status == "succeeded", record.stop_reason
    assert env.unfinished(QUEUE) == []
    items = {i.reference: i for i in env.items(QUEUE)}
    bad_row = items.pop("12345")
    assert bad_row.manual_reason == "bad_input"
    assert bad_row.error_message == ("Rækken »12345« i listen indeholder ikke et CPR-nr. (DDMMÅÅ-SSSS), så "
                                     "personalesagen kan ikke findes.")

    for cpr, entry in truth.items():
        item = items[cpr]
        expected = expected_findings(entry)
        found = robot_findings(env, item)
        for kind in PROBLEMS:
            assert found.get(kind, set()) == expected[kind], (entry["employee_no"], kind)
        assert not found.get("uncertain"), entry["employee_no"]
        for f in assessment_of(env, item)["findings"]:  # the first check did each act itself
            assert ACTIONS[f["kind"]].fullmatch(f["action"]), f
        # A person gets exactly the files holding another employee's document.
        if expected["wrong_employee"]:
            assert item.status is Status.MANUAL and item.manual_reason == "wrong_employee"
            assert item.error_message.startswith(f"Personalesagen for medarbejder {entry['employee_no']} (")
            assert "i personalesagen for medarbejder" in item.error_message
            assert "flyt det til den rigtige personalesag." in item.error_message
            assert {f.name for f in env.backend.files(item.id)} >= {f"{d}.{sims.state.documents[d].format}"
                                                                   for d in expected["wrong_employee"]}
        else:
            assert item.status is Status.DONE, (entry["employee_no"], item.manual_reason, item.error_message)

    # The acts: misfiled documents re-filed under their true type, one request per missing document.
    with sims.state.lock:
        misfiled = [p["doc_id"] for e in truth.values() for p in e["problems"] if p["problem"] == "misfiled"]
        assert all(sims.state.documents[d].doc_type == sims.state.documents[d].true_type for d in misfiled)
        messages = list(sims.state.messages.values())
        employees = sims.state.employees_by_cpr
        expected_requests = {
            (f"PF-{e['employee_no']}-{p['doc_type']}", sims.state.employees[employees[cpr].manager_no].cpr)
            for cpr, e in truth.items() for p in e["problems"] if p["problem"] == "missing"}
    assert {(m.reference, m.cpr) for m in messages} == expected_requests
    assert len(messages) == len(expected_requests)
    assert record.counts["manual_reasons"] == {"bad_input": 1, "wrong_employee": kinds["wrong_employee"]}

    # A caseworker sends the handed-over files back: the robot finds the same, and asks nobody twice.
    for item in env.items(QUEUE):
        if item.manual_reason == "wrong_employee":
            env.backend.retry(item.id, "caseworker", "check again")
    assert env.run(PROCESS, "check").status == "succeeded"
    with sims.state.lock:
        assert len(sims.state.messages) == len(expected_requests)
    again = [i for i in env.items(QUEUE)
             if i.reference in truth and expected_findings(truth[i.reference])["wrong_employee"]]
    assert again and all(i.manual_reason == "wrong_employee" for i in again)
    actions = set()
    for item in again:
        found = robot_findings(env, item)
        assert {k: found.get(k, set()) for k in PROBLEMS} == expected_findings(truth[item.reference])
        actions |= {f["action"].split(" hos leder ")[0] for f in assessment_of(env, item)["findings"]
                    if f["kind"] == "missing"}
        assert all(f["action"] == "allerede omjournaliseret" for f in assessment_of(env, item)["findings"]
                   if f["kind"] == "misfiled")
    assert actions == {"allerede rekvireret"}  # (this population has a file with both problems)

    # The result workbook: one row per employee, one sheet per finding kind, CPR numbers masked.
    report_run = env.run(PROCESS, "report")
    assert report_run.status == "succeeded"
    book = load_workbook(report_run.counts["report"], read_only=True)
    employees_sheet = list(book[EMPLOYEES_SHEET].iter_rows(values_only=True))
    assert len(employees_sheet) == 1 + len(truth) + 1
    for kind in PROBLEMS:
        assert len(list(book[KIND_NAMES[kind]].iter_rows(values_only=True))) == 1 + kinds[kind]
    # In Danish for HR staff: the status and the reason of each employee handed to a person.
    header = employees_sheet[0]
    status, reason = header.index("Status"), header.index("Manuel årsag")
    with_person = [r for r in employees_sheet[1:] if r[status] == "hos en sagsbehandler"]
    assert len(with_person) == 1 + kinds["wrong_employee"]  # the bad list row and the wrong-employee files
    assert {r[reason] for r in with_person} == {"Listens række kan ikke bruges", "Dokument om en anden medarbejder"}
    cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    assert not [c for c in cells if re.search(r"\d{6}-?\d{4}", c)]
    assert any(re.search(r"\d{6}-XXXX", c) for c in cells)


@pytest.mark.browser
def test_faults_do_nothing_twice_and_lose_nothing(robot_env, make_simulators) -> None:
    sims = make_simulators(seed=51, employees=16, docs_per_file=5, faults={
        "enabled": True, "error_rate": 0.05, "session_expiry_rate": 0.05, "busy_rate": 0.03,
        "lost_response_rate": 0.03, "seed": 3})
    truth = truth_of(sims)
    with sims.state.lock:
        org_4104 = sims.state.population.orgs["4104"].name
        expected = {e.cpr: e for e in sims.state.employees.values() if e.org_code in ("2101", "2204", "4104")}
    config = CONFIG + f'organisations = ["2101", "2204", "{org_4104}"]\ninclude_former_employees = true\n' \
                      "retry_attempts = 5\n"
    env = robot_env(sims, process_config={PROCESS: config})

    # "All employees of organisations X, Y, Z", read from the payroll system.
    assert env.run(PROCESS, "produce").status == "succeeded"
    assert {i.reference for i in env.items(QUEUE)} == set(expected)
    record = env.run(PROCESS, "check")
    assert record.status == "succeeded", record.stop_reason
    assert env.unfinished(QUEUE) == []

    def compare() -> None:
        for item in env.items(QUEUE):
            wanted, found = expected_findings(truth[item.reference]), robot_findings(env, item)
            assert {k: found.get(k, set()) for k in PROBLEMS} == wanted, expected[item.reference].employee_no
            assert not found.get("uncertain")

    compare()
    reasons = Counter(i.manual_reason for i in env.items(QUEUE) if i.status is Status.MANUAL)
    assert reasons == {"wrong_employee": 2, "no_manager": 1}

    # Back to the robot (as a caseworker would send them): the same findings, nothing done twice.
    for item in env.items(QUEUE):
        if item.status is Status.MANUAL:
            env.backend.retry(item.id, "caseworker", "check again")
    assert env.run(PROCESS, "check").status == "succeeded"
    assert env.unfinished(QUEUE) == []
    compare()

    with sims.state.lock:
        events = list(sims.state.events)
        misfiled = {p["doc_id"] for c in expected for p in truth[c]["problems"] if p["problem"] == "misfiled"}
        assert all(sims.state.documents[d].doc_type == sims.state.documents[d].true_type for d in misfiled)
        references = Counter(m.reference for m in sims.state.messages.values())
    updates = Counter(e["doc_id"] for e in events if e["system"] == "esdh" and e["action"] == "update")
    assert updates == dict.fromkeys(misfiled, 1)  # each misfiled document re-filed exactly once
    missing = {f"PF-{truth[c]['employee_no']}-{p['doc_type']}" for c in expected for p in truth[c]["problems"]
               if p["problem"] == "missing" and expected[c].manager_no}
    assert references == dict.fromkeys(missing, 1)  # (none here: the employee lacking one has no manager)
    # The faults happened, and the retries they caused are in the audit trail.
    stats = sims.app.state.faults.stats
    assert stats.get("error", 0) + stats.get("expire", 0) + stats.get("lost", 0) > 0, stats
    actions = [e.action for item in env.items(QUEUE) for e in env.backend.events(item.id)]
    assert actions.count("step_retry") > 0


@pytest.fixture()
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own, dropped after the test."""
    name = f"robots_pf_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.slow
def test_two_machines_share_the_check_on_postgresql(robot_env, make_simulators, tmp_path: Path, pg_url: str) -> None:
    """Two `robots worker ... --processes 2` at once (as two machines would run them) on one PostgreSQL
    queue: every employee checked once, by four worker processes between them, with the right findings."""
    sims = make_simulators(seed=38, employees=24, docs_per_file=5)
    truth = truth_of(sims)
    env = robot_env(sims, process_config={PROCESS: CONFIG}, database_url=pg_url)
    listed = write_list(tmp_path / "list.csv", [(cpr, e["employee_no"]) for cpr, e in truth.items()])
    assert len(import_file(env.backend, QUEUE, listed, reference_column="cpr").added) == len(truth)

    command = [ROBOTS, "worker", PROCESS, "--step", "check", "--processes", "2", "--until-empty", "--json"]
    machines = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=os.environ.copy()) for _ in range(2)]
    summaries = []
    for machine in machines:
        out, err = machine.communicate(timeout=600)
        assert machine.returncode == 0, err[-3000:]
        summaries.append(json.loads(out))
    assert all(s["status"] == "succeeded" for s in summaries)
    assert sum(s.get("done", 0) + s.get("manual", 0) for s in summaries) == len(truth)
    assert env.unfinished(QUEUE) == []

    claimers: Counter[str] = Counter()
    for item in env.items(QUEUE):
        claims = [e for e in env.backend.events(item.id) if e.action == "claimed"]
        assert len(claims) == 1, item.reference  # nobody checked an employee twice
        claimers[claims[0].actor] += 1
        found = robot_findings(env, item)
        assert {k: found.get(k, set()) for k in PROBLEMS} == expected_findings(truth[item.reference])
    workers = {s["run_id"] for summary in summaries for s in summary["steps"]}
    assert {actor.split("/")[0] for actor in claimers} <= workers and len(claimers) >= 2, claimers
