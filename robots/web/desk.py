"""The manual-handling queue as the desk lists it: filters, sorting, counts per reason, keyset paging.

Every page is two statements whatever the queue's size: the counts per reason under the filters
(from the counts the triggers of migration 0007 keep when only the process filters them; else a
count over partial indexes) and one page of rows found by keyset, i.e.
``(sort key, id) > (the last row's)`` on a partial index per sort order (migration 0007), so the
last page of 100,000 items costs what the first does. The SQL is in ``sql/<dialect>.sql``.

Filters read two payload keys by convention: ``organisation`` and ``period`` (``åååå-mm``; a
payload with ``income_month`` (flex wage) or ``run_period`` (negative pay) instead counts as its
period); the list shows the payload's ``cpr`` (masked) and ``name``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ..queue import QueueBackend
from ..timeutil import now
from .db import Db
from .users import User

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
SORTS = {"oprettet": "key_created", "aarsag": "key_reason", "reference": "key_reference", "tildelt": "key_assignee"}
AGES = (1, 3, 7, 14, 30)  # "older than N days"
FACET_SECONDS = 300.0  # organisations and periods offered in the filters are refreshed this often
QUEUE_SECONDS = 30.0


def process_of(queue: str) -> str:
    """Queues are named ``<process>.<step queue>``: the process an item belongs to."""
    return queue.split(".", 1)[0]


@dataclass(frozen=True)
class Filters:
    """What the caseworker asked to see; every field comes from the page's query string."""

    process: str = ""
    reason: str = ""
    organisation: str = ""
    period: str = ""
    age: int | None = None  # older than this many days
    assignee: str = ""  # "" anyone, "mig" me, "ingen" unassigned, else a user name
    sort: str = "oprettet"
    descending: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Read the filters from query parameters; a value that makes no sense is left out."""
        def text(key: str, limit: int = 200) -> str:
            return (query.get(key) or "").strip()[:limit]

        age_text = text("alder")
        age = int(age_text) if age_text.isdigit() and int(age_text) in AGES else None
        sort = text("sorter") if text("sorter") in SORTS else "oprettet"
        return cls(process=text("proces", 64), reason=text("aarsag", 100), organisation=text("organisation"),
                   period=text("periode", 7), age=age, assignee=text("tildelt", 64), sort=sort,
                   descending=text("retning") == "faldende")

    def params(self, **changes: Any) -> dict[str, str]:
        """The query parameters that give these filters (with ``changes``), empty ones left out."""
        f = replace(self, **changes)
        values = {"proces": f.process, "aarsag": f.reason, "organisation": f.organisation, "periode": f.period,
                  "alder": str(f.age) if f.age else "", "tildelt": f.assignee,
                  "sorter": "" if f.sort == "oprettet" else f.sort, "retning": "faldende" if f.descending else ""}
        return {k: v for k, v in values.items() if v}

    def query(self, **changes: Any) -> str:
        """``?proces=...`` for a link to these filters (with ``changes``)."""
        params = self.params(**changes)
        return "?" + urlencode(params) if params else "?"

    @property
    def active(self) -> bool:
        return any((self.process, self.reason, self.organisation, self.period, self.age, self.assignee))


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after or before a row (by sort key and id), or the first or last page."""

    direction: str  # "after" | "before" | "first" | "last"
    key: Any = None
    id: int = 0
    position: int = 1  # 1-based index of the page's first row, for "51-100 af 1.234"

    def token(self) -> str:
        raw = json.dumps([self.direction[0], self.key, self.id, self.position], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str | None) -> Cursor:
        """A cursor from a link; anything unreadable is the first page."""
        if not token:
            return cls("first")
        if token == "sidste":
            return cls("last")
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            kind, key, item_id, position = raw
            direction = {"a": "after", "b": "before"}[kind]
            if not isinstance(item_id, int) or not isinstance(position, int) or not isinstance(key, str | None):
                raise ValueError(token)
        except (ValueError, KeyError, TypeError):
            return cls("first")
        return cls(direction, key, item_id, max(1, position))


