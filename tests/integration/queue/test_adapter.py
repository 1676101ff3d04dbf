"""The robocorp.workitems adapter, driven by a real robot run (``python -m robocorp.tasks run``).

A tiny robot (``robot_fixture/tasks.py``) consumes an input queue through plain
``robocorp.workitems``; afterwards the database must show what the queue promises: statuses,
errors, outputs linked to their parents with their files, and every event by the robot's worker.
Each test runs on a fresh SQLite file and a fresh PostgreSQL database (``backend_url``, conftest).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from robocorp.workitems import EmptyQueue, State

from robots.queue import (
    Attachment,
    ErrorKind,
    ItemNotFound,
    LeaseLost,
    NewItem,
    QueueBackend,
    QueueError,
    QueueSpec,
    Status,
    connect,
)
from robots.queue.adapter import QueueAdapter

ROOT = Path(__file__).resolve().parents[3]
ROBOT = Path(__file__).resolve().parent / "robot_fixture" / "tasks.py"
INPUT, OUTPUT = "payroll.check", "payroll.letters"
NOTE = "Bemærk: løntillæg godkendt af Åse\n".encode()


@pytest.fixture
def queue(backend_url: str) -> Iterator[QueueBackend]:
    q = connect(backend_url)
    # Short lease: the slow item outlives it, so only the adapter's heartbeat keeps it.
    q.define_queue(QueueSpec(INPUT, lease_seconds=1.2, backoff_seconds=600, max_attempts=3))
    q.define_queue(QueueSpec(OUTPUT))
    yield q
    q.close()


def run_robot(tmp_path: Path, env: dict[str, str], name: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ROBOTS_", "RC_", "RPA_", "ROBOT_"))}
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "robocorp.tasks", "run", str(ROBOT), "-t", "consume",
         "--output-dir", str(tmp_path / f"robot-output-{name}"), "--console-colors", "plain"],
        env={**clean, "PYTHONPATH": str(ROOT), "FIXTURE_WORKDIR": str(workdir),
             "RC_WORKITEM_ADAPTER": "robots.queue.adapter.QueueAdapter", **env},
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )


class Reaper(threading.Thread):
    """Another worker's lease reaper, running beside the robot: it takes back any lapsed lease."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.halt, self.reaped = url, threading.Event(), []

    def run(self) -> None:
        with connect(self.url) as q:
            while not self.halt.wait(0.15):
                self.reaped += q.requeue_expired(INPUT)

    def __enter__(self) -> Reaper:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt.set()
        self.join()


def test_robot_consumes_the_queue(queue: QueueBackend, backend_url: str, tmp_path: Path) -> None:
    ids = queue.add(INPUT, [
        NewItem("read-1", {"action": "read"}),
        NewItem("out-1", {"action": "output", "employee": 1}),
        NewItem("out-2", {"action": "output", "employee": 2, "fail_once_after_output": True}),
        NewItem("watch-1", {"action": "watchlist", "cpr": "010190-1234"}),
        NewItem("crash-1", {"action": "crash"}),
        NewItem("crash-last", {"action": "crash"}, max_attempts=1),
        NewItem("slow-1", {"action": "slow", "seconds": 2.0}),
    ], actor="test").added
    queue.attach(ids["read-1"], Attachment("note.txt", NOTE), actor="test")
    worker = f"robot-test-{uuid.uuid4().hex[:6]}"
    env = {"ROBOTS_DATABASE_URL": backend_url, "ROBOTS_INPUT_QUEUE": INPUT, "ROBOTS_OUTPUT_QUEUE": OUTPUT,
           "ROBOTS_WORKER": worker, "ROBOTS_RUN_ID": "run-1"}

    started = datetime.now(UTC)
    with Reaper(backend_url) as reaper:
        first = run_robot(tmp_path, env, "first")
    assert first.returncode == 0, first.stdout + first.stderr
    assert reaper.reaped == [], "a lease lapsed although the adapter's heartbeat should keep it"
    robolog = (tmp_path / "robot-output-first" / "output.robolog").read_text(encoding="utf-8")
    assert "010190-1234" not in robolog, "a CPR number reached robocorp's log"

    item = {ref: queue.get(item_id) for ref, item_id in ids.items()}
    # Completed; a saved payload becomes the output, the producer's payload stays as it was.
    assert item["read-1"].status is Status.DONE
    assert item["read-1"].payload == {"action": "read"}
    assert item["read-1"].output == {"action": "read", "note": NOTE.decode()}
    assert item["out-1"].status is Status.DONE and item["out-1"].output is None
    assert item["slow-1"].status is Status.DONE
    # Business exception: straight to a person, with the code and a CPR-masked message.
    watch = item["watch-1"]
    assert (watch.status, watch.error_kind, watch.error_code, watch.manual_reason) == (
        Status.MANUAL, ErrorKind.BUSINESS, "WATCHLIST", "WATCHLIST")
    assert watch.error_message == "employee 010190-XXXX is on the watch list"
    # Application exception: back to the queue with backoff, or to a person when attempts run out.
    for ref, code in (("crash-1", "HTTP_500"), ("out-2", "SESSION_LOST")):
        crash = item[ref]
        assert (crash.status, crash.error_kind, crash.error_code, crash.attempts) == (
            Status.NEW, ErrorKind.APPLICATION, code, 1), ref
        assert crash.not_before is not None and crash.not_before > started + timedelta(seconds=500)
    last = item["crash-last"]
    assert (last.status, last.manual_reason, last.error_code) == (Status.MANUAL, "retries_exhausted", "HTTP_500")

    # Outputs: new items in the output queue, linked to their parent, files intact.
    def outputs() -> dict[str, tuple[int | None, str | None, dict, dict[str, bytes]]]:
        return {
            o.reference: (o.parent_id, o.run_id, o.payload,
                          {f.name: queue.file_content(f.id) for f in queue.files(o.id)})
            for o in queue.items(queue=OUTPUT, limit=100)
        }

    def letter(employee: int) -> bytes:
        return b"%PDF-1.4 letter for " + str(employee).encode() + bytes(range(256))

    expected = {ref: value for n in (1, 2) for ref, value in {
        f"out-{n}/1": (ids[f"out-{n}"], "run-1", {"employee": n, "kind": "summary"}, {}),
        f"out-{n}/2": (ids[f"out-{n}"], "run-1", {"employee": n, "kind": "letter"},
                       {f"letter-{n}.bin": letter(n)}),
    }.items()}
    assert outputs() == expected
    assert all(o.status is Status.NEW for o in queue.items(queue=OUTPUT))
    assert {c.reference for c in queue.children(ids["out-1"])} == {"out-1/1", "out-1/2"}

    # The audit trail names the robot's worker for everything it did.
    events = queue.events()
    robot_events = [e for e in events if e.actor == worker]
    assert {e.item_id for e in robot_events if e.action == "claimed"} == set(ids.values())
    assert {(e.item_id, e.action) for e in robot_events} >= {
        (ids["read-1"], "completed"), (ids["watch-1"], "failed"), (ids["crash-1"], "retry_scheduled"),
        (ids["crash-last"], "failed"), (ids["slow-1"], "completed"),
    }
    assert sum(e.action == "created" for e in robot_events) == 4
    assert sum(e.action == "file_attached" for e in robot_events) == 2
    assert not any(e.action == "lease_expired" for e in events)

    # Second run: the item that failed after making its outputs is tried again. Its outputs are
    # made again with the same references, so nothing is duplicated (not the items, not the files).
    queue.retry(ids["out-2"], "test", "try again now")
    second = run_robot(tmp_path, {**env, "ROBOTS_WORKER": "", "ROBOTS_RUN_ID": "run-2"}, "second")
    assert second.returncode == 0, second.stdout + second.stderr
    assert queue.get(ids["out-2"]).status is Status.DONE
    assert outputs() == expected
    retried = [e for e in queue.events(ids["out-2"]) if e.action in ("claimed", "completed")][-2:]
    assert [e.action for e in retried] == ["claimed", "completed"]
    assert retried[0].actor.startswith("robocorp@") and retried[0].actor == retried[1].actor


