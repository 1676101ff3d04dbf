"""Sealing the audit trail into its hash chain, and verifying it against the events as they are now.

The workers never hash: they append events as they always did. The sealer (``robots audit seal``,
and the active scheduler every minute) seals every event not sealed yet, in id order, in batches of
short transactions, one sealer at a time. ``verify`` recomputes every seal from the raw events.

What verify finds, and what it cannot:

- an event changed after it was sealed: its content no longer gives its seal's item hash;
- an event removed after it was sealed: its seal names an event that is not there;
- a seal removed or changed: the chain positions have a gap, or the chain hash breaks;
- on SQLite also an event removed before it was sealed: the ids (AUTOINCREMENT, which never reuses
  an id and gives a rolled-back one back) have a gap, or the last ids are missing;
- with ``expect_head`` (the last seal's ``seq:chain_hash``, written down elsewhere by an auditor):
  a rewrite of the whole chain from some point on. Without it, someone who can write the database
  can recompute every seal after the one they changed; no unkeyed chain can prevent that.

Events not yet sealed are reported as such, not as errors. On PostgreSQL, ids are handed out
before commit and rolled-back inserts leave gaps, so a gap is no evidence there; before sealing,
the sealer waits (briefly) for transactions that were in flight when it looked, so a lower id
committing later is rare; it is sealed in the next round and, until then, listed as "late".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..queue import QueueBackend, _rows
from . import _db
from .chain import GENESIS, chain_hash, digest, item_hash, seal_events, subject_of

SEAL_BATCH = 2000
PAGE = 5000
PG_SEAL_LOCK = 0x726F626F74730001  # "robots" 0001: one sealer at a time
PG_LOOKBACK = 100_000  # ids below the last sealed one that may still be unsealed (late commits)
_REPORT_AT_MOST = 50


@dataclass(frozen=True)
class Head:
    """The last seal: an auditor who writes ``seq:chain_hash`` down can later prove nothing before it changed."""

    seq: int
    event_id: int
    chain_hash: str

    def text(self) -> str:
        return f"{self.seq}:{self.chain_hash}"

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "event_id": self.event_id, "chain_hash": self.chain_hash, "text": self.text()}


@dataclass(frozen=True)
class SealResult:
    sealed: int
    head: Head | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"sealed": self.sealed, "head": self.head.to_dict() if self.head else None,
                "seconds": round(self.seconds, 3)}


def seal(backend: QueueBackend, *, batch: int = SEAL_BATCH, wait_seconds: float = 2.0) -> SealResult:
    """Seal every event not sealed yet, in id order; returns how many and the new head."""
    started = time.monotonic()
    until = _committed_until(backend, wait_seconds)
    sql = _db.sql(backend, "audit")
    parse = _db.time_parser(backend)
    total = 0
    head = None
    first_batch = True
    while True:
        with backend._write() as tx:  # type: ignore[attr-defined]
            conn = tx.conn
            if not _db.is_sqlite(backend):
                conn.execute(sql["seal_lock"], {"key": PG_SEAL_LOCK})
            row = conn.execute(sql["seal_head"]).fetchone()
            head_seq, head_event, head_chain = (
                (row["seq"], row["event_id"], row["chain_hash"]) if row else (0, 0, GENESIS))
            (max_sealed,) = tuple(dict(conn.execute(sql["max_sealed_event"]).fetchone()).values())
            # late commits (PostgreSQL) are looked for once per call, below the last sealed id
            lookback = PG_LOOKBACK if first_batch and not _db.is_sqlite(backend) else 0
            first_batch = False
            rows = conn.execute(sql["unsealed_events"], {
                "after": max(0, max_sealed - lookback), "until": until, "limit": batch,
            }).fetchall()
            events = [_rows.event_from_row(dict(r), parse) for r in rows]
            if events:
                subjects = sorted({subject_of(e) for e in events})
                heads = {r["subject"]: r["item_hash"]
                         for r in conn.execute(sql["subject_heads"], {"subjects": _db.db_list(backend, subjects)})}
                seals = seal_events(events, head_seq, head_chain, heads)
                sealed_at = _db.db_time(backend, tx.now)
                if _db.is_sqlite(backend):
                    conn.executemany(sql["insert_seal"], [{**s.__dict__, "sealed_at": sealed_at} for s in seals])
                else:  # one statement per batch: a round trip per seal would be most of the time
                    conn.execute(sql["insert_seals"], {
                        "sealed_at": sealed_at, "seqs": [s.seq for s in seals],
                        "event_ids": [s.event_id for s in seals], "subjects": [s.subject for s in seals],
                        "item_hashes": [s.item_hash for s in seals], "chain_hashes": [s.chain_hash for s in seals]})
                last = seals[-1]
                head = Head(last.seq, last.event_id, last.chain_hash)
                total += len(seals)
            elif head is None and row:
                head = Head(head_seq, head_event, head_chain)
        if len(events) < batch:
            break
    return SealResult(total, head, time.monotonic() - started)


def _committed_until(backend: QueueBackend, wait_seconds: float) -> int:
    """The highest event id that is safe to seal now.

    SQLite commits in id order (one writer), so every visible id is final. PostgreSQL hands ids
    out before commit: take the highest committed id and wait (at most ``wait_seconds``) until the
    transactions in flight at that moment have ended, so none of them commits a lower id later.
    """
    if _db.is_sqlite(backend):
        return 2**62
    (snap,) = _db.read(backend, "audit", "snapshot")
    deadline = time.monotonic() + wait_seconds
    while _db.read(backend, "audit", "in_flight", {"snapshot": snap["snapshot"]})[0]["n"]:
        if time.monotonic() > deadline:
            break  # a long transaction: seal anyway; a late commit is sealed next round
        time.sleep(0.02)
    return int(snap["max_id"])


# -- verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One place where the audit trail is not as it was sealed."""

    kind: str  # changed | removed | seal_removed | seal_changed | inserted | head
    message: str
    event_id: int | None = None
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class VerifyReport:
    """What verify found: counts, the problems (first one first), and what is not sealed yet."""

    events: int = 0
    sealed: int = 0
    unsealed: int = 0
    unsealed_range: tuple[int, int] | None = None
    late: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    head: Head | None = None
    subject: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.event_id if p.event_id is not None else 2**62, p.seq or 0))

    def summary(self) -> str:
        scope = f"{self.subject}: " if self.subject else ""
        if self.problems:
            first = self.first
            more = f" ({len(self.problems)} problems in all)" if len(self.problems) > 1 else ""
            return f"{scope}audit trail broken: {first.message}{more}"  # type: ignore[union-attr]
        tail = ""
        if self.unsealed:
            first, last = self.unsealed_range or (0, 0)
            tail = f"; {self.unsealed} event(s) not yet sealed (ids {first}-{last})"
        if self.late:
            tail += f"; {len(self.late)} late event(s) not yet sealed ({', '.join(map(str, self.late[:5]))})"
        return f"{scope}audit trail intact: {self.sealed} sealed event(s) of {self.events} verified{tail}"

    def to_dict(self) -> dict[str, Any]:
        first = self.first
        return {
            "ok": self.ok, "subject": self.subject, "events": self.events, "sealed": self.sealed,
            "unsealed": self.unsealed, "unsealed_range": list(self.unsealed_range) if self.unsealed_range else None,
            "late": self.late, "head": self.head.to_dict() if self.head else None,
            "first_problem": first.to_dict() if first else None,
            "problems": [p.to_dict() for p in self.problems[:_REPORT_AT_MOST]], "summary": self.summary(),
        }


