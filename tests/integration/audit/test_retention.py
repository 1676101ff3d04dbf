"""Retention deletes old evidence and run logs, records each deletion, and keeps the audit events."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from robots import audit
from robots.queue import Attachment, QueueBackend, QueueError, QueueSpec
from robots.queue.runs import RunStore
from robots.retention import FILES_DELETED, RUN_LOGS_DELETED, run_retention
from robots.timeutil import now

ROBOTS = str(Path(sys.executable).with_name("robots"))
QUEUE = "retention_test.cases"


def raw(url: str, statement: str) -> None:
    """Test set-up straight in the database (back-dating finished cases and runs)."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute(statement)
        conn.commit()
        conn.close()
    else:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(statement)


def back_date(url: str, table: str, column: str, row_id: object, days: int) -> None:
    when = (now() - timedelta(days=days)).isoformat(timespec="microseconds")
    if url.startswith("sqlite:///"):
        when = when.replace("+00:00", "Z")
    raw(url, f"UPDATE {table} SET {column} = '{when}' WHERE id = '{row_id}'")


def finished_case(backend: QueueBackend, reference: str, outcome: str) -> int:
    item_id = backend.add_one(QUEUE, reference, {"cpr": "010190-1234"})
    assert item_id is not None
    backend.attach(item_id, Attachment("letter.pdf", b"%PDF-1.4 letter", "application/pdf"), actor="worker-1")
    item = backend.claim_one(QUEUE, "worker-1")
    assert item is not None and item.id == item_id
    shot = Attachment("screen.png", b"\x89PNG evidence", "image/png")
    if outcome == "done":
        backend.complete(item_id, "worker-1", {})
    else:
        backend.fail(item_id, "worker-1", "business", "criterion", "to a caseworker", files=[shot])
    return item_id


def a_run(backend: QueueBackend, runs_root: Path, run_id: str) -> Path:
    runs = RunStore(backend)
    path = runs_root / run_id
    (path / "step").mkdir(parents=True)
    (path / "step" / "run.jsonl").write_text('{"event": "done"}\n' * 10)
    (path / "step" / "log.html").write_text("<html></html>")
    runs.start("retention_test", None, trigger="operator", started_by="test", run_id=run_id, artifacts_dir=str(path))
    runs.update(run_id, {"done": 1}, status="succeeded")
    return path


@pytest.fixture()
def cases(store: QueueBackend, store_url: str, tmp_path: Path) -> dict[str, object]:
    store.define_queue(QueueSpec(QUEUE, max_attempts=1))
    old_done = finished_case(store, "old-done", "done")
    back_date(store_url, "work_items", "finished_at", old_done, 400)
    recent_done = finished_case(store, "recent-done", "done")
    back_date(store_url, "work_items", "finished_at", recent_done, 100)
    old_manual = finished_case(store, "old-manual", "manual")  # still open: a person has to decide
    back_date(store_url, "work_items", "updated_at", old_manual, 400)
    runs_root = tmp_path / "runs"
    old_run = a_run(store, runs_root, "20250101T060000-retention_test-aaaaaa")
    back_date(store_url, "runs", "finished_at", old_run.name, 400)
    recent_run = a_run(store, runs_root, "20260101T060000-retention_test-bbbbbb")
    elsewhere = a_run(store, tmp_path / "elsewhere", "20250101T070000-retention_test-cccccc")
    back_date(store_url, "runs", "finished_at", elsewhere.name, 400)
    return {"old_done": old_done, "recent_done": recent_done, "old_manual": old_manual, "runs_root": runs_root,
            "old_run": old_run, "recent_run": recent_run, "elsewhere": elsewhere}


def test_dry_run_changes_nothing(store: QueueBackend, store_url: str, cases: dict[str, object]) -> None:
    events = len(store.events())
    env = {**os.environ, "ROBOTS_DATABASE_URL": store_url, "ROBOTS_RUNS_DIR": str(cases["runs_root"])}
    proc = subprocess.run([ROBOTS, "retention", "run", "--dry-run", "--json"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["items"], result["files"], result["dry_run"]) == (1, 1, True)
    assert result["runs"] == [cases["old_run"].name]  # type: ignore[union-attr]
    assert len(store.events()) == events and cases["old_run"].is_dir()  # type: ignore[union-attr]
    assert store.file_content(store.files(cases["old_done"])[0].id) == b"%PDF-1.4 letter"  # type: ignore[arg-type]


def test_retention_deletes_old_evidence_and_logs_and_records_it(store: QueueBackend,
                                                                cases: dict[str, object]) -> None:
    result = run_retention(store, 395, runs_root=cases["runs_root"], actor="retention-test")  # type: ignore[arg-type]
    assert (result.items, result.files, result.file_bytes) == (1, 1, len(b"%PDF-1.4 letter"))
    assert result.runs == [cases["old_run"].name]  # type: ignore[union-attr]
    assert result.skipped_dirs == [str(Path(cases["elsewhere"]).resolve())]  # type: ignore[arg-type]

    old_done = cases["old_done"]
    (old_file,) = store.files(old_done)  # type: ignore[arg-type]
    assert old_file.name == "letter.pdf" and old_file.sha256  # the row stays: what existed is still known
    with pytest.raises(QueueError, match="deleted by retention"):
        store.file_content(old_file.id)
    deleted = store.events(old_done)[-1]  # type: ignore[arg-type]
    assert (deleted.action, deleted.actor) == (FILES_DELETED, "retention-test")
    assert deleted.detail["files"] == [{"id": old_file.id, "name": "letter.pdf", "size": old_file.size,  # type: ignore[index]
                                        "sha256": old_file.sha256}]
    for kept in ("recent_done", "old_manual"):
        for ref in store.files(cases[kept]):  # type: ignore[arg-type]
            assert store.file_content(ref.id)
    assert not Path(cases["old_run"]).exists()  # type: ignore[arg-type]
    assert Path(cases["recent_run"]).is_dir() and Path(cases["elsewhere"]).is_dir()  # type: ignore[arg-type]
    logs = [e for e in store.events() if e.action == RUN_LOGS_DELETED]
    assert len(logs) == 1 and logs[0].detail["run_id"] == cases["old_run"].name  # type: ignore[union-attr,index]
    assert logs[0].detail["files"] == 2  # type: ignore[index]

    again = run_retention(store, 395, runs_root=cases["runs_root"])  # type: ignore[arg-type]
    assert (again.files, again.runs) == (0, [])  # nothing deleted twice, nothing recorded twice
    audit.seal(store)
    assert audit.verify(store).ok  # the audit events themselves were kept


@pytest.mark.parametrize("statement", [
    "UPDATE work_item_files SET name = 'other.pdf'",
    "UPDATE work_item_files SET content = NULL",  # without deleted_at: not the retention's way
    "DELETE FROM work_item_files",
])
def test_stored_files_cannot_be_changed_otherwise(store: QueueBackend, store_url: str, statement: str) -> None:
    store.define_queue(QueueSpec(QUEUE))
    finished_case(store, "case", "done")
    with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="work_item_files"):
        raw(store_url, statement)