def test_robot_without_input_queue_stops_with_a_clear_error(queue: QueueBackend, backend_url: str,
                                                            tmp_path: Path) -> None:
    queue.add_one(INPUT, "read-1", {"action": "read"})
    result = run_robot(tmp_path, {"ROBOTS_DATABASE_URL": backend_url}, "no-input")
    assert result.returncode != 0
    assert "ROBOTS_INPUT_QUEUE is not set" in result.stdout + result.stderr
    assert queue.find(INPUT, "read-1").status is Status.NEW


@pytest.fixture
def adapter_env(queue: QueueBackend, backend_url: str, monkeypatch: pytest.MonkeyPatch) -> QueueBackend:
    for name in ("ROBOTS_OUTPUT_QUEUE", "ROBOTS_WORKER", "ROBOTS_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ROBOTS_DATABASE_URL", backend_url)
    monkeypatch.setenv("ROBOTS_INPUT_QUEUE", INPUT)
    return queue


def test_configuration_errors_name_the_variable(adapter_env: QueueBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOTS_INPUT_QUEUE", "no.such.queue")
    with pytest.raises(QueueError, match=r"ROBOTS_INPUT_QUEUE='no.such.queue': unknown queue"):
        QueueAdapter()
    monkeypatch.setenv("ROBOTS_INPUT_QUEUE", INPUT)
    monkeypatch.setenv("ROBOTS_OUTPUT_QUEUE", "nope")
    with pytest.raises(QueueError, match=r"ROBOTS_OUTPUT_QUEUE='nope': unknown queue 'nope'"):
        QueueAdapter()
    monkeypatch.delenv("ROBOTS_OUTPUT_QUEUE")
    adapter = QueueAdapter()
    with pytest.raises(EmptyQueue, match=INPUT):
        adapter.reserve_input()
    adapter_env.add_one(INPUT, "case-1", {})
    item_id = adapter.reserve_input()
    with pytest.raises(QueueError, match="ROBOTS_OUTPUT_QUEUE is not set"):
        adapter.create_output(item_id, {"x": 1})
    adapter.release_input(item_id, State.DONE)
    assert adapter_env.get(int(item_id)).status is Status.DONE
    adapter.backend.close()


def test_unknown_items_and_lost_leases_are_named(adapter_env: QueueBackend) -> None:
    adapter = QueueAdapter()
    with pytest.raises(ItemNotFound, match="no work item with id 999999"):
        adapter.load_payload("999999")
    with pytest.raises(QueueError, match="not a work item id"):
        adapter.list_files("abc")
    with pytest.raises(QueueError, match="work item 999999 is not reserved by this robot"):
        adapter.release_input("999999", State.DONE)

    item_id = int(adapter_env.add_one(INPUT, "case-7", {"n": 7}))
    assert adapter.reserve_input() == str(item_id)
    with pytest.raises(FileNotFoundError, match=r"case-7.*no file named 'x.pdf'"):
        adapter.get_file(str(item_id), "x.pdf")
    adapter_env.release(item_id, adapter.worker, "taken away by the test")  # the lease is gone
    with pytest.raises(LeaseLost, match=f"work item {item_id} is no longer leased") as raised:
        adapter.release_input(str(item_id), State.DONE)
    assert any("case-7" in note for note in raised.value.__notes__)
    assert adapter_env.get(item_id).status is Status.NEW
    adapter.backend.close()