def verify(backend: QueueBackend, *, expect_head: str | None = None, page: int = PAGE) -> VerifyReport:
    """Recompute the whole chain from the raw events and compare it with the stored seals."""
    report = VerifyReport()
    expected = _parse_head(expect_head) if expect_head else None
    parse = _db.time_parser(backend)
    subject_last: dict[str, str] = {}
    prev_seq, prev_chain, max_sealed, removed = 0, GENESIS, 0, set()
    while True:
        rows = _db.read(backend, "audit", "seals_page", {"after": prev_seq, "limit": page})
        for row in rows:
            seq = row["seq"]
            if seq != prev_seq + 1:
                report.problems.append(Problem(
                    "seal_removed", f"seals {prev_seq + 1}-{seq - 1} were removed from the chain (before the seal "
                    f"of event {row['seal_event_id']})", seq=prev_seq + 1))
            elif chain_hash(prev_chain, seq, row["item_hash"]) != row["chain_hash"]:
                report.problems.append(Problem(
                    "seal_changed", f"seal {seq} (of event {row['seal_event_id']}) was changed: the chain breaks there",
                    event_id=row["seal_event_id"], seq=seq))
            event_id = row["seal_event_id"]
            max_sealed = max(max_sealed, event_id)
            if row["id"] is None:
                removed.add(event_id)
                report.problems.append(Problem(
                    "removed",
                    f"event {event_id} was removed (sealed as seal {seq} on {_when(row['sealed_at'], parse)})",
                    event_id=event_id, seq=seq))
            else:
                _check_content(report, row, parse, subject_last.get(row["subject"], GENESIS))
            if expected and seq == expected.seq and row["chain_hash"] != expected.chain_hash:
                report.problems.append(Problem(
                    "head", f"seal {seq} is not the one written down ({expected.chain_hash[:12]}...): the chain was "
                    f"rewritten up to there", event_id=event_id, seq=seq))
            subject_last[row["subject"]] = row["item_hash"]
            prev_seq, prev_chain = seq, row["chain_hash"]
            report.sealed += 1
            report.head = Head(seq, event_id, row["chain_hash"])
        if len(rows) < page:
            break
    if expected and prev_seq < expected.seq:
        report.problems.append(Problem(
            "head", f"the chain ends at seal {prev_seq}, before seal {expected.seq} that was written down: "
            f"seals were removed", seq=prev_seq + 1))
    report.sealed -= len(removed)
    _check_unsealed(backend, report, max_sealed, removed)
    return report


