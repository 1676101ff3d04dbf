"""The audit trail's hash chain against an attacker with database access, on SQLite and PostgreSQL.

The attacker bypasses the append-only triggers the way one with database access would (SQLite:
drop the trigger; PostgreSQL: disable it) and edits or deletes rows with their own connection;
``robots audit verify`` (the real command, in a subprocess) must name the event and exit non-zero.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg

from robots import audit
from robots.queue import NewItem, QueueBackend, QueueSpec, connect

ROBOTS = str(Path(sys.executable).with_name("robots"))
QUEUE = "audit_test.cases"


def populate(backend: QueueBackend, items: int = 12) -> list[int]:
    """Items with a history: created, claimed, completed or failed to a person, a comment, a note."""
    backend.define_queue(QueueSpec(QUEUE, max_attempts=2))
    ids = list(backend.add(QUEUE, [NewItem(f"case-{n}", {"cpr": "010190-1234", "n": n})
                                   for n in range(items)]).added.values())
    for n in range(items // 2):
        item = backend.claim_one(QUEUE, "worker-1")
        assert item is not None
        if n % 3 == 0:
            backend.fail(item.id, "worker-1", "business", "watch_list", "on the watch list")
        else:
            backend.complete(item.id, "worker-1", {"subsidy_ore": 1635200 + n, "rate": 0.3})
    backend.comment(ids[0], "desk:kmj", "spoke to the citizen")
    backend.record("desk:kmj", "watch_list_added", "special circumstances", {"cpr": "010190-XXXX", "entry_id": 1})
    return ids


def attacker(url: str, *statements: str) -> None:
    """Run SQL as someone with direct database access, the append-only triggers out of the way."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        for name in ("audit_events_no_update", "audit_events_no_delete", "audit_seals_no_update",
                     "audit_seals_no_delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.close()
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
        conn.execute("ALTER TABLE audit_seals DISABLE TRIGGER USER")
        for statement in statements:
            conn.execute(statement)
        conn.execute("ALTER TABLE audit_events ENABLE TRIGGER USER")
        conn.execute("ALTER TABLE audit_seals ENABLE TRIGGER USER")


def robots_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROBOTS_DATABASE_URL": url}
    return subprocess.run([ROBOTS, *args], capture_output=True, text=True, timeout=120, env=env)


def test_sealed_trail_verifies(store: QueueBackend) -> None:
    populate(store)
    before = audit.verify(store)
    assert before.ok and before.sealed == 0 and before.unsealed == before.events > 0  # nothing sealed: no error
    result = audit.seal(store)
    assert result.sealed == before.events and result.head is not None and result.head.seq == result.sealed
    report = audit.verify(store)
    assert report.ok and report.sealed == report.events and report.unsealed == 0
    assert report.head == result.head
    store.record("desk:kmj", "watch_list_removed", "settled", {"entry_id": 1})
    assert audit.verify(store).unsealed == 1  # new events are "not yet sealed", not an error
    assert audit.seal(store).sealed == 1 and audit.seal(store).sealed == 0
    assert audit.verify(store).ok


def test_verify_names_an_edited_event_and_exits_non_zero(store: QueueBackend, store_url: str) -> None:
    ids = populate(store)
    audit.seal(store)
    victim = store.events(ids[3])[-1]  # the decision on case-3
    assert robots_cli(store_url, "audit", "verify").returncode == 0
    attacker(store_url, f"UPDATE audit_events SET reason = 'approved by the boss' WHERE id = {victim.id}")
    proc = robots_cli(store_url, "audit", "verify")
    assert proc.returncode == 1
    assert f"event {victim.id} was changed after it was sealed" in proc.stderr
    report = json.loads(robots_cli(store_url, "audit", "verify", "--json").stdout)
    assert report["ok"] is False and report["first_problem"]["event_id"] == victim.id
    assert report["first_problem"]["kind"] == "changed" and len(report["problems"]) == 1
    item = audit.verify_item(store, ids[3])
    assert not item.ok and item.first.event_id == victim.id  # type: ignore[union-attr]
    assert audit.verify_item(store, ids[4]).ok


def test_verify_names_a_removed_event(store: QueueBackend, store_url: str) -> None:
    ids = populate(store)
    audit.seal(store)
    victim = store.events(ids[1])[1]  # case-1's claim
    attacker(store_url, f"DELETE FROM audit_events WHERE id = {victim.id}")
    proc = robots_cli(store_url, "audit", "verify")
    assert proc.returncode == 1 and f"event {victim.id} was removed" in proc.stderr


def test_removing_an_event_and_its_seal_breaks_the_chain(store: QueueBackend, store_url: str) -> None:
    populate(store)
    audit.seal(store)
    victim = store.events()[5]
    attacker(store_url, f"DELETE FROM audit_seals WHERE event_id = {victim.id}",
             f"DELETE FROM audit_events WHERE id = {victim.id}")
    report = audit.verify(store)
    assert not report.ok and {p.kind for p in report.problems} >= {"seal_removed"}
    assert any(p.kind == "changed" for p in report.problems) or store.dialect == "sqlite"  # type: ignore[attr-defined]
    if store.dialect == "sqlite":  # type: ignore[attr-defined]
        assert any(p.kind == "removed" and p.event_id == victim.id for p in report.problems)


