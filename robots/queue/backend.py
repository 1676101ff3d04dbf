"""The storage contract every queue backend fulfils, and the logic they share.

A backend is a connection to one database (SQLite file or PostgreSQL) holding queues, work items,
their files and the append-only audit events. The contract is the public methods of
:class:`QueueBackend`; the conformance suite in ``tests/integration/queue`` runs against every
backend. A backend provides the storage primitives (:class:`Tx`) and the hot paths (claim,
complete, heartbeat) in its own SQL; every other transition is the pure function from
:mod:`robots.queue.states` applied under a row lock, so both backends run one state machine.

Instances are safe to share between threads (a heartbeat thread and the worker), not between
processes: each worker process opens its own.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import states
from .errors import InvalidItem, LeaseLost
from .model import (
    AddResult,
    ErrorKind,
    Event,
    FileRef,
    NewItem,
    QueueSpec,
    Resolution,
    Status,
    WorkItem,
)

ITEM_COLUMNS = tuple(WorkItem.__dataclass_fields__)


@dataclass(frozen=True)
class Attachment:
    """A file to store with an item: evidence (screenshot, HTML), a produced letter, a document."""

    name: str
    content: bytes
    content_type: str = ""

    def guessed_type(self) -> str:
        return self.content_type or mimetypes.guess_type(self.name)[0] or "application/octet-stream"


def worker_id(label: str = "worker") -> str:
    """A name that identifies one worker process on one machine, for leases and the audit trail."""
    return f"{label}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def validate_new_item(item: NewItem) -> None:
    """Refuse malformed items before anything is written (so a batch is all or nothing)."""
    if not isinstance(item.reference, str) or not item.reference.strip():
        raise InvalidItem("an item needs a non-empty reference (the business key)")
    if len(item.reference) > 500:
        raise InvalidItem(f"reference too long ({len(item.reference)} characters, at most 500)")
    if not isinstance(item.payload, dict):
        raise InvalidItem(f"payload of {item.reference!r} must be a JSON object, got {type(item.payload).__name__}")
    try:  # SQLite would store str(value) for a date, PostgreSQL refuse it: refuse it on both
        json.dumps(item.payload, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidItem(f"payload of {item.reference!r} is not plain JSON: {exc}") from None
    if item.max_attempts is not None and item.max_attempts < 1:
        raise InvalidItem(f"max_attempts of {item.reference!r} must be at least 1")
    for name in ("not_before", "deadline"):
        value = getattr(item, name)
        if value is not None and value.tzinfo is None:
            raise InvalidItem(f"{name} of {item.reference!r} must be timezone-aware")


class Tx(ABC):
    """Storage primitives inside one write transaction."""

    now: datetime

    @abstractmethod
    def lock_item(self, item_id: int) -> WorkItem:
        """Read one item and lock it against concurrent writers until the transaction ends."""

    @abstractmethod
    def update_item(self, item: WorkItem, change: states.Change) -> WorkItem:
        """Write a transition's values and new status; guarded by the status read under the lock."""

    @abstractmethod
    def insert_event(
        self, item: WorkItem | None, actor: str, action: str, from_status: str | None,
        to_status: str | None, reason: str | None, detail: dict[str, Any] | None = None,
    ) -> Event:
        """Append one audit event."""

    @abstractmethod
    def insert_file(self, item_id: int, attachment: Attachment, actor: str) -> FileRef:
        """Store one file with an item."""

    @abstractmethod
    def expired_item_ids(self, queue: str | None, limit: int) -> list[int]:
        """Ids of in-progress items whose lease has run out."""


