"""The simulators' state: the generated population, what robots changed, sessions and tokens.

One ``SimState`` is shared by every system of one server. The server handles requests in several
threads, so every read-modify-write goes through ``state.lock``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .generate import Population, generate
from .model import (
    Case,
    Citizen,
    Debtor,
    Document,
    Employee,
    IncomeLine,
    Invoice,
    Message,
    NegativeLine,
    PayLine,
    PayrollRun,
    Termination,
    to_jsonable,
)
from .settings import FaultSettings, SimSettings


@dataclass
class Session:
    """A UI login session (cookie) or an API bearer token."""

    key: str
    system: str
    user: str
    created: float
    last_seen: float
    expires_at: float | None = None  # tokens only
    form_token: str = field(default_factory=lambda: secrets.token_hex(8))
    window_start: float = 0.0
    window_count: int = 0


class SimState:
    """Population + runtime records + sessions, guarded by ``lock``. Tests read it directly."""

    def __init__(self, settings: SimSettings | None = None) -> None:
        self.settings = settings or SimSettings()
        self.lock = threading.RLock()
        self.faults: FaultSettings = self.settings.faults
        self.reset()

    # -- life cycle -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Regenerate the population from the settings and forget every change, session and token."""
        pop = generate(self.settings)
        with self.lock:
            self.population: Population = pop
            self.employees: dict[str, Employee] = {e.employee_no: e for e in pop.employees}
            self.employees_by_cpr: dict[str, Employee] = {e.cpr: e for e in pop.employees}
            self.citizens: dict[str, Citizen] = {c.case_no: c for c in pop.citizens}
            self.citizens_by_cpr: dict[str, Citizen] = {c.cpr: c for c in pop.citizens}
            self.income_by_cpr: dict[str, list[IncomeLine]] = {}
            for line in pop.income:
                self.income_by_cpr.setdefault(line.cpr, []).append(line)
            self.documents: dict[str, Document] = {d.doc_id: d for d in pop.documents}
            self.files: dict[str, list[str]] = {e.cpr: [] for e in pop.employees}
            for doc in pop.documents:
                self.files[doc.file_cpr].append(doc.doc_id)
            self.runs: dict[str, PayrollRun] = {r.run_id: r for r in pop.runs}
            self.negatives: dict[str, NegativeLine] = {n.line_id: n for n in pop.negatives}
            self.debtors: dict[str, Debtor] = {d.debtor_no: d for d in pop.debtors}
            self.invoices: dict[str, Invoice] = {i.invoice_no: i for i in pop.invoices}
            self.terminations: list[Termination] = list(pop.terminations)
            self.pay_lines: list[PayLine] = []
            self.cases: dict[str, Case] = {c.case_id: c for c in pop.cases}
            self.messages: dict[str, Message] = {}
            self.sessions: dict[str, Session] = {}
            self.events: list[dict[str, Any]] = []
            self._counters: dict[str, int] = {
                "debtor": max((int(d) for d in self.debtors), default=400_000),
                "invoice": max((int(i) for i in self.invoices), default=9_000_000),
                "doc": len(self.documents),
            }

    # -- helpers ----------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The simulated clock: the settings' date with the wall-clock time of day."""
        return datetime.combine(self.settings.today, datetime.now().time().replace(microsecond=0))

    def next_number(self, kind: str, start: int = 0) -> int:
        """The next number of a sequence (receipts, invoices, debtors, ...). Call under the lock."""
        value = self._counters.get(kind, start) + 1
        self._counters[kind] = value
        return value

    def record(self, system: str, action: str, **details: Any) -> None:
        """Append to the event log every change made through a system (inspectable by tests)."""
        with self.lock:
            self.events.append({"at": self.now().isoformat(), "system": system, "action": action, **details})

    def new_session(self, system: str, user: str, ttl: float | None = None) -> Session:
        """A new UI session or API token for ``user`` on ``system``."""
        now = time.monotonic()
        key = secrets.token_urlsafe(24)
        session = Session(key, system, user, now, now, expires_at=None if ttl is None else now + ttl)
        with self.lock:
            if len(self.sessions) >= 1000:  # forget sessions and tokens nobody can use any more
                idle = self.settings.session_ttl_seconds
                self.sessions = {k: s for k, s in self.sessions.items()
                                 if (s.expires_at is None and now - s.last_seen <= idle)
                                 or (s.expires_at is not None and s.expires_at >= now)}
            self.sessions[key] = session
        return session

    def employee_by_any(self, key: str) -> Employee | None:
        """An employee by employee number or CPR (with or without the dash)."""
        key = key.strip()
        if key in self.employees:
            return self.employees[key]
        if len(key) == 10 and key.isdigit():
            key = f"{key[:6]}-{key[6:]}"
        return self.employees_by_cpr.get(key)

    # -- inspection -------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole generated population as plain JSON values (what determinism is checked on)."""
        pop = self.population
        return {
            "municipality_cvr": pop.municipality_cvr,
            "employees": to_jsonable(pop.employees),
            "employers": to_jsonable(pop.employers),
            "citizens": to_jsonable(pop.citizens),
            "income": to_jsonable(pop.income),
            "documents": to_jsonable(pop.documents),
            "runs": to_jsonable(pop.runs),
            "negatives": to_jsonable(pop.negatives),
            "debtors": to_jsonable(pop.debtors),
            "invoices": to_jsonable(pop.invoices),
            "terminations": to_jsonable(pop.terminations),
            "cases": to_jsonable(pop.cases),
            "truth": pop.truth,
        }

    def snapshot_json(self) -> bytes:
        """``snapshot()`` as canonical JSON bytes (sorted keys, no whitespace)."""
        data = json.dumps(self.snapshot(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return data.encode()

    def fingerprint(self) -> str:
        """SHA-256 over the repr of every generated record and the truth (fast; same data, same digest)."""
        pop = self.population
        digest = hashlib.sha256()
        for part in (pop.municipality_cvr, pop.employees, pop.employers, pop.citizens, pop.income, pop.documents,
                     pop.runs, pop.negatives, pop.debtors, pop.invoices, pop.terminations, pop.cases, pop.truth):
            digest.update(repr(part).encode())
        return digest.hexdigest()

    def summary(self) -> dict[str, Any]:
        """Counts per system, for the control API and for a quick look in tests."""
        with self.lock:
            today = self.settings.today
            marks: dict[str, int] = {}
            for n in self.negatives.values():
                marks[n.marking or "pending"] = marks.get(n.marking or "pending", 0) + 1
            cases: dict[str, int] = {}
            for c in self.cases.values():
                key = f"{c.kind}:{c.status}"
                cases[key] = cases.get(key, 0) + 1
            return {
                "seed": self.settings.seed,
                "today": today.isoformat(),
                "release": self.settings.release,
                "payroll": {
                    "employees": len(self.employees),
                    "active": sum(1 for e in self.employees.values() if e.status(today) == "active"),
                    "runs": len(self.runs),
                    "negatives": marks,
                    "pay_lines": len(self.pay_lines),
                    "terminations": len(self.terminations),
                },
                "debtor": {"debtors": len(self.debtors), "invoices": len(self.invoices)},
                "benefits": {
                    "citizens": len(self.citizens),
                    "payments": sum(len(c.payments) for c in self.citizens.values()),
                },
                "eincome": {"lines": sum(len(v) for v in self.income_by_cpr.values())},
                "esdh": {"files": len(self.files), "documents": len(self.documents)},
                "inbox": cases,
                "post": {"messages": len(self.messages)},
                "events": len(self.events),
            }