def verify_item(backend: QueueBackend, item_id: int) -> VerifyReport:
    """Verify one item's own chain (its sealed events in order) and list its unsealed events."""
    subject = f"item:{item_id}"
    report = VerifyReport(subject=subject)
    parse = _db.time_parser(backend)
    previous = GENESIS
    for row in _db.read(backend, "audit", "subject_seals", {"subject": subject}):
        report.events += 1
        if row["id"] is None:
            report.problems.append(Problem(
                "removed", f"event {row['seal_event_id']} was removed (sealed as seal {row['seq']} on "
                f"{_when(row['sealed_at'], parse)})", event_id=row["seal_event_id"], seq=row["seq"]))
        else:
            _check_content(report, row, parse, previous)
            report.sealed += 1
        previous = row["item_hash"]
    unsealed = [r["id"] for r in _db.read(backend, "audit", "unsealed_of_item", {"item_id": item_id})]
    report.events += len(unsealed)
    report.unsealed = len(unsealed)
    report.unsealed_range = (unsealed[0], unsealed[-1]) if unsealed else None
    return report


def _check_content(report: VerifyReport, row: dict[str, Any], parse: Any, previous_item_hash: str) -> None:
    event = _rows.event_from_row(row, parse)
    if subject_of(event) != row["subject"] or item_hash(previous_item_hash, digest(event)) != row["item_hash"]:
        report.problems.append(Problem(
            "changed", f"event {event.id} was changed after it was sealed (seal {row['seq']} on "
            f"{_when(row['sealed_at'], parse)}): its content no longer matches the seal", event_id=event.id,
            seq=row["seq"]))


def _check_unsealed(backend: QueueBackend, report: VerifyReport, max_sealed: int, removed: set[int]) -> None:
    stats = _db.read(backend, "audit", "event_stats")[0]
    report.events = stats["n"]
    tail = _db.read(backend, "audit", "unsealed_after", {"after": max_sealed})[0]
    report.unsealed = tail["n"]
    report.unsealed_range = (tail["first_id"], tail["last_id"]) if tail["n"] else None
    below = [r["id"] for r in _db.read(backend, "audit", "unsealed_below", {"below": max_sealed, "limit": 100})]
    if not _db.is_sqlite(backend):
        report.late = below  # ids are handed out before commit on PostgreSQL: sealed next round
        return
    for event_id in below:
        report.problems.append(Problem(
            "inserted", f"event {event_id} was added after later events had been sealed (the robots never write "
            f"so on SQLite)", event_id=event_id))
    for gap in _db.read(backend, "audit", "id_gaps", {"limit": 100}):
        missing = [i for i in range(gap["first_id"], gap["last_id"] + 1) if i not in removed]
        if missing:
            ids = f"{missing[0]}" if len(missing) == 1 else f"{missing[0]}-{missing[-1]}"
            report.problems.append(Problem(
                "removed", f"event {ids} was removed (before it was sealed: the ids have a gap there)",
                event_id=missing[0]))
    sequence = _db.read(backend, "audit", "id_sequence")
    last_given = sequence[0]["seq"] if sequence else 0
    if last_given > stats["max_id"]:
        first = stats["max_id"] + 1
        ids = f"{first}" if first == last_given else f"{first}-{last_given}"
        if first not in removed:
            report.problems.append(Problem(
                "removed", f"event {ids} was removed (the last events: ids were given up to {last_given})",
                event_id=first))


def _parse_head(text: str) -> Head:
    seq, _, chain = text.strip().partition(":")
    if not seq.isdigit() or len(chain) != 64:
        raise ValueError(f"a head is SEQ:CHAIN_HASH as robots audit seal prints it, got {text!r}")
    return Head(int(seq), 0, chain.lower())


def _when(value: Any, parse: Any) -> str:
    from ..timeutil import show

    return show(parse(value), seconds=True)


__all__ = ["Head", "Problem", "SealResult", "VerifyReport", "seal", "verify", "verify_item"]
