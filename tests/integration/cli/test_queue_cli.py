"""The `robots` command line as an operator uses it, on a fresh SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from robots.cli import cli
from robots.paths import migrations_dir
from robots.queue import connect

QUEUE = "demo.payslips"


@pytest.fixture()
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("ROBOTS_DATABASE_URL", url)
    return url


def run(*args: str, ok: bool = True) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result.exit_code, result.output


def as_json(*args: str) -> object:
    return json.loads(run(*args, "--json")[1])


def test_db_upgrade_defines_configured_queues(db_url: str) -> None:
    report = as_json("db", "upgrade")
    shipped = sorted(p.stem for p in migrations_dir("sqlite").glob("*.sql"))
    assert shipped[:3] == ["0001_initial", "0002_runs", "0003_lease_index"]
    assert report["applied"] == shipped  # every migration, in order, on a new database
    assert {"demo.payslips", "demo.letters"} <= set(report["queues"])
    assert as_json("db", "upgrade")["applied"] == []


def test_add_twice_reports_and_changes_nothing(db_url: str) -> None:
    first = as_json("queue", "add", QUEUE, "2026-10:1", "--payload", '{"a": 1}', "--priority", "2")
    second = as_json("queue", "add", QUEUE, "2026-10:1", "--payload", '{"a": 2}')
    assert first["added"] is True and isinstance(first["id"], int)
    assert second == {"queue": QUEUE, "reference": "2026-10:1", "id": None, "added": False}
    with connect(db_url) as q:
        item = q.get(first["id"])
        assert item.payload == {"a": 1} and item.priority == 2
        assert [e.action for e in q.events(item.id)] == ["created"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["queue", "add", QUEUE, "r1", "--payload", "{not json"], "payload is not valid JSON"),
        (["queue", "add", QUEUE, "r1", "--payload", "[1, 2]"], "payload must be a JSON object"),
        (["queue", "add", "no.such.queue", "r1"], "unknown queue 'no.such.queue' (known queues: demo.letters"),
        (["queue", "add", QUEUE, "r1", "--not-before", "tomorrow"], "not a date/time"),
        (["queue", "show", "999"], "no work item with id 999"),
        (["queue", "import", "missing.xlsx", "--queue", QUEUE], "no such file: missing.xlsx"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(db_url: str, args: list[str], message: str) -> None:
    code, output = run(*args, ok=False)
    assert code == 1
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("robots: error: ")
    assert message in lines[0]
    with connect(db_url) as q:
        q.upgrade()
        assert q.events() == []


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_import_xlsx_reports_rows_and_is_idempotent(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "batch.xlsx"
    _write_xlsx(path, [
        ["Reference", "CPR", "Amount", "Priority", "Deadline"],
        ["e-1", "460501-1234", 1200.5, 1, "2026-12-01"],
        ["", "470501-1234", 10, None, None],  # row 3: no reference
        ["e-3", "480501-1234", 10, "high", None],  # row 4: bad priority
        ["e-4", "490501-1234", 10, None, "someday"],  # row 5: bad deadline
        ["e-1", "500501-1234", 10, None, None],  # row 6: repeats row 2
        [None, None, None, None, None],  # blank rows are ignored
        ["e-7", "510501-1234", 99, 0, None],
    ])
    report = as_json("queue", "import", str(path), "--queue", QUEUE)
    assert (report["added"], report["skipped"], report["rejected"]) == (2, 0, 4)
    reasons = {r["row"]: r["reason"] for r in report["rejected_rows"]}
    assert reasons[3] == "reference is empty"
    assert "priority 'high' is not a whole number" in reasons[4]
    assert "deadline 'someday' is not a date/time" in reasons[5]
    assert reasons[6] == "reference 'e-1' repeats row 2"
    again = as_json("queue", "import", str(path), "--queue", QUEUE)
    assert (again["added"], again["skipped"], again["rejected"]) == (0, 2, 4)
    assert {r["row"] for r in again["skipped_rows"]} == {2, 8}
    with connect(db_url) as q:
        item = q.find(QUEUE, "e-1")
        assert item.payload == {"cpr": "460501-1234", "amount": 1200.5}
        assert item.priority == 1 and item.deadline is not None and item.deadline.tzinfo is not None


def test_import_csv_with_semicolons_and_custom_reference(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text("medarbejder;navn;timer\n101;Ane Jensen;37\n102;Bo Hansen;12,5\n103;x;1;extra\n",
                    encoding="utf-8")
    report = as_json("queue", "import", str(path), "--queue", QUEUE, "--reference-column", "medarbejder")
    assert (report["added"], report["rejected"]) == (2, 1)
    assert report["rejected_rows"] == [{"row": 4, "reason": "4 values but 3 columns"}]
    with connect(db_url) as q:
        assert q.find(QUEUE, "102").payload == {"navn": "Bo Hansen", "timer": "12,5"}


def test_unreadable_spreadsheet_is_refused_whole(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    code, output = run("queue", "import", str(path), "--queue", QUEUE, ok=False)
    assert code == 1 and "cannot read spreadsheet broken.xlsx" in output
    path = tmp_path / "nocol.csv"
    path.write_text("id,name\n1,a\n", encoding="utf-8")
    code, output = run("queue", "import", str(path), "--queue", QUEUE, ok=False)
    assert code == 1 and "has no column 'reference' (columns: id, name)" in output
    assert as_json("queue", "stats")[QUEUE]["new"] == 0


def test_listing_masks_cpr_and_retry_cancel(db_url: str) -> None:
    item_id = as_json("queue", "add", QUEUE, "case-460501-1234", "--payload", '{"cpr": "4605011234"}')["id"]
    listed = as_json("queue", "ls", "--queue", QUEUE)
    assert listed[0]["reference"] == "case-460501-XXXX"
    assert listed[0]["payload"] == {"cpr": "460501-XXXX"}
    _, text = run("queue", "ls")
    assert "1234" not in text
    shown = as_json("queue", "show", str(item_id))
    assert [e["action"] for e in shown["events"]] == ["created"]
    code, output = run("queue", "retry", str(item_id), ok=False)  # new items can be retried (now)
    assert code == 0, output
    cancelled = as_json("queue", "cancel", str(item_id), "--reason", "duplicate")
    assert cancelled == [{"id": item_id, "status": "cancelled"}]
    code, output = run("queue", "retry", str(item_id), ok=False)
    assert code == 1 and "cannot retry work item" in output
    assert as_json("queue", "stats")[QUEUE]["cancelled"] == 1


def test_entry_point_exits_non_zero_with_one_line(db_url: str) -> None:
    robots = Path(sys.executable).with_name("robots")
    proc = subprocess.run([str(robots), "queue", "ls", "--queue", "nope"], capture_output=True, text=True,
                          env={**os.environ, "ROBOTS_DATABASE_URL": db_url}, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith("robots: error: unknown queue 'nope'")
