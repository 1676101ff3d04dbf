"""PostgreSQL's desk_items (migration 0012): the desk's table of manual items follows work_items.

The desk lists, filters and sorts manual items from desk_items, which the desk trigger keeps in
the same transaction as each change. After every kind of change an item can go through on its way
onto, around and off the desk, desk_items must be exactly the manual items of work_items, and the
per-reason counts must agree with them.
"""

from __future__ import annotations

import psycopg
import pytest

from robots.queue import ErrorKind, NewItem, QueueBackend, QueueSpec, Resolution

Q = "payroll.desk"
W = "worker-1@host:1:aaaaaa"

_DESK = """
SELECT id, queue, reference, manual_reason, assigned_to, created_at, organisation, period
FROM desk_items ORDER BY id
"""
_MANUAL = """
SELECT id, queue, reference, manual_reason, assigned_to, created_at, payload ->> 'organisation',
       coalesce(payload ->> 'period', payload ->> 'income_month', payload ->> 'run_period')
FROM work_items WHERE status = 'manual' ORDER BY id
"""
_COUNTS = "SELECT queue, manual_reason, n FROM desk_reason_counts WHERE n <> 0 ORDER BY 1, 2"
_MANUAL_COUNTS = """
SELECT queue, coalesce(manual_reason, ''), count(*) FROM work_items WHERE status = 'manual'
GROUP BY 1, 2 ORDER BY 1, 2
"""


def _desk_agrees(conn: psycopg.Connection) -> int:
    desk = conn.execute(_DESK).fetchall()
    assert desk == conn.execute(_MANUAL).fetchall()
    assert conn.execute(_COUNTS).fetchall() == conn.execute(_MANUAL_COUNTS).fetchall()
    return len(desk)


def _to_manual(backend: QueueBackend, code: str) -> int:
    item = backend.claim_one(Q, W)
    assert item is not None
    return backend.fail(item.id, W, ErrorKind.BUSINESS, code, f"{code} for {item.reference}").id


def test_desk_items_follow_every_change_of_a_manual_item(backend: QueueBackend, backend_url: str) -> None:
    if not backend_url.startswith("postgresql"):
        pytest.skip("desk_items is PostgreSQL's (SQLite keeps partial indexes on work_items)")
    backend.define_queue(QueueSpec(Q, max_attempts=2, backoff_seconds=0))
    backend.add(Q, [
        NewItem("a", {"organisation": "Skole", "period": "2026-05"}),
        NewItem("b", {"organisation": "Ældrepleje", "income_month": "2026-04"}),
        NewItem("c", {"run_period": "2026-03"}),
        NewItem("d", {}),
        NewItem("e", {"organisation": "Skole"}),
    ])
    with psycopg.connect(backend_url, autocommit=True) as conn:
        assert _desk_agrees(conn) == 0
        a, b, c = (_to_manual(backend, code) for code in ("NO_CONTRACT", "NO_CONTRACT", "HOURS_OUT_OF_RANGE"))
        assert _desk_agrees(conn) == 3
        backend.assign(a, "desk:mette", "mette")  # changes while on the desk
        backend.comment(b, "desk:mette", "ringer til lederen")
        conn.execute("UPDATE work_items SET payload = payload || '{\"organisation\": \"Rådhus\"}' WHERE id = %s", [b])
        conn.execute("UPDATE work_items SET manual_reason = 'HOURS_OUT_OF_RANGE' WHERE id = %s", [a])
        assert _desk_agrees(conn) == 3
        assert conn.execute("SELECT organisation FROM desk_items WHERE id = %s", [b]).fetchone() == ("Rådhus",)
        backend.resolve(a, "desk:mette", Resolution.DONE, "rettet i Opus")  # leaves: done
        backend.resolve(b, "desk:mette", Resolution.RETRY, "kontrakt fundet", payload={"period": "2026-06"})
        backend.cancel(c, "desk:mette", "dublet")
        assert _desk_agrees(conn) == 0
        again = backend.claim_one(Q, W)  # b, back from the desk, and up to manual by retries this time
        assert again is not None
        backend.fail(again.id, W, ErrorKind.APPLICATION, "TIMEOUT", "Opus svarede ikke")
        retried = backend.claim_one(Q, W)
        assert retried is not None
        backend.fail(retried.id, W, ErrorKind.APPLICATION, "TIMEOUT", "Opus svarede ikke")
        assert _desk_agrees(conn) == 1
        backend.retry(retried.id, "desk:mette", "prøv igen")
        assert _desk_agrees(conn) == 0
        done = [i.id for i in backend.items(queue=Q, status="new")]
        assert done, "items left for the robot"
        for _ in done:
            item = backend.claim_one(Q, W)
            assert item is not None
            backend.complete(item.id, W)  # the robots' own path never touches the desk
        assert _desk_agrees(conn) == 0
