"""The embedded backend: one SQLite file, several worker processes on one machine.

WAL mode lets readers run beside the one writer; every write is a ``BEGIN IMMEDIATE`` transaction
(the write lock is taken up front, so two workers never both read-then-write the same row) and a
busy timeout makes a worker wait for the lock instead of failing. ``synchronous=NORMAL`` is durable
across process crashes in WAL mode; only a power cut can lose the last transactions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import _rows, migrate, states
from .backend import Attachment, QueueBackend, Tx, sha256_hex
from .errors import ItemNotFound, LeaseLost, QueueError, UnknownQueue
from .model import Event, FileRef, NewItem, QueueSpec, Status, WorkItem
from .sql import queries

SQL = queries("sqlite")
t = _rows.parse_utc_text
ts = _rows.utc_text


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> str:
    """utc_text for a time already in UTC (our clock readings): no astimezone on the hot paths."""
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def _json(value: Any) -> str | None:
    # Strict, as PostgreSQL's jsonb is: a date or NaN is refused, not stored as str(value).
    return None if value is None else json.dumps(value, ensure_ascii=False, allow_nan=False)


class _SqliteTx(Tx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.now = _now()

    def lock_item(self, item_id: int) -> WorkItem:
        # BEGIN IMMEDIATE already holds the database's write lock.
        row = self.conn.execute(SQL["lock_item"], {"id": item_id}).fetchone()
        if row is None:
            raise ItemNotFound(item_id)
        return _rows.item_from_row(row, t)

    def update_item(self, item: WorkItem, change: states.Change) -> WorkItem:
        values = {name: getattr(item, name) for name in (
            "attempts", "payload", "not_before", "lease_owner", "lease_expires_at", "finished_at",
            "error_kind", "error_code", "error_message", "manual_reason", "assigned_to", "resolution")}
        values.update(change.values)
        params = {
            **values, "id": item.id, "status": change.to_status.value, "expected_status": item.status.value,
            "payload": _json(values["payload"]), "not_before": ts(values["not_before"]),
            "lease_expires_at": ts(values["lease_expires_at"]), "finished_at": ts(values["finished_at"]),
            "error_kind": getattr(values["error_kind"], "value", values["error_kind"]), "now": ts(self.now),
        }
        row = self.conn.execute(SQL["update_item"], params).fetchone()
        if row is None:
            raise QueueError(f"work item {item.id} changed under the lock (expected {item.status.value})")
        return _rows.item_from_row(row, t)

    def insert_event(self, item: WorkItem | None, actor: str, action: str, from_status: str | None,
                     to_status: str | None, reason: str | None, detail: dict[str, Any] | None = None) -> Event:
        params = {
            "item_id": item.id if item else None, "queue": item.queue if item else None,
            "at": ts(self.now), "actor": actor, "action": action, "from_status": from_status,
            "to_status": to_status, "reason": reason, "detail": _json(detail),
        }
        (event_id,) = self.conn.execute(SQL["insert_event"], params).fetchone()
        return _rows.event_from_row({**params, "id": event_id, "detail": detail}, t)

    def insert_file(self, item_id: int, attachment: Attachment, actor: str) -> FileRef:
        row = self.conn.execute(SQL["insert_file"], {
            "item_id": item_id, "name": attachment.name, "content_type": attachment.guessed_type(),
            "size": len(attachment.content), "sha256": sha256_hex(attachment.content),
            "content": attachment.content, "now": ts(self.now), "actor": actor,
        }).fetchone()
        return _rows.file_from_row(row, t)

    def expired_item_ids(self, queue: str | None, limit: int) -> list[int]:
        rows = self.conn.execute(SQL["expired_items"], {"now": ts(self.now), "queue": queue, "limit": limit})
        return [r[0] for r in rows]


class SqliteBackend(QueueBackend):
    """The queue in one SQLite file (``sqlite:///path/to/file``)."""

    dialect = "sqlite"

    def __init__(self, url: str, busy_timeout_ms: int = 30_000) -> None:
        super().__init__(url)
        self.path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
        if self.path is None:
            raise QueueError(f"not a SQLite URL (sqlite:///path expected): {url}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                     timeout=busy_timeout_ms / 1000)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        # Checkpoint every ~16 MB of WAL instead of ~4 MB: the checkpoint's two fsyncs are the largest
        # cost of a commit at synchronous=NORMAL, and a hot page is copied once per checkpoint.
        self._conn.execute("PRAGMA wal_autocheckpoint = 4000")
        self._conn.execute("PRAGMA foreign_keys = ON")

    def upgrade(self) -> list[str]:
        return migrate.upgrade(self.url, "sqlite")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[_SqliteTx]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, name: str, params: dict[str, Any]) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(SQL[name], params).fetchall()

    # queues

    def define_queue(self, spec: QueueSpec) -> None:
        with self._write():
            self._conn.execute(SQL["define_queue"], {**_rows.spec_params(spec), "now": ts(_now())})
        self._specs[spec.name] = spec

    def _load_queue(self, name: str) -> QueueSpec:
        rows = self._read("get_queue", {"name": name})
        if not rows:
            raise UnknownQueue(name, [q.name for q in self.queues()])
        return _rows.spec_from_row(rows[0])

    def queues(self) -> list[QueueSpec]:
        return [_rows.spec_from_row(r) for r in self._read("list_queues", {})]

    # adding

    def _insert_items(self, spec: QueueSpec, items: Sequence[NewItem], actor: str) -> dict[str, int]:
        added: dict[str, int] = {}
        with self._write() as tx:
            now = ts(tx.now)
            events = []
            for item in items:
                row = self._conn.execute(SQL["insert_item"], {
                    "queue": spec.name, "reference": item.reference, "payload": _json(item.payload),
                    "priority": item.priority, "max_attempts": item.max_attempts or spec.max_attempts,
                    "not_before": ts(item.not_before), "deadline": ts(item.deadline), "now": now,
                    "actor": actor, "parent_id": item.parent_id, "run_id": item.run_id,
                }).fetchone()
                if row is not None:
                    added[item.reference] = row[0]
                    events.append({
                        "item_id": row[0], "queue": spec.name, "at": now, "actor": actor, "action": "created",
                        "from_status": None, "to_status": "new", "reason": None,
                        "detail": _json({"parent_id": item.parent_id}) if item.parent_id else None,
                    })
            self._conn.executemany(SQL["insert_event"], events)
        return added

    # hot paths: a handful of statements each, no extra reads, the events in one INSERT

    def _claim_in(self, tx: _SqliteTx, queue: str, worker: str, limit: int, lease_seconds: float) -> list[WorkItem]:
        at = _utc(tx.now)
        rows = self._conn.execute(SQL["claim"], {
            "queue": queue, "worker": worker, "limit": limit, "now": at,
            "lease_until": _utc(tx.now + timedelta(seconds=lease_seconds)),
        }).fetchall()
        items = [_rows.item_from_row(r, t) for r in rows]
        if len(items) > 1:  # UPDATE ... RETURNING gives no order: claim order, as the index has it
            items.sort(key=lambda i: (-i.priority, ts(i.deadline) or "9999", i.id))
        self._conn.executemany(SQL["insert_event"], [
            {"item_id": i.id, "queue": i.queue, "at": at, "actor": worker, "action": "claimed",
             "from_status": "new", "to_status": "in_progress", "reason": f"attempt {i.attempts}", "detail": None}
            for i in items
        ])
        return items

    def _claim(self, spec: QueueSpec, worker: str, limit: int, lease_seconds: float) -> list[WorkItem]:
        with self._write() as tx:
            return self._claim_in(tx, spec.name, worker, limit, lease_seconds)

    def complete(self, item_id: int, worker: str, output: dict[str, Any] | None = None) -> WorkItem:
        with self._write() as tx:
            at = _utc(tx.now)
            row = self._conn.execute(
                SQL["complete"], {"id": item_id, "worker": worker, "output": _json(output), "now": at}
            ).fetchone()
            if row is None:
                raise LeaseLost(item_id, worker)
            item = _rows.item_from_row(row, t)
            self._conn.execute(SQL["insert_completed_event"],
                               {"id": item_id, "queue": item.queue, "at": at, "worker": worker})
        return item

    def complete_many(self, worker: str, outputs: dict[int, dict[str, Any] | None]) -> list[WorkItem]:
        done: list[WorkItem] = []
        with self._write() as tx:
            at = _utc(tx.now)
            for item_id, output in outputs.items():
                row = self._conn.execute(
                    SQL["complete"], {"id": item_id, "worker": worker, "output": _json(output), "now": at}
                ).fetchone()
                if row is None:
                    raise LeaseLost(item_id, worker)  # rolls the whole batch back
                done.append(_rows.item_from_row(row, t))
            self._conn.executemany(SQL["insert_completed_event"],
                                   [{"id": i.id, "queue": i.queue, "at": at, "worker": worker} for i in done])
        return sorted(done, key=lambda i: i.id)

    def complete_and_claim(self, item_id: int, worker: str, output: dict[str, Any] | None = None,
                           lease_seconds: float | None = None) -> WorkItem | None:
        with self._write() as tx:
            at = _utc(tx.now)
            row = self._conn.execute(
                SQL["complete_returning_queue"], {"id": item_id, "worker": worker, "output": _json(output), "now": at}
            ).fetchone()
            if row is None:
                raise LeaseLost(item_id, worker)
            queue = row[0]
            lease = lease_seconds or self.queue(queue).lease_seconds
            rows = self._conn.execute(SQL["claim"], {
                "queue": queue, "worker": worker, "limit": 1, "now": at,
                "lease_until": _utc(tx.now + timedelta(seconds=lease)),
            }).fetchall()
            if not rows:
                self._conn.execute(SQL["insert_completed_event"],
                                   {"id": item_id, "queue": queue, "at": at, "worker": worker})
                return None
            nxt = _rows.item_from_row(rows[0], t)
            self._conn.execute(SQL["insert_completed_and_claimed_events"], {
                "id": item_id, "next_id": nxt.id, "queue": queue, "at": at, "worker": worker,
                "reason": f"attempt {nxt.attempts}",
            })
        return nxt

    def heartbeat(self, item_id: int, worker: str, lease_seconds: float | None = None) -> datetime:
        with self._lock:
            if lease_seconds is None:
                lease_seconds = self.queue(self.get(item_id).queue).lease_seconds
            until = _now() + timedelta(seconds=lease_seconds)
            row = self._conn.execute(SQL["heartbeat"], {"id": item_id, "worker": worker,
                                                         "lease_until": ts(until)}).fetchone()
        if row is None:
            raise LeaseLost(item_id, worker)
        return until

    # reading

    def get(self, item_id: int) -> WorkItem:
        rows = self._read("get_item", {"id": item_id})
        if not rows:
            raise ItemNotFound(item_id)
        return _rows.item_from_row(rows[0], t)

    def find(self, queue: str, reference: str) -> WorkItem | None:
        rows = self._read("find_item", {"queue": queue, "reference": reference})
        return _rows.item_from_row(rows[0], t) if rows else None

    def items(self, *, queue: str | None = None, status: Status | str | None = None,
              reason: str | None = None, limit: int = 100, offset: int = 0) -> list[WorkItem]:
        params = {"queue": queue, "status": Status(status).value if status else None, "reason": reason,
                  "limit": limit, "offset": offset}
        return [_rows.item_from_row(r, t) for r in self._read("list_items", params)]

    def stats(self, queue: str | None = None) -> dict[str, dict[str, int]]:
        if queue is not None:
            self.queue(queue)
        return _rows.stats_from_rows([dict(r) for r in self._read("stats", {"queue": queue})])

    def events(self, item_id: int | None = None, *, limit: int = 1000) -> list[Event]:
        if item_id is None:
            rows = self._read("all_events", {"limit": limit})
        else:
            rows = self._read("item_events", {"item_id": item_id, "limit": limit})
        return [_rows.event_from_row(r, t) for r in rows]

    def files(self, item_id: int) -> list[FileRef]:
        return [_rows.file_from_row(r, t) for r in self._read("list_files", {"item_id": item_id})]

    def file_content(self, file_id: int) -> bytes:
        rows = self._read("file_content", {"id": file_id})
        if not rows:
            raise QueueError(f"no stored file with id {file_id}")
        if rows[0][0] is None:
            raise QueueError(f"the content of file {file_id} was deleted by retention (see the item's history)")
        return bytes(rows[0][0])

    def next_due(self, queue: str) -> datetime | None:
        return t(self._read("next_due", {"queue": queue, "now": ts(_now())})[0][0])

    def children(self, item_id: int) -> list[WorkItem]:
        return [_rows.item_from_row(r, t) for r in self._read("children", {"id": item_id})]
