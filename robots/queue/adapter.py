"""A ``robocorp.workitems`` adapter: robots written for Control Room consume this queue instead.

Run a robot with ``RC_WORKITEM_ADAPTER=robots.queue.adapter.QueueAdapter`` and::

    ROBOTS_INPUT_QUEUE   the queue the robot consumes (required, must be defined)
    ROBOTS_OUTPUT_QUEUE  where ``workitems.outputs.create(...)`` puts new items (optional, must be defined)
    ROBOTS_DATABASE_URL  the queue database (optional; default: the embedded SQLite file)
    ROBOTS_WORKER        the worker id in leases and the audit trail (default: ``robocorp@host:pid:xxxxxx``)
    ROBOTS_RUN_ID        stored on every output item (optional)

How the calls map:

- ``reserve_input`` claims the next item (a lease) and keeps the lease alive from a daemon thread
  (``heartbeat`` every lease/3 s) until the item is released: a long case is not taken from the
  robot, a crashed robot's case goes back to the queue when the lease runs out.
- ``item.done()`` completes the item; ``item.fail(BUSINESS, code, message)`` sends it to manual
  handling; ``APPLICATION`` (also any other exception) retries it with backoff until
  ``max_attempts``, then manual. Messages are CPR-masked before they are stored, and CPR numbers in
  payloads are hidden from robocorp's own log (``log.hide_from_output``).
- The input's payload is the producer's record of the case and is never rewritten: a robot's
  ``item.payload = ...; item.save()`` is kept in memory, read back by the robot, and stored as the
  item's *output* when it is completed (a non-object payload as ``{"payload": value}``).
- ``outputs.create(payload, files)`` adds a new item to ROBOTS_OUTPUT_QUEUE at once, with
  ``parent_id`` = the input and reference ``<input reference>/<n>`` (n-th output of that input in
  this attempt). A repeated attempt makes the same references, which the queue skips, so re-running
  a step does not duplicate its outputs. An output's payload is fixed once saved (the next step may
  already be working on it): set it before saving.
- Files are stored with the item in the database at once (``attach``); a file with the same name
  and bytes as one already stored is not stored twice (again so that a repeated attempt is
  harmless). Files are evidence: ``remove_file`` is refused. A name stored twice reads as the
  latest.

For robot authors: put ``with item:`` inside ``for item in workitems.inputs:``; only there does
robocorp turn a Business/ApplicationException into ``fail()`` (one escaping the loop fails the item
as APPLICATION without a code). robocorp reserves the first item before the task body runs, so a
run that starts on an empty queue fails with ``EmptyQueue`` naming the queue. An item the robot
never releases is not completed silently: its lease lapses after the robot exits and the queue
retries it (then manual, "abandoned").
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from robocorp import log as robocorp_log
from robocorp.workitems import BaseAdapter, EmptyQueue, ExceptionType, State

from .. import cpr
from . import connect
from .backend import Attachment, QueueBackend, sha256_hex, worker_id
from .errors import QueueError, UnknownQueue
from .model import ErrorKind, QueueSpec, WorkItem

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
_UNSAVED = object()


def _redact(url: str) -> str:
    """A database URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@robocorp_log.suppress
def _hide_cprs(value: Any) -> None:
    """Keep CPR numbers in payloads out of robocorp's log.html.

    This project's pyproject excludes its own packages from robocorp's automatic logging; this also
    covers robot code elsewhere, whose variables robocorp logs (payloads among them).
    """
    for match in cpr.CPR_PATTERN.finditer(json.dumps(value, ensure_ascii=False, default=str)):
        robocorp_log.hide_from_output(f"{match.group(1)}-{match.group(2)}")
        robocorp_log.hide_from_output(f"{match.group(1)}{match.group(2)}")


class _Heartbeat(threading.Thread):
    """Renews one item's lease every lease/3 seconds until stopped or the lease is lost."""

    def __init__(self, backend: QueueBackend, item_id: int, worker: str, lease_seconds: float) -> None:
        super().__init__(name=f"lease-heartbeat-{item_id}", daemon=True)
        self.backend, self.item_id, self.worker, self.lease_seconds = backend, item_id, worker, lease_seconds
        self._halt = threading.Event()
        self.lost: QueueError | None = None

    def run(self) -> None:
        while not self._halt.wait(self.lease_seconds / 3):
            try:
                self.backend.heartbeat(self.item_id, self.worker, self.lease_seconds)
            except QueueError as exc:  # LeaseLost: someone else may have the item now; stop renewing
                self.lost = exc
                LOGGER.warning("lease heartbeat stopped: %s", exc)
                return
            except Exception as exc:  # a busy or briefly unreachable database: try again next beat
                LOGGER.warning("lease heartbeat for work item %s failed, retrying: %s", self.item_id, exc)

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=60)


