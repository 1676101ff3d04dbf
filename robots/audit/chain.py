"""The hash chain over audit events: canonical content and the two hashes of a seal. Pure.

An event's content is a stable JSON text of all its columns (keys sorted, no spaces, times in UTC
ISO 8601 with microseconds, the detail parsed and re-serialised), so the same row gives the same
bytes on SQLite and PostgreSQL and after any round trip. A seal at chain position ``seq`` holds

    digest     = sha256(content)
    item_hash  = sha256(previous item_hash of the same subject + ":" + digest)
    chain_hash = sha256(previous chain_hash + ":" + seq + ":" + item_hash)

with ``GENESIS`` (64 zeros) before the first. The subject is the event's item (``item:<id>``), or
``general`` for events about no item (watch list, users, schedules, retention, ...): one item's
history can be checked alone, and the chain over all seals orders everything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from ..queue import Event
from ..queue._rows import utc_text

GENESIS = "0" * 64
GENERAL = "general"


def subject_of(event: Event) -> str:
    """The chain of one item's events, or the general one for events about no item."""
    return f"item:{event.item_id}" if event.item_id is not None else GENERAL


def canonical(event: Event) -> bytes:
    """The event's content as stable bytes (see the module docstring)."""
    return json.dumps({
        "id": event.id, "item_id": event.item_id, "queue": event.queue, "at": utc_text(event.at),
        "actor": event.actor, "action": event.action, "from_status": event.from_status,
        "to_status": event.to_status, "reason": event.reason, "detail": event.detail,
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def digest(event: Event) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def item_hash(previous: str, content_digest: str) -> str:
    return hashlib.sha256(f"{previous}:{content_digest}".encode("ascii")).hexdigest()


def chain_hash(previous: str, seq: int, this_item_hash: str) -> str:
    return hashlib.sha256(f"{previous}:{seq}:{this_item_hash}".encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Seal:
    """One event's place in the chain."""

    seq: int
    event_id: int
    subject: str
    item_hash: str
    chain_hash: str


def seal_events(events: Iterable[Event], head_seq: int, head_chain: str,
                subject_heads: dict[str, str]) -> list[Seal]:
    """Seals for ``events`` (in the order given), continuing a chain whose last seal is
    ``head_seq``/``head_chain`` and whose subjects' last item hashes are ``subject_heads``
    (updated in place)."""
    seals = []
    seq, chain = head_seq, head_chain
    for event in events:
        subject = subject_of(event)
        this_item = item_hash(subject_heads.get(subject, GENESIS), digest(event))
        seq += 1
        chain = chain_hash(chain, seq, this_item)
        subject_heads[subject] = this_item
        seals.append(Seal(seq, event.id, subject, this_item, chain))
    return seals


__all__ = ["GENERAL", "GENESIS", "Seal", "canonical", "chain_hash", "digest", "item_hash", "seal_events",
           "subject_of"]