class QueueBackend(ABC):
    """One queue database. See the module docstring for the contract."""

    #: How often (seconds) claim() looks for expired leases; 0 = on every claim.
    reap_interval: float = 5.0

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._specs: dict[str, QueueSpec] = {}
        self._last_reap = 0.0

    # -- connection and schema ---------------------------------------------------------------

    @abstractmethod
    def upgrade(self) -> list[str]:
        """Apply pending schema migrations; return the ids of those applied."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def __enter__(self) -> QueueBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def _write(self) -> AbstractContextManager[Tx]:
        """A write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction)."""

    # -- queues --------------------------------------------------------------------------------

    @abstractmethod
    def define_queue(self, spec: QueueSpec) -> None:
        """Create the queue or update its settings (idempotent)."""

    @abstractmethod
    def _load_queue(self, name: str) -> QueueSpec:
        """Read one queue's settings; UnknownQueue if it is not defined."""

    @abstractmethod
    def queues(self) -> list[QueueSpec]:
        """Every defined queue, by name."""

    def queue(self, name: str) -> QueueSpec:
        """A queue's settings (cached per instance; define_queue refreshes it)."""
        spec = self._specs.get(name)
        if spec is None:
            spec = self._specs[name] = self._load_queue(name)
        return spec

    # -- adding --------------------------------------------------------------------------------

    def add(self, queue: str, items: Iterable[NewItem], actor: str = "system") -> AddResult:
        """Add items in one transaction. A reference already in the queue is skipped, not changed.

        Every item is validated first: one malformed item refuses the whole batch (nothing written).
        A reference repeated inside the batch counts once.
        """
        spec = self.queue(queue)
        unique: dict[str, NewItem] = {}
        repeated: list[str] = []
        for item in items:
            validate_new_item(item)
            if item.reference in unique:
                repeated.append(item.reference)
            else:
                unique[item.reference] = item
        if not unique:
            return AddResult(added={}, skipped=repeated)
        added = self._insert_items(spec, list(unique.values()), actor)
        skipped = [ref for ref in unique if ref not in added] + repeated
        return AddResult(added=added, skipped=skipped)

    def add_one(self, queue: str, reference: str, payload: dict[str, Any] | None = None,
                actor: str = "system", **fields: Any) -> int | None:
        """Add one item; returns its id, or None when the reference was already there."""
        result = self.add(queue, [NewItem(reference=reference, payload=payload or {}, **fields)], actor)
        return result.added.get(reference)

    @abstractmethod
    def _insert_items(self, spec: QueueSpec, items: Sequence[NewItem], actor: str) -> dict[str, int]:
        """Insert new items with their 'created' events; return {reference: id} of those inserted."""

    # -- working (the hot paths are the backend's own SQL) -------------------------------------

    def claim(self, queue: str, worker: str, *, limit: int = 1, lease_seconds: float | None = None) -> list[WorkItem]:
        """Lease up to ``limit`` new items (priority, deadline, FIFO; not_before respected)."""
        spec = self.queue(queue)
        self._maybe_reap(queue)
        return self._claim(spec, worker, limit, lease_seconds or spec.lease_seconds)

    def claim_one(self, queue: str, worker: str, *, lease_seconds: float | None = None) -> WorkItem | None:
        """Lease the next item, or None when there is nothing to do now."""
        items = self.claim(queue, worker, limit=1, lease_seconds=lease_seconds)
        return items[0] if items else None

    @abstractmethod
    def _claim(self, spec: QueueSpec, worker: str, limit: int, lease_seconds: float) -> list[WorkItem]: ...

    @abstractmethod
    def heartbeat(self, item_id: int, worker: str, lease_seconds: float | None = None) -> datetime:
        """Extend the lease; returns the new expiry. LeaseLost if the worker no longer holds it."""

    @abstractmethod
    def complete(self, item_id: int, worker: str, output: dict[str, Any] | None = None) -> WorkItem:
        """Mark a leased item done with its output. LeaseLost if the worker no longer holds it."""

    @abstractmethod
    def complete_many(self, worker: str, outputs: dict[int, dict[str, Any] | None]) -> list[WorkItem]:
        """Mark several leased items done in one transaction (for fast steps that claim in batches).

        All or nothing: if the worker no longer holds one of them, LeaseLost and none is changed.
        """

    @abstractmethod
    def complete_and_claim(
        self, item_id: int, worker: str, output: dict[str, Any] | None = None,
        lease_seconds: float | None = None,
    ) -> WorkItem | None:
        """Complete one item and lease the next of the same queue in one transaction."""

    def fail(
        self, item_id: int, worker: str, kind: ErrorKind | str, code: str, message: str,
        files: Sequence[Attachment] = (),
    ) -> WorkItem:
        """Report an error on a leased item, with evidence files stored in the same transaction."""
        kind = ErrorKind(kind)
        return self._transition(
            item_id, worker, lambda item, spec, now: states.fail(item, spec, now, kind, code, message),
            lease_owner=worker, files=files, detail={"kind": kind.value, "code": code},
        )

    def defer(self, item_id: int, worker: str, until: datetime, reason: str) -> WorkItem:
        """Put a leased item back until ``until`` without counting the attempt."""
        return self._transition(item_id, worker, lambda item, _s, _n: states.defer(item, until, reason),
                                lease_owner=worker)

    def release(self, item_id: int, worker: str, reason: str = "released by worker") -> WorkItem:
        """Give a leased item back untouched."""
        return self._transition(item_id, worker, lambda item, _s, _n: states.release(item, reason),
                                lease_owner=worker)

    def requeue_expired(self, queue: str | None = None, limit: int = 1000) -> list[WorkItem]:
        """Return items whose worker vanished to the queue, or to manual (see states.lease_expired)."""
        with self._write() as tx:
            ids = tx.expired_item_ids(queue, limit)
            moved = []
            for item_id in ids:
                item = tx.lock_item(item_id)
                if item.status is not Status.IN_PROGRESS:
                    continue
                change = states.lease_expired(item, self.queue(item.queue))
                moved.append(self._apply(tx, item, change, "lease-reaper"))
        return moved

    def _maybe_reap(self, queue: str) -> None:
        now = time.monotonic()
        if now - self._last_reap >= self.reap_interval:
            self._last_reap = now
            self.requeue_expired(queue)

    # -- people --------------------------------------------------------------------------------

    def resolve(self, item_id: int, actor: str, resolution: Resolution | str, comment: str,
                payload: dict[str, Any] | None = None) -> WorkItem:
        """A caseworker's decision on a manual item (done, back to the robot, cancelled)."""
        resolution = Resolution(resolution)
        return self._transition(
            item_id, actor, lambda item, _s, now: states.resolve(item, now, resolution, comment, payload)
        )

    def retry(self, item_id: int, actor: str, comment: str = "") -> WorkItem:
        """Send a manual or waiting item back to the robot now, with fresh attempts."""
        return self._transition(item_id, actor, lambda item, _s, _n: states.retry(item, comment))

    def cancel(self, item_id: int, actor: str, reason: str = "") -> WorkItem:
        """Cancel a new or manual item."""
        return self._transition(item_id, actor, lambda item, _s, now: states.cancel(item, now, reason))

    def assign(self, item_id: int, actor: str, assignee: str | None) -> WorkItem:
        """Assign a manual item to a person (None releases it)."""
        return self._transition(item_id, actor, lambda item, _s, _n: states.assign(item, assignee))

    def comment(self, item_id: int, actor: str, text: str) -> Event:
        """Add a comment to an item's history."""
        if not text.strip():
            raise InvalidItem("a comment cannot be empty")
        with self._write() as tx:
            item = tx.lock_item(item_id)
            return tx.insert_event(item, actor, "commented", item.status.value, item.status.value, text)

    def record(self, actor: str, action: str, reason: str | None = None, detail: dict[str, Any] | None = None,
               item_id: int | None = None) -> Event:
        """Append an event that is no state change (a retry inside a step, a watch-list edit, a
        credential read), about one item or about none."""
        with self._write() as tx:
            item = tx.lock_item(item_id) if item_id is not None else None
            status = item.status.value if item else None
            return tx.insert_event(item, actor, action, status, status, reason, detail)

    def attach(self, item_id: int, attachment: Attachment, actor: str = "system") -> FileRef:
        """Store a file with an item (recorded in its history)."""
        with self._write() as tx:
            item = tx.lock_item(item_id)
            ref = tx.insert_file(item_id, attachment, actor)
            tx.insert_event(item, actor, "file_attached", None, None, attachment.name,
                            {"file_id": ref.id, "sha256": ref.sha256, "size": ref.size})
            return ref

    # -- reading -------------------------------------------------------------------------------

    @abstractmethod
    def get(self, item_id: int) -> WorkItem:
        """One item; ItemNotFound if there is none."""

    @abstractmethod
    def find(self, queue: str, reference: str) -> WorkItem | None:
        """The item with this reference in this queue, if any."""

    @abstractmethod
    def items(self, *, queue: str | None = None, status: Status | str | None = None,
              reason: str | None = None, limit: int = 100, offset: int = 0) -> list[WorkItem]:
        """Items, newest first, filtered by queue, status and manual reason."""

    @abstractmethod
    def stats(self, queue: str | None = None) -> dict[str, dict[str, int]]:
        """{queue: {status: count}} for every defined queue (zeros included)."""

    @abstractmethod
    def events(self, item_id: int | None = None, *, limit: int = 1000) -> list[Event]:
        """Audit events in order; of one item, or all."""

    @abstractmethod
    def files(self, item_id: int) -> list[FileRef]:
        """Files stored with an item."""

    @abstractmethod
    def file_content(self, file_id: int) -> bytes:
        """A stored file's bytes."""

    @abstractmethod
    def next_due(self, queue: str) -> datetime | None:
        """When the earliest new item of the queue may be claimed (None: no new items)."""

    @abstractmethod
    def children(self, item_id: int) -> list[WorkItem]:
        """Items produced from this one (next step's items)."""

    # -- shared machinery ----------------------------------------------------------------------

    def _transition(
        self, item_id: int, actor: str,
        decide: Callable[[WorkItem, QueueSpec, datetime], states.Change],
        *, lease_owner: str | None = None, files: Sequence[Attachment] = (),
        detail: dict[str, Any] | None = None,
    ) -> WorkItem:
        with self._write() as tx:
            item = tx.lock_item(item_id)
            if lease_owner is not None and (
                item.status is not Status.IN_PROGRESS or item.lease_owner != lease_owner
            ):
                raise LeaseLost(item_id, lease_owner)
            change = decide(item, self.queue(item.queue), tx.now)
            file_ids = [tx.insert_file(item_id, f, actor).id for f in files]
            if detail or file_ids:
                change.detail = {**(change.detail or {}), **(detail or {})}
                if file_ids:
                    change.detail["files"] = file_ids
            return self._apply(tx, item, change, actor)

    @staticmethod
    def _apply(tx: Tx, item: WorkItem, change: states.Change, actor: str) -> WorkItem:
        updated = tx.update_item(item, change)
        tx.insert_event(updated, actor, change.action, item.status.value, change.to_status.value,
                        change.reason, change.detail)
        return updated


def iter_chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
