"""The scale-out backend: PostgreSQL, any number of workers on any number of machines.

Claims use ``FOR UPDATE SKIP LOCKED`` so concurrent workers never wait for each other's rows.
The hot paths (claim, complete, complete-and-claim, heartbeat) are single statements that carry
their audit events in the same statement: one round trip, one transaction. Times come from the
database's clock, so machines with skewed clocks still agree on leases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer
from psycopg.errors import error_from_result
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from . import _rows, migrate, states
from .backend import Attachment, QueueBackend, Tx, sha256_hex
from .errors import ItemNotFound, LeaseLost, QueueError, UnknownQueue
from .model import Event, FileRef, NewItem, QueueSpec, Status, WorkItem
from .sql import queries

SQL = queries("postgresql")
t = _rows.aware


def _jsonb(value: Any) -> Jsonb | None:
    return None if value is None else Jsonb(value)


_NO_SUCH_STATEMENT = b"26000"  # invalid_sql_statement_name
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class _Prepared:
    """One hot statement, prepared once on the connection and run through libpq directly.

    psycopg's cursor costs about 45 us of client CPU per execution on top of libpq (query
    conversion, the prepare-cache bookkeeping, its non-blocking wait loop); on the single-item path
    that is some 7 % of everything the machine spends per item. The statement is the same text as
    in the SQL file, with its %(name)s placeholders numbered; values are dumped (as text) and results
    loaded by psycopg's own adapters, errors are psycopg's own exception classes.
    """

    def __init__(self, conn: psycopg.Connection[Any], name: str, sql: str) -> None:
        self.params: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match.group(1) not in self.params:
                self.params.append(match.group(1))
            return f"${self.params.index(match.group(1)) + 1}"

        text = _PLACEHOLDER.sub(number, sql)
        if "%" in text:
            raise ValueError(f"statement {name}: only %(name)s placeholders can be prepared")
        self.conn = conn
        self.name = f"robots_{name}".encode()
        self.text = text.encode()
        self.encoding = conn.info.encoding
        self.names: tuple[str, ...] | None = None
        self.transformer = Transformer(conn)
        self.formats = [PyFormat.TEXT] * len(self.params)  # the server parses each as its inferred type
        self._prepare()

    def _prepare(self) -> None:
        self._check(self.conn.pgconn.prepare(self.name, self.text))
        self.names = None  # the result's column names, read from its first result

    def _check(self, result: pq.abc.PGresult) -> None:
        if result.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            return
        if self.conn.pgconn.status == pq.ConnStatus.BAD:  # as psycopg's cursor reports a lost server
            message = result.get_error_message(self.encoding).strip() or "no message"
            raise psycopg.OperationalError(f"the connection to PostgreSQL was lost: {message}")
        raise error_from_result(result, encoding=self.encoding)

    def run(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        values = self.transformer.dump_sequence([params[name] for name in self.params], self.formats)
        pgconn = self.conn.pgconn
        result = pgconn.exec_prepared(self.name, values)
        if (result.status == pq.ExecStatus.FATAL_ERROR
                and result.error_field(pq.DiagnosticField.SQLSTATE) == _NO_SUCH_STATEMENT
                and pgconn.transaction_status == pq.TransactionStatus.IDLE):
            # psycopg sends DEALLOCATE ALL after any rollback (its own prepared statements may name
            # dropped objects); outside a transaction block nothing ran, so prepare again and run.
            self._prepare()
            result = pgconn.exec_prepared(self.name, values)
        self._check(result)
        if self.names is None:
            self.names = tuple(result.fname(i).decode() for i in range(result.nfields))
        self.transformer.set_pgresult(result)
        rows = self.transformer.load_rows(0, result.ntuples, tuple)
        return [dict(zip(self.names, row, strict=True)) for row in rows]


class _PgTx(Tx):
    def __init__(self, conn: psycopg.Connection[dict[str, Any]]) -> None:
        self.conn = conn
        self.now = conn.execute("SELECT now() AS now").fetchone()["now"]

    def lock_item(self, item_id: int) -> WorkItem:
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
            "payload": _jsonb(values["payload"]),
            "error_kind": getattr(values["error_kind"], "value", values["error_kind"]),
        }
        row = self.conn.execute(SQL["update_item"], params).fetchone()
        if row is None:
            raise QueueError(f"work item {item.id} changed under the lock (expected {item.status.value})")
        return _rows.item_from_row(row, t)

    def insert_event(self, item: WorkItem | None, actor: str, action: str, from_status: str | None,
                     to_status: str | None, reason: str | None, detail: dict[str, Any] | None = None) -> Event:
        row = self.conn.execute(SQL["insert_event"], {
            "item_id": item.id if item else None, "queue": item.queue if item else None, "actor": actor,
            "action": action, "from_status": from_status, "to_status": to_status, "reason": reason,
            "detail": _jsonb(detail),
        }).fetchone()
        return _rows.event_from_row(row, t)

    def insert_file(self, item_id: int, attachment: Attachment, actor: str) -> FileRef:
        row = self.conn.execute(SQL["insert_file"], {
            "item_id": item_id, "name": attachment.name, "content_type": attachment.guessed_type(),
            "size": len(attachment.content), "sha256": sha256_hex(attachment.content),
            "content": attachment.content, "actor": actor,
        }).fetchone()
        return _rows.file_from_row(row, t)

    def expired_item_ids(self, queue: str | None, limit: int) -> list[int]:
        rows = self.conn.execute(SQL["expired_items"], {"queue": queue, "limit": limit}).fetchall()
        return [r["id"] for r in rows]


class PostgresBackend(QueueBackend):
    """The queue in a PostgreSQL database (``postgresql://host/db``)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        try:
            self._conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.OperationalError as exc:
            raise QueueError(f"cannot connect to PostgreSQL at {url}: {str(exc).strip().splitlines()[0]}") from exc
        self._prepared: dict[str, _Prepared] = {}
        self._leases_of: dict[str, QueueSpec] = {}
        self._leases_json = "{}"

    def upgrade(self) -> list[str]:
        return migrate.upgrade(self.url, "postgresql")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[_PgTx]:
        with self._lock, self._conn.transaction():
            yield _PgTx(self._conn)

    def _read(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return self._conn.execute(SQL[name], params).fetchall()

    def _hot(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """_read for the hot paths: the statement prepared once, then run through libpq (_Prepared)."""
        with self._lock:
            statement = self._prepared.get(name)
            if statement is None:
                statement = self._prepared[name] = _Prepared(self._conn, name, SQL[name])
            return statement.run(params)

    # queues

    def define_queue(self, spec: QueueSpec) -> None:
        self._read_write("define_queue", _rows.spec_params(spec))
        self._specs[spec.name] = spec

    def _read_write(self, name: str, params: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute(SQL[name], params)

    def _load_queue(self, name: str) -> QueueSpec:
        rows = self._read("get_queue", {"name": name})
        if not rows:
            raise UnknownQueue(name, [q.name for q in self.queues()])
        return _rows.spec_from_row(rows[0])

    def queues(self) -> list[QueueSpec]:
        return [_rows.spec_from_row(r) for r in self._read("list_queues", {})]

    # adding

    def _insert_items(self, spec: QueueSpec, items: Sequence[NewItem], actor: str) -> dict[str, int]:
        params = {
            "queue": spec.name, "actor": actor,
            "references": [i.reference for i in items],
            "payloads": [Jsonb(i.payload) for i in items],
            "priorities": [i.priority for i in items],
            "max_attempts": [i.max_attempts or spec.max_attempts for i in items],
            "not_befores": [i.not_before for i in items],
            "deadlines": [i.deadline for i in items],
            "parent_ids": [i.parent_id for i in items],
            "run_ids": [i.run_id for i in items],
        }
        rows = self._read("insert_items", params)
        return {r["reference"]: r["id"] for r in rows}

    # hot paths

    def _claim(self, spec: QueueSpec, worker: str, limit: int, lease_seconds: float) -> list[WorkItem]:
        rows = self._hot("claim", {"queue": spec.name, "worker": worker, "limit": limit, "lease": lease_seconds})
        return [_rows.item_from_row(r, t) for r in rows]

    def complete(self, item_id: int, worker: str, output: dict[str, Any] | None = None) -> WorkItem:
        rows = self._hot("complete", {"id": item_id, "worker": worker, "output": _jsonb(output)})
        if not rows:
            raise LeaseLost(item_id, worker)
        return _rows.item_from_row(rows[0], t)

    def complete_many(self, worker: str, outputs: dict[int, dict[str, Any] | None]) -> list[WorkItem]:
        if not outputs:
            return []
        ids = list(outputs)
        rows = self._hot("complete_many", {
            "ids": ids, "worker": worker, "outputs": [_jsonb(outputs[i]) for i in ids],
        })
        if len(rows) != len(ids):  # one statement: nothing was changed
            held = {r["id"] for r in rows}
            lost = next((i for i in ids if i not in held), ids[0])
            raise LeaseLost(lost, worker)
        return [_rows.item_from_row(r, t) for r in rows]

    def complete_and_claim(self, item_id: int, worker: str, output: dict[str, Any] | None = None,
                           lease_seconds: float | None = None) -> WorkItem | None:
        # One statement, one round trip: the queue comes from the completed row, the lease from this
        # instance's cached queue settings (as claim() uses them), else from the queues table.
        with self._lock:
            if self._leases_of != self._specs:  # {queue: lease_seconds} as JSON, rebuilt when the cache changes
                self._leases_of = dict(self._specs)
                self._leases_json = json.dumps({name: spec.lease_seconds for name, spec in self._specs.items()})
            rows = self._hot("complete_and_claim", {
                "id": item_id, "worker": worker, "output": _jsonb(output), "lease": lease_seconds or None,
                "cached_leases": self._leases_json,
            })
        if not rows:
            raise LeaseLost(item_id, worker)
        if rows[0]["id"] is None:  # done; nothing untouched to claim: the full claim decides
            return self.claim_one(rows[0]["done_queue"], worker, lease_seconds=lease_seconds)
        return _rows.item_from_row(rows[0], t)

    def _queue_of(self, item_id: int) -> str:
        return self.get(item_id).queue

    def heartbeat(self, item_id: int, worker: str, lease_seconds: float | None = None) -> datetime:
        if lease_seconds is None:
            lease_seconds = self.queue(self._queue_of(item_id)).lease_seconds
        rows = self._read("heartbeat", {"id": item_id, "worker": worker, "lease": lease_seconds})
        if not rows:
            raise LeaseLost(item_id, worker)
        return t(rows[0]["lease_expires_at"])

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
        return _rows.stats_from_rows(self._read("stats", {"queue": queue}))

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
        if rows[0]["content"] is None:
            raise QueueError(f"the content of file {file_id} was deleted by retention (see the item's history)")
        return bytes(rows[0]["content"])

    def next_due(self, queue: str) -> datetime | None:
        return t(self._read("next_due", {"queue": queue})[0]["due"])

    def children(self, item_id: int) -> list[WorkItem]:
        return [_rows.item_from_row(r, t) for r in self._read("children", {"id": item_id})]
