"""Credentials from the store in a real run: the secret reaches no log, evidence or output; a process
not granted the credential sends its items to a person with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from robots.credentials import set_credential
from robots.queue import NewItem, Status
from robots.runtime.runner import run_process

pytestmark = [pytest.mark.browser]
QUEUE = "_template.employees"


def everything_written(root: Path, env) -> str:
    """Every file under the test's directory (logs, artifacts) and every text and blob in the database."""
    parts = [p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file()
             and p.suffix != ".sqlite3" and "keys" not in p.parts]
    conn = env.backend._conn
    for table in ("work_items", "audit_events", "runs", "credentials"):
        parts.append(json.dumps([dict(r) for r in conn.execute(f"SELECT * FROM {table}")], default=str))
    parts += [bytes(r[0]).decode("utf-8", "replace") for r in conn.execute("SELECT content FROM work_item_files")
              if r[0] is not None]
    return "\n".join(parts)


def test_a_run_never_writes_the_secret(robot_env, make_simulators, secret_key: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "Hemmelig-robot-kode-4711"
    sims = make_simulators(password=secret, faults={"enabled": True, "error_rate": 0.1, "seed": 5})
    env = robot_env(sims, process_config={"_template": 'search_terms = ["Hansen"]\nretry_wait_seconds = 0.1\n'})
    monkeypatch.delenv("ROBOTS_CREDENTIAL_DEFAULT")  # the store is the only source
    for system in ("payroll", "debtor"):
        set_credential(env.backend, system, "robot", secret, ["_template"], actor="test")
    # As `robots run` does it: each step a robocorp task in its own process, with log.html and run.jsonl.
    summary = run_process(env.process("_template"), env.backend)
    assert summary.run.status == "succeeded", summary.run.stop_reason
    produce, check = summary.steps
    assert env.unfinished(QUEUE) == [] and check.counts["done"] > 0
    reads = [e for e in env.backend.events(None, limit=100_000) if e.action == "credential_read"]
    assert reads and {e.reason for e in reads} == {"payroll"}
    assert {e.detail["run_id"] for e in reads} <= {produce.id, check.id}
    written = everything_written(tmp_path, env)
    assert "log.html" in {p.name for p in tmp_path.rglob("*")} and "signed in" in written
    assert secret not in written
    assert secret not in json.dumps(summary.to_dict(), default=str)


def test_a_process_not_granted_the_credential_sends_items_to_a_person(robot_env, simulators, secret_key: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    env = robot_env(simulators, process_config={"_template": 'search_terms = ["Hansen"]\n'})
    monkeypatch.delenv("ROBOTS_CREDENTIAL_DEFAULT")
    user, password = simulators.credentials
    env.process("_template")
    env.backend.add(QUEUE, [NewItem("employee:x", {"employee_no": "100001"})])
    set_credential(env.backend, "payroll", user, password, ["flex_wage"], actor="test")
    record = env.run("_template", "check")
    (item,) = env.items(QUEUE)
    assert (item.status, item.manual_reason) == (Status.MANUAL, "credential_denied")
    assert "'_template' is not granted the credential 'payroll'" in item.error_message
    assert record.counts["manual_reasons"] == {"credential_denied": 1}
