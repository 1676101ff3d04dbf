"""What the auditor pages read: the event search with keyset paging, and the chain's status.

The search filters by process (its queues' items, and events about no item whose detail names it,
as ``robots audit export`` does), item reference (exactly or as a prefix) or item number, user
(``kmj`` finds ``desk:kmj``; a run id finds its workers), and a period of Copenhagen dates. Pages go by event id
(``id < last`` / ``id > first``), so an old page costs what the newest does. Everything shown has
CPR numbers masked: auditors see every process, but no case is theirs. SQL: ``sql/<dialect>.sql``.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any
from urllib.parse import urlencode

from .. import audit
from ..cpr import mask, mask_value
from ..queue import QueueBackend, _rows
from ..timeutil import COPENHAGEN
from .db import Db
from .desk import Desk, process_of
from .routes_case import ACTIONS as CASE_ACTIONS

PAGE_SIZE = 100
EXPORT_LIMIT = 100_000
CHAIN_SECONDS = 60.0  # verify reads the whole trail: its result is reused this long

ACTIONS = {
    **CASE_ACTIONS,
    "user_added": "Bruger oprettet", "user_disabled": "Bruger deaktiveret", "desk_signed_in": "Logget ind",
    "desk_signed_out": "Logget ud", "desk_sign_in_failed": "Forkert adgangskode",
    "watch_list_added": "Sat på obslisten", "watch_list_removed": "Taget af obslisten",
    "credential_set": "Adgangskode gemt", "credential_read": "Adgangskode læst af robot",
    "credential_key_rotated": "Krypteringsnøgle skiftet", "file_deleted": "Fil slettet (opbevaring)",
    "alert_raised": "Alarm rejst", "alert_acknowledged": "Alarm kvitteret", "alert_resolved": "Alarm afsluttet",
}


def action_label(action: str) -> str:
    """An event's action in Danish where it is known, else its code."""
    return ACTIONS.get(action, action.replace("_", " "))


def parse_day(text: str) -> date | None:
    """A date from a date input (ÅÅÅÅ-MM-DD), or None for anything else."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def day_start(day: date) -> datetime:
    """Midnight at the start of a Copenhagen day, as an aware time (DST-correct)."""
    return datetime.combine(day, clock(0), COPENHAGEN)


@dataclass(frozen=True)
class EventFilters:
    """The search as typed (query parameters ``proces``, ``reference``, ``bruger``, ``fra``, ``til``)."""

    process: str = ""
    reference: str = ""
    item_id: int | None = None
    actor: str = ""
    start: date | None = None
    end: date | None = None  # inclusive: events of that whole day

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> EventFilters:
        """Read the filters; a date that is not one is left out."""
        def text(key: str, limit: int) -> str:
            return (query.get(key) or "").strip()[:limit]

        item = text("sag", 18)
        return cls(process=text("proces", 64), reference=text("reference", 500),
                   item_id=int(item) if item.isdigit() else None, actor=text("bruger", 200),
                   start=parse_day(text("fra", 10)), end=parse_day(text("til", 10)))

    def params(self, **changes: Any) -> dict[str, str]:
        f = replace(self, **changes)
        values = {"proces": f.process, "reference": f.reference, "sag": str(f.item_id or ""), "bruger": f.actor,
                  "fra": f.start.isoformat() if f.start else "", "til": f.end.isoformat() if f.end else ""}
        return {k: v for k, v in values.items() if v}

    def query(self, **extra: str) -> str:
        """``?proces=...`` for a link to this search (with extra parameters, such as a page)."""
        params = {**self.params(), **extra}
        return "?" + urlencode(params) if params else "?"

    @property
    def active(self) -> bool:
        return bool(self.process or self.reference or self.item_id or self.actor or self.start or self.end)

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC-comparable aware times: [start of ``start``, start of the day after ``end``)."""
        return (day_start(self.start) if self.start else None,
                day_start(self.end + timedelta(days=1)) if self.end else None)