@dataclass(frozen=True)
class Row:
    """One manual item as the list shows it."""

    id: int
    queue: str
    reference: str
    reason: str | None
    message: str | None
    assigned_to: str | None
    created_at: datetime
    cpr: str | None
    name: str | None
    organisation: str | None
    period: str | None
    sort_key: Any = None

    @property
    def process(self) -> str:
        return process_of(self.queue)


@dataclass
class Page:
    rows: list[Row]
    total: int
    counts: list[tuple[str, int]]  # (reason, items) under the filters except the reason, most first
    position: int = 1
    next: Cursor | None = None
    previous: Cursor | None = None
    has_last: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def last_position(self) -> int:
        return self.position + len(self.rows) - 1


class Desk:
    """The desk's reads of the manual queue, for one user at a time, on one backend."""

    def __init__(self, backend: QueueBackend) -> None:
        self.db = Db(backend)
        self.backend = backend
        self._cache: dict[str, tuple[float, Any]] = {}
        self._cache_lock = threading.Lock()

    # -- what exists ---------------------------------------------------------------------------

    def _cached(self, key: str, seconds: float, compute: Any) -> Any:
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit and hit[0] > time.monotonic():
                return hit[1]
        value = compute()
        with self._cache_lock:
            self._cache[key] = (time.monotonic() + seconds, value)
        return value

    def forget(self) -> None:
        """Drop cached queue names and filter options (after a change a user must see at once)."""
        with self._cache_lock:
            self._cache.clear()

    def queue_names(self) -> list[str]:
        return self._cached("queues", QUEUE_SECONDS, lambda: sorted(q.name for q in self.backend.queues()))

    def processes(self, user: User | None = None) -> list[str]:
        """The processes with queues, those ``user`` may see when given."""
        names = sorted({process_of(q) for q in self.queue_names()} | (user.processes if user else set()))
        return [p for p in names if user is None or user.can_view(p)]

    def queues_of(self, processes: list[str]) -> list[str]:
        wanted = set(processes)
        return [q for q in self.queue_names() if process_of(q) in wanted]

    def organisations(self) -> list[str]:
        return self._cached("organisations", FACET_SECONDS,
                            lambda: [r["value"] for r in self.db.read("manual_organisations")])

    def periods(self) -> list[str]:
        return self._cached("periods", FACET_SECONDS, lambda: [r["value"] for r in self.db.read("manual_periods")])

    # -- the list ------------------------------------------------------------------------------

    def _where(self, user: User, filters: Filters, with_reason: bool = True) -> tuple[str, dict[str, Any]] | None:
        """The WHERE fragments and parameters; None when the user may see nothing under these filters."""
        sql = self.db.sql
        parts: list[str] = []
        params: dict[str, Any] = {}
        if filters.process:
            visible = [filters.process] if user.can_view(filters.process) else []
        else:
            visible = None if user.sees_all else sorted(user.processes)
        if visible is not None:
            queues = self.queues_of(visible)
            if not queues:
                return None
            parts.append(sql["filter_queues"])
            params["queues"] = json.dumps(queues) if self.db.sqlite else queues
        if with_reason and filters.reason:
            parts.append(sql["filter_reason"])
            params["reason"] = filters.reason
        if filters.organisation:
            parts.append(sql["filter_organisation"])
            params["organisation"] = filters.organisation
        if filters.period:
            parts.append(sql["filter_period"])
            params["period"] = filters.period
        if filters.age:
            parts.append(sql["filter_older_than"])
            params["created_before"] = self.db.time_param(now() - timedelta(days=filters.age))
        if filters.assignee == "ingen":
            parts.append(sql["filter_unassigned"])
        elif filters.assignee:
            parts.append(sql["filter_assignee"])
            params["assignee"] = user.name if filters.assignee == "mig" else filters.assignee
        return "".join("\n  " + p for p in parts), params

    def counts(self, user: User, filters: Filters) -> list[tuple[str, int]]:
        """Items per manual reason under the filters (the reason filter itself left out), most first."""
        where = self._where(user, filters, with_reason=False)
        if where is None:
            return []
        # Only the queues filter the counts: read them from the table the triggers keep (a few rows).
        only_queues = not (filters.organisation or filters.period or filters.age or filters.assignee)
        statement = "reason_counts" if only_queues else "manual_counts"
        rows = self.db.read(self.db.sql[statement].format(where=where[0]), where[1])
        return sorted(((r["reason"] or "", int(r["n"])) for r in rows), key=lambda c: (-c[1], c[0]))

    def page(self, user: User, filters: Filters, cursor: Cursor | None = None, size: int = PAGE_SIZE) -> Page:
        """One page of the list under the filters, starting at ``cursor`` (the first page by default)."""
        cursor = cursor or Cursor("first")
        counts = self.counts(user, filters)
        total = dict(counts).get(filters.reason, 0) if filters.reason else sum(n for _, n in counts)
        where = self._where(user, filters)
        if where is None or total == 0:
            return Page([], 0, counts)
        clause, params = where
        key = self.db.sql[SORTS[filters.sort]]
        forward = cursor.direction in ("first", "after")
        ascending = forward != filters.descending
        if cursor.direction in ("after", "before"):
            greater = (cursor.direction == "after") != filters.descending
            clause += "\n  " + self.db.sql["keyset_after" if greater else "keyset_before"].format(key=key)
            params["cursor_key"] = self._key_param(filters.sort, cursor.key)
            params["cursor_id"] = cursor.id
        sql = self.db.sql["manual_page"].format(where=clause, key=key, direction="ASC" if ascending else "DESC")
        rows = [self._row(r) for r in self.db.read(sql, {**params, "limit": size + 1})]
        more = len(rows) > size
        rows = rows[:size]
        if not forward:
            rows.reverse()
        if cursor.direction == "first":
            position = 1
        elif cursor.direction == "last":
            position = max(1, total - len(rows) + 1)
        elif cursor.direction == "before":
            position = max(1, cursor.position - size)
        else:
            position = cursor.position
        has_next = more if forward else cursor.direction == "before"
        has_previous = more if not forward else cursor.direction == "after"
        if cursor.direction == "before" and not more:
            position = 1  # items left the queue since: this is the first page now
        page = Page(rows, total, counts, position)
        if rows and has_next:
            page.next = Cursor("after", self._key_token(rows[-1].sort_key), rows[-1].id, position + len(rows))
            page.has_last = True
        if rows and has_previous:
            page.previous = Cursor("before", self._key_token(rows[0].sort_key), rows[0].id, position)
        return page

    def export_rows(self, user: User, filters: Filters, limit: int = EXPORT_LIMIT) -> list[Row]:
        """Every row under the filters in the list's order (at most ``limit``), for the Excel export."""
        where = self._where(user, filters)
        if where is None:
            return []
        key = self.db.sql[SORTS[filters.sort]]
        sql = self.db.sql["manual_page"].format(where=where[0], key=key,
                                                direction="DESC" if filters.descending else "ASC")
        return [self._row(r) for r in self.db.read(sql, {**where[1], "limit": limit})]

    # -- values --------------------------------------------------------------------------------

    def _row(self, r: dict[str, Any]) -> Row:
        created = self.db.time(r["created_at"])
        assert created is not None
        return Row(id=int(r["id"]), queue=r["queue"], reference=r["reference"], reason=r["manual_reason"],
                   message=r["error_message"], assigned_to=r["assigned_to"], created_at=created,
                   cpr=_text(r["cpr"]), name=_text(r["name"]), organisation=_text(r["organisation"]),
                   period=_text(r["period"]), sort_key=r.get("sort_key"))

    def _key_token(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    def _key_param(self, sort: str, value: Any) -> Any:
        if sort == "oprettet" and not self.db.sqlite and isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return None
        return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