def test_a_changed_seal_is_found(store: QueueBackend, store_url: str) -> None:
    populate(store)
    audit.seal(store)
    attacker(store_url, f"UPDATE audit_seals SET chain_hash = '{'f' * 64}' WHERE seq = 4")
    report = audit.verify(store)
    assert not report.ok and report.problems[0].kind == "seal_changed" and report.problems[0].seq == 4


def test_a_rewritten_chain_is_found_with_the_head_written_down(store: QueueBackend, store_url: str) -> None:
    populate(store)
    head = audit.seal(store).head
    assert head is not None
    victim = store.events()[2]
    # A thorough attacker changes an event and recomputes every seal from there on.
    attacker(store_url, f"UPDATE audit_events SET actor = 'someone-else' WHERE id = {victim.id}",
             f"DELETE FROM audit_seals WHERE event_id >= {victim.id}")
    audit.seal(store)
    assert audit.verify(store).ok  # without an anchor the rewrite cannot be seen ...
    report = audit.verify(store, expect_head=head.text())
    assert not report.ok and report.problems[0].kind == "head"  # ... with the head written down it is
    proc = robots_cli(store_url, "audit", "verify", "--head", head.text())
    assert proc.returncode == 1 and "rewritten" in proc.stderr


def test_sqlite_finds_an_event_removed_before_it_was_sealed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    with connect(url) as backend:
        backend.upgrade()
        populate(backend)
        audit.seal(backend)
        backend.record("desk:kmj", "commented", "one", None)
        backend.record("desk:kmj", "commented", "two", None)
        backend.record("desk:kmj", "commented", "three", None)
        last = backend.events()[-1].id
        attacker(url, f"DELETE FROM audit_events WHERE id = {last - 2}", f"DELETE FROM audit_events WHERE id = {last}")
        report = audit.verify(backend)
        assert [p.event_id for p in report.problems] == [last - 2, last]
        assert "before it was sealed" in report.problems[0].message
        assert "the last events" in report.problems[1].message


def test_sealing_while_workers_write(store_url: str) -> None:
    """The chain does not serialise the workers: they write while the sealer seals; all ends sealed."""
    with connect(store_url) as setup:
        populate(setup, items=2)
        setup.add(QUEUE, [NewItem(f"busy-{n}", {}) for n in range(240)])
    stop = threading.Event()
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with connect(store_url) as backend:
                while (item := backend.claim_one(QUEUE, name)) is not None:
                    backend.complete(item.id, name, {"ok": True})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def sealer() -> None:
        with connect(store_url) as backend:
            while not stop.is_set():
                audit.seal(backend, batch=50)

    workers = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(3)]
    seal_thread = threading.Thread(target=sealer)
    seal_thread.start()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    stop.set()
    seal_thread.join()
    assert not errors
    with connect(store_url) as backend:
        audit.seal(backend)
        report = audit.verify(backend)
        assert report.ok and report.unsealed == 0 and not report.late
        assert report.sealed == report.events >= 2 + 240 * 3


def _export(store_url: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    proc = robots_cli(store_url, "audit", "export", "--from", "2000-01-01", "--to", "2100-12-31",
                      "--out", str(tmp_path / "trail"), "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_export_writes_excel_and_csv_with_cpr_masked(store: QueueBackend, store_url: str, tmp_path: Path) -> None:
    import openpyxl

    ids = populate(store)
    store.record("desk:kmj", "commented", "called 010190-1234 about the case", None, item_id=ids[2])
    audit.seal(store)
    events = len(store.events())
    result = _export(store_url, tmp_path)
    assert result["events"] == events
    csv_text = (tmp_path / "trail.csv").read_text(encoding="utf-8-sig")
    assert "010190-1234" not in csv_text and "010190-XXXX" in csv_text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("event;time (Copenhagen);") and len(lines) == events + 1
    book = openpyxl.load_workbook(tmp_path / "trail.xlsx", read_only=True)
    rows = list(book["Audit events"].iter_rows(values_only=True))
    assert len(rows) == events + 1 and all("010190-1234" not in str(v) for row in rows for v in row)
    assert rows[1][12] == 1 and len(rows[1][13]) == 64  # every exported event carries its seal
    assert store.events()[-1].action == "audit_exported"  # who exported what is itself audited


def test_export_of_one_process_and_a_bad_period(store: QueueBackend, store_url: str, tmp_path: Path) -> None:
    with connect(store_url) as backend:
        backend.define_queue(QueueSpec("test_echo.input"))
        backend.add("test_echo.input", [NewItem("e1", {})])
        backend.record("scheduler@x", "schedule_fired", "echo", {"process": "tests.processes.echo"})
    populate(store)
    result = _export(store_url, tmp_path, "--process", "tests.processes.echo", "--format", "csv")
    assert result["events"] == 2 and result["files"] == [str(tmp_path / "trail.csv")]
    proc = robots_cli(store_url, "audit", "export", "--from", "2026-02-01", "--to", "2026-01-01")
    assert proc.returncode == 1 and "must be after" in proc.stderr
