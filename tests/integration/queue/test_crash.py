"""A worker process killed with SIGKILL: its item comes back when the lease runs out, and a
transaction it had open leaves nothing behind and blocks nobody.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from robots.queue import QueueBackend, QueueSpec, Status

Q = "payroll.crash"
LEASE = 1.0

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

# The worker: claims with a 1 s lease, says so on stdout, then keeps the lease alive until killed.
HOLDER = """
import sys, time
from robots.queue import connect, worker_id
backend = connect(sys.argv[1])
backend.reap_interval = 0
me = worker_id("crash")
item = backend.claim_one(sys.argv[2], me, lease_seconds=float(sys.argv[3]))
print(item.id, me, flush=True)
while True:
    time.sleep(0.2)
    backend.heartbeat(item.id, me, lease_seconds=float(sys.argv[3]))
"""

# The worker: opens a write transaction, cancels the item in it (not committed), says so, waits.
MID_TRANSACTION = """
import sys, time
from robots.queue import connect, states
backend = connect(sys.argv[1])
with backend._write() as tx:
    item = tx.lock_item(int(sys.argv[2]))
    backend._apply(tx, item, states.cancel(item, tx.now, "never committed"), "doomed")
    print("in transaction", flush=True)
    time.sleep(600)
"""


@pytest.fixture()
def spawn() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)


def _start(procs: list[subprocess.Popen[str]], script: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    procs.append(proc)
    line = proc.stdout.readline()  # bounded by the test's timeout
    if not line:
        proc.wait(timeout=10)
        pytest.fail(f"worker exited {proc.returncode} before signalling: {proc.stderr.read()}")
    return proc, line.strip()


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL


def test_item_of_a_killed_worker_is_claimed_again_after_its_lease(
    backend: QueueBackend, backend_url: str, spawn: list[subprocess.Popen[str]],
) -> None:
    backend.define_queue(QueueSpec(Q, max_attempts=3, lease_seconds=60))
    item_id = backend.add_one(Q, "2026-05:0101", {"citizen": 101})
    backend.add_one(Q, "2026-05:0102", {"citizen": 102})
    proc, line = _start(spawn, HOLDER, backend_url, Q, str(LEASE))
    claimed_id, dead_worker = line.split()
    assert int(claimed_id) == item_id
    assert f":{proc.pid}:" in dead_worker  # the claim is that process's
    held = backend.get(item_id)
    assert (held.status, held.lease_owner, held.attempts) == (Status.IN_PROGRESS, dead_worker, 1)

    # While it lives, its heartbeats keep the item past the first lease.
    time.sleep(LEASE + 0.3)
    other = backend.claim_one(Q, "rescuer")
    assert other is not None and other.id != item_id
    backend.complete(other.id, "rescuer")
    assert backend.get(item_id).lease_owner == dead_worker

    _kill(proc)
    killed_at = time.monotonic()
    assert backend.get(item_id).status is Status.IN_PROGRESS  # nobody knows yet
    while (again := backend.claim_one(Q, "rescuer")) is None:
        assert time.monotonic() - killed_at < LEASE + 5, "the item never came back"
        time.sleep(0.05)
    assert time.monotonic() - killed_at > 0.2  # not before the lease ran out
    assert (again.id, again.attempts, again.lease_owner) == (item_id, 2, "rescuer")
    done = backend.complete(item_id, "rescuer", {"ok": True})
    assert done.status is Status.DONE

    events = backend.events(item_id)
    assert [(e.action, e.actor, e.from_status, e.to_status) for e in events] == [
        ("created", "system", None, "new"),
        ("claimed", dead_worker, "new", "in_progress"),
        ("lease_expired", "lease-reaper", "in_progress", "new"),
        ("claimed", "rescuer", "new", "in_progress"),
        ("completed", "rescuer", "in_progress", "done"),
    ]
    assert [e.reason for e in events if e.action == "claimed"] == ["attempt 1", "attempt 2"]
    assert events[2].detail == {"worker": dead_worker, "attempts": 1}
    assert all(e.at.tzinfo is not None for e in events)
    assert events[2].at <= datetime.now(UTC)


def test_a_worker_killed_inside_a_transaction_leaves_nothing_and_blocks_nobody(
    backend: QueueBackend, backend_url: str, spawn: list[subprocess.Popen[str]],
) -> None:
    backend.define_queue(QueueSpec(Q))
    item_id = backend.add_one(Q, "2026-05:0101")
    proc, line = _start(spawn, MID_TRANSACTION, backend_url, str(item_id))
    assert line == "in transaction"
    _kill(proc)
    started = time.monotonic()
    # SQLite: the dead process's write lock is gone with it. PostgreSQL: the server aborts the dead
    # session's transaction when its socket closes; until then SKIP LOCKED passes over the row.
    while (item := backend.claim_one(Q, "survivor")) is None:
        assert time.monotonic() - started < 10, "the dead worker's lock was never released"
        time.sleep(0.05)
    assert (item.id, item.status, item.attempts, item.finished_at) == (item_id, Status.IN_PROGRESS, 1, None)
    assert [(e.action, e.actor) for e in backend.events(item_id)] == [("created", "system"), ("claimed", "survivor")]
    assert backend.complete(item_id, "survivor").status is Status.DONE