class _Reserved:
    """An input the robot holds: the claimed item, its in-memory payload, its outputs so far."""

    def __init__(self, item: WorkItem, heartbeat: _Heartbeat) -> None:
        self.item = item
        self.saved: Any = _UNSAVED
        self.outputs = 0
        self.heartbeat = heartbeat

    @property
    def label(self) -> str:
        return cpr.mask(f"work item {self.item.id} ({self.item.queue} {self.item.reference!r})")


class QueueAdapter(BaseAdapter):
    """``robocorp.workitems`` on this queue; configured from the environment (see module docstring)."""

    def __init__(self) -> None:
        input_queue = os.environ.get("ROBOTS_INPUT_QUEUE", "").strip()
        if not input_queue:
            raise QueueError("ROBOTS_INPUT_QUEUE is not set: name the queue this robot consumes "
                             "(e.g. ROBOTS_INPUT_QUEUE=flex_wage.calculate)")
        self.backend = connect()
        self.worker = os.environ.get("ROBOTS_WORKER", "").strip() or worker_id("robocorp")
        self.run_id = os.environ.get("ROBOTS_RUN_ID", "").strip() or None
        output_queue = os.environ.get("ROBOTS_OUTPUT_QUEUE", "").strip()
        try:
            self.input_spec = self._queue("ROBOTS_INPUT_QUEUE", input_queue)
            self.output_spec = self._queue("ROBOTS_OUTPUT_QUEUE", output_queue) if output_queue else None
        except QueueError:
            self.backend.close()
            raise
        self._inputs: dict[int, _Reserved] = {}
        self._outputs: dict[int, Any] = {}  # output id -> payload as saved by this robot

    def _queue(self, variable: str, name: str) -> QueueSpec:
        try:
            return self.backend.queue(name)
        except UnknownQueue as exc:
            raise QueueError(f"{variable}={name!r}: {exc}") from exc
        except Exception as exc:
            raise QueueError(f"{variable}={name!r}: cannot read the queue from {_redact(self.backend.url)} "
                             f"({type(exc).__name__}: {exc}); is the database migrated (robots db upgrade)?"
                             ) from exc

    # -- helpers ----------------------------------------------------------------------------------

    def _call(self, what: str, label: str, fn: Callable[[], T]) -> T:
        """Run a database call; name the item in any error (queue errors keep their type)."""
        try:
            return fn()
        except QueueError as exc:
            exc.add_note(f"while trying to {what} {label}")
            raise
        except Exception as exc:
            raise QueueError(f"could not {what} {label}: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _id(item_id: str) -> int:
        try:
            return int(item_id)
        except (TypeError, ValueError):
            raise QueueError(f"not a work item id of this queue: {item_id!r} (ids are numbers)") from None

    def _label(self, item_id: int) -> str:
        reserved = self._inputs.get(item_id)
        return reserved.label if reserved else f"work item {item_id}"

    # -- inputs -----------------------------------------------------------------------------------

    def reserve_input(self) -> str:
        """Claim the next item of the input queue and start renewing its lease."""
        queue = self.input_spec.name
        item = self._call("claim the next item from", f"queue {queue!r}",
                          lambda: self.backend.claim_one(queue, self.worker))
        if item is None:
            raise EmptyQueue(f"no work item ready in queue {queue!r}")
        _hide_cprs(item.payload)
        heartbeat = _Heartbeat(self.backend, item.id, self.worker, self.input_spec.lease_seconds)
        self._inputs[item.id] = _Reserved(item, heartbeat)
        heartbeat.start()
        LOGGER.info("reserved %s, attempt %s of %s", self._inputs[item.id].label, item.attempts, item.max_attempts)
        return str(item.id)

    def release_input(self, item_id: str, state: State, exception: dict | None = None) -> None:
        """Complete (DONE) or fail (FAILED: BUSINESS -> manual, APPLICATION -> retry/manual) the item."""
        reserved = self._inputs.pop(self._id(item_id), None)
        if reserved is None:
            raise QueueError(f"work item {item_id} is not reserved by this robot (already released?)")
        reserved.heartbeat.stop()
        item = reserved.item
        if State(state) is State.DONE:
            output = None
            if reserved.saved is not _UNSAVED and reserved.saved != item.payload:
                output = reserved.saved if isinstance(reserved.saved, dict) else {"payload": reserved.saved}
            self._call("complete", reserved.label, lambda: self.backend.complete(item.id, self.worker, output))
            return
        exception = exception or {}
        business = str(exception.get("type") or "").upper() == ExceptionType.BUSINESS.value
        kind = ErrorKind.BUSINESS if business else ErrorKind.APPLICATION
        code = str(exception.get("code") or f"{kind.value}_error")
        message = cpr.mask(str(exception.get("message") or "no message given"))
        done = self._call("fail", reserved.label,
                          lambda: self.backend.fail(item.id, self.worker, kind, code, message))
        LOGGER.info("%s failed (%s %s): now %s", reserved.label, kind.value, code, done.status.value)

    # -- outputs ----------------------------------------------------------------------------------

    def create_output(self, parent_id: str, payload: Any = None) -> str:
        """Add the next output of a reserved input to the output queue (skipped if it is already there)."""
        parent = self._inputs.get(self._id(parent_id))
        if parent is None:
            raise QueueError(f"cannot create an output of work item {parent_id}: it is not reserved by this robot")
        if self.output_spec is None:
            raise QueueError(f"cannot create an output of {parent.label}: ROBOTS_OUTPUT_QUEUE is not set "
                             "(name the queue the next step consumes)")
        payload = {} if payload is None else payload
        if not isinstance(payload, dict):
            raise QueueError(f"output of {parent.label}: the payload must be a JSON object (dict), "
                             f"got {type(payload).__name__}")
        _hide_cprs(payload)
        queue = self.output_spec.name
        reference = f"{parent.item.reference}/{parent.outputs + 1}"
        new_id = self._call("create an output of", parent.label, lambda: self.backend.add_one(
            queue, reference, payload, actor=self.worker, parent_id=parent.item.id, run_id=self.run_id))
        if new_id is None:
            existing = self._call("find the earlier output of", parent.label,
                                  lambda: self.backend.find(queue, reference))
            if existing is None or existing.parent_id != parent.item.id:
                raise QueueError(cpr.mask(f"output {reference!r} of {parent.label} already exists in queue "
                                          f"{queue!r} with another parent"))
            LOGGER.info("output %s of %s is already in %r, kept as it is", existing.id, parent.label, queue)
            new_id = existing.id
        parent.outputs += 1
        self._outputs[new_id] = copy.deepcopy(payload)
        return str(new_id)

    # -- payloads ---------------------------------------------------------------------------------

    def load_payload(self, item_id: str) -> Any:
        """An input's payload (as saved by the robot, if it did), or any item's stored payload."""
        key = self._id(item_id)
        reserved = self._inputs.get(key)
        if reserved is not None:
            return copy.deepcopy(reserved.item.payload if reserved.saved is _UNSAVED else reserved.saved)
        payload = self._call("read", f"work item {key}", lambda: self.backend.get(key)).payload
        _hide_cprs(payload)
        return payload

    def save_payload(self, item_id: str, payload: Any) -> None:
        """Input: kept in memory, stored as the output on completion. Output: fixed once created."""
        key = self._id(item_id)
        reserved = self._inputs.get(key)
        _hide_cprs(payload)
        if reserved is not None:
            reserved.saved = copy.deepcopy(payload)
            return
        if key not in self._outputs:
            raise QueueError(f"cannot save the payload of work item {key}: it is neither reserved nor created "
                             "by this robot")
        if payload != self._outputs[key]:
            raise QueueError(f"output work item {key} is already in the queue and its payload cannot change: "
                             "set the payload before saving (outputs.create(payload, files=...))")

    # -- files ------------------------------------------------------------------------------------

    def list_files(self, item_id: str) -> list[str]:
        key = self._id(item_id)
        refs = self._call("list the files of", self._label(key), lambda: self.backend.files(key))
        return list(dict.fromkeys(ref.name for ref in refs))

    def get_file(self, item_id: str, name: str) -> bytes:
        key = self._id(item_id)
        label = self._label(key)
        refs = [ref for ref in self._call("list the files of", label, lambda: self.backend.files(key))
                if ref.name == name]
        if not refs:
            raise FileNotFoundError(f"{label} has no file named {name!r}")
        return self._call(f"read file {name!r} of", label, lambda: self.backend.file_content(refs[-1].id))

    def add_file(self, item_id: str, name: str, content: bytes) -> None:
        """Store the file with the item now; the same name and bytes already stored are not repeated."""
        key = self._id(item_id)
        label = self._label(key)
        digest = sha256_hex(content)
        if any(ref.name == name and ref.sha256 == digest
               for ref in self._call("list the files of", label, lambda: self.backend.files(key))):
            LOGGER.info("file %r of %s is already stored, not repeated", name, label)
            return
        self._call(f"store file {name!r} with", label,
                   lambda: self.backend.attach(key, Attachment(name, content), actor=self.worker))

    def remove_file(self, item_id: str, name: str) -> None:
        raise QueueError(f"file {name!r} of {self._label(self._id(item_id))} cannot be removed: "
                         "files stored with work items are evidence and are kept")