class EventRow(audit.ExportRow):
    """One audit event as the page shows it (and the export writes it): CPR numbers masked in every text."""

    @property
    def id(self) -> int:
        return self.event_id

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def process(self) -> str | None:
        return process_of(self.queue) if self.queue else None

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        """The detail as key/value lines for the page (the export keeps the JSON as it is)."""
        if not self.detail:
            return []
        value = json.loads(self.detail)
        if not isinstance(value, dict):
            return [("", self.detail)]
        return [(str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in value.items()]


@dataclass
class EventPage:
    rows: list[EventRow]
    newer: int | None = None  # link to the page after this id (newer events), if any
    older: int | None = None  # link to the page before this id (older events), if any
    notes: list[str] = field(default_factory=list)


class EventSearch:
    """The event search on one backend."""

    def __init__(self, backend: QueueBackend, desk: Desk) -> None:
        self.db = Db(backend)
        self.desk = desk

    def _where(self, filters: EventFilters) -> tuple[list[str], dict[str, Any]]:
        sql, parts, params = self.db.sql, [], {}  # type: ignore[var-annotated]
        if filters.process:
            parts.append(sql["audit_f_process"])
            queues = self.desk.queues_of([filters.process])
            params.update(process=filters.process, queues=json.dumps(queues) if self.db.sqlite else queues)
        if filters.reference:
            parts.append(sql["audit_f_reference"])
            params["reference"] = filters.reference
        if filters.item_id is not None:
            parts.append(sql["audit_f_item"])
            params["item_id"] = filters.item_id
        if filters.actor:
            parts.append(sql["audit_f_actor"])
            params["actor"] = filters.actor
        start, end = filters.period()
        if start:
            parts.append(sql["audit_f_from"])
            params["start"] = self.db.time_param(start)
        if end:
            parts.append(sql["audit_f_to"])
            params["end"] = self.db.time_param(end)
        return parts, params

    def page(self, filters: EventFilters, before: int | None = None, after: int | None = None,
             size: int = PAGE_SIZE) -> EventPage:
        """Newest first; ``before`` an id: the page of older events; ``after``: the page of newer ones."""
        parts, params = self._where(filters)
        forward = after is None  # towards older events
        if before is not None and forward:
            parts.append(self.db.sql["audit_f_before"])
            params["before"] = before
        if not forward:
            parts.append(self.db.sql["audit_f_after"])
            params["after"] = after
        statement = self.db.sql["audit_events_page"].format(where="".join("\n  " + p for p in parts),
                                                            direction="DESC" if forward else "ASC")
        rows = self.db.read(statement, {**params, "limit": size + 1})
        more = len(rows) > size
        rows = rows[:size]
        if not forward:
            rows.reverse()
        page = EventPage([self._row(r) for r in rows])
        if page.rows:
            has_older = more if forward else True
            has_newer = (before is not None) if forward else more
            page.older = page.rows[-1].id if has_older else None
            page.newer = page.rows[0].id if has_newer else None
        return page

    def export(self, filters: EventFilters, exported_by: str, exported_at: datetime) -> bytes:
        """The whole search (at most EXPORT_LIMIT events, oldest first) as the audit export's Excel workbook."""
        parts, params = self._where(filters)
        statement = self.db.sql["audit_events_page"].format(where="".join("\n  " + p for p in parts),
                                                            direction="ASC")
        rows = [self._row(r) for r in self.db.read(statement, {**params, "limit": EXPORT_LIMIT})]
        start, end = filters.period()
        request = audit.ExportRequest(start or datetime(2000, 1, 1, tzinfo=COPENHAGEN),
                                      end or exported_at + timedelta(seconds=1), process=filters.process or None)
        return audit.xlsx_bytes(rows, request, exported_by, exported_at)

    def _row(self, r: dict[str, Any]) -> EventRow:
        at = self.db.time(r["at"])
        assert at is not None
        detail = _rows.load_json(r["detail"])
        return EventRow(
            event_id=int(r["id"]), at=at, actor=mask(r["actor"]), action=r["action"], queue=r["queue"],
            item_id=r["item_id"], reference=mask(r["reference"]) if r["reference"] else None,
            from_status=r["from_status"], to_status=r["to_status"], reason=mask(r["reason"] or ""),
            detail=json.dumps(mask_value(detail), ensure_ascii=False, sort_keys=True) if detail else "",
            seal_seq=r["seal_seq"], chain_hash=r["chain_hash"],
        )


# -- the chain -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStatus:
    """What ``robots audit verify`` says, in a sentence for the page."""

    ok: bool
    text: str
    detail: str
    checked_at: float


_chain_cache: weakref.WeakKeyDictionary[QueueBackend, ChainStatus] = weakref.WeakKeyDictionary()
_chain_lock = threading.Lock()


def chain_status(backend: QueueBackend, fresh: bool = False) -> ChainStatus:
    """The chain's status, recomputed from the raw events at most once a minute (``fresh``: now)."""
    with _chain_lock:
        cached = _chain_cache.get(backend)
        if cached and not fresh and time.monotonic() - cached.checked_at < CHAIN_SECONDS:
            return cached
        status = describe(audit.verify(backend))
        _chain_cache[backend] = status
        return status


def describe(report: audit.VerifyReport) -> ChainStatus:
    """A verify report as the page says it: intact up to event N, or the first broken event."""
    unsealed = (f" {report.unsealed} nyere hændelser er endnu ikke forseglet (det sker hvert minut)."
                if report.unsealed else "")
    if report.problems:
        first = report.first
        assert first is not None
        where = f"hændelse {first.event_id}" if first.event_id is not None else f"forsegling {first.seq}"
        return ChainStatus(False, f"Kæden er brudt ved {where}.", mask(first.message) + unsealed, time.monotonic())
    if report.head is None:
        return ChainStatus(True, "Ingen hændelser er forseglet endnu.", unsealed.strip(), time.monotonic())
    return ChainStatus(True, f"Kæden er intakt til hændelse {report.head.event_id}.",
                       f"{report.sealed} hændelser kontrolleret; seneste forsegling {report.head.text()}."
                       + unsealed, time.monotonic())
