"""What a run's page shows an auditor: the record, its steps, the items it handled, its log, its files.

Items are linked to a run by the audit trail, not by ``work_items.run_id`` (that is the run that
*created* an item): every event a worker writes names it ``<run id>/<host>:<pid>``, and a step of
a ``robots run`` has the id ``<run id>.<step>``. So a run's items are the items its workers' events
are about, each with the run's last state change of it (its outcome in this run), read in the
run's time window by the events' time index.

Files are served only from inside the run's artifacts directory: a requested path is resolved
(symbolic links followed) and refused unless it lies within that directory.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..cpr import mask, mask_value
from ..queue import QueueBackend, QueueError
from ..queue.runs import RunRecord, RunStore
from ..timeutil import now
from . import cases
from .audit_views import action_label, day_start, parse_day
from .db import Db
from .desk import process_of

RUNS_LIMIT = 200
ITEMS_PAGE = 200
LOG_LINES = 500  # per log file on the page; the whole file is an artifact to download
ARTIFACTS_LIMIT = 500
WINDOW_SLACK = timedelta(minutes=2)  # clocks of the robot machines and the database may differ a little
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
STATUSES = {"running": "I gang", "succeeded": "Gennemført", "stopped": "Stoppet", "failed": "Fejlet"}
STATUS_NAMES = {"new": "Venter på robotten", "in_progress": "Robotten arbejder", "done": "Færdig",
                "manual": "Manuel behandling", "cancelled": "Annulleret"}
COUNT_LABELS = {"done": "Færdige", "manual": "Til manuel behandling", "added": "Oprettet",
                "skipped": "Fandtes allerede", "retry_scheduled": "Nyt forsøg planlagt",
                "application_errors": "Systemfejl", "lease_lost": "Mistet lås", "seconds": "Sekunder",
                "stopped_on_errors": "Stoppet efter fejl i træk", "transient_retries": "Genforsøg i trinnet",
                "finished": "Afsluttet i alt", "automation_rate": "Automatiseringsgrad"}


class RunNotFound(LookupError):
    """No run with that id (or an id that cannot be one)."""


@dataclass(frozen=True)
class RunFilters:
    process: str = ""
    status: str = ""
    start: Any = None
    end: Any = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> RunFilters:
        status = (query.get("status") or "").strip()
        return cls(process=(query.get("proces") or "").strip()[:64], status=status if status in STATUSES else "",
                   start=parse_day((query.get("fra") or "").strip()[:10]),
                   end=parse_day((query.get("til") or "").strip()[:10]))

    @property
    def active(self) -> bool:
        return bool(self.process or self.status or self.start or self.end)


@dataclass(frozen=True)
class ItemOutcome:
    """One item as the run left it (CPR numbers masked)."""

    id: int
    queue: str
    reference: str
    outcome: str
    reason: str
    status: str
    events: int
    at: datetime | None

    @property
    def process(self) -> str:
        return process_of(self.queue)


@dataclass(frozen=True)
class LogLine:
    at: datetime | None
    level: str
    step: str
    item_id: Any
    event: str
    fields: str


@dataclass
class StepLog:
    step: str
    path: str  # relative to the run's artifacts directory, for the download link
    lines: list[LogLine]
    total: int


@dataclass(frozen=True)
class Artifact:
    path: str  # relative to the run's artifacts directory
    size: int

    @property
    def size_text(self) -> str:
        """12 B, 3,4 kB, 1,2 MB (Danish decimal comma)."""
        if self.size < 1000:
            return f"{self.size} B"
        for unit, scale in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9)):
            if self.size < scale * 1000 or unit == "GB":
                return f"{self.size / scale:.1f} {unit}".replace(".", ",")
        return f"{self.size} B"

    @property
    def viewable(self) -> bool:
        """An HTML log (robocorp's log.html): offered in a sandboxed view besides the download."""
        return self.path.endswith(".html")


@dataclass
class RunView:
    run: RunRecord
    steps: list[RunRecord]
    items: list[ItemOutcome]
    next_after: int | None
    logs: list[StepLog]
    artifacts: list[Artifact]
    artifacts_missing: bool
    counts: list[tuple[str, Any]] = field(default_factory=list)
    reasons: list[tuple[str, int]] = field(default_factory=list)


def run_status(status: str) -> str:
    return STATUSES.get(status, status)


def _count_text(key: str, value: Any) -> str:
    """A run's count as the page shows it: the automation rate as a percentage, decimals with a comma."""
    if key == "automation_rate" and isinstance(value, int | float):
        return f"{100 * value:.1f} %".replace(".", ",")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def list_runs(backend: QueueBackend, filters: RunFilters, limit: int = RUNS_LIMIT) -> list[RunRecord]:
    """Top-level runs under the filters, newest first (at most ``limit``)."""
    db = Db(backend)
    parts, params = [], {"limit": limit}  # type: ignore[var-annotated]
    if filters.process:
        parts.append(db.sql["audit_rf_process"])
        params["process"] = filters.process
    if filters.status:
        parts.append(db.sql["audit_rf_status"])
        params["status"] = filters.status
    if filters.start:
        parts.append(db.sql["audit_rf_from"])
        params["start"] = db.time_param(day_start(filters.start))
    if filters.end:
        parts.append(db.sql["audit_rf_to"])
        params["end"] = db.time_param(day_start(filters.end + timedelta(days=1)))
    store = RunStore(backend)
    rows = db.read(db.sql["audit_runs"].format(where="".join("\n  " + p for p in parts)), params)
    return [store._record(dict(r)) for r in rows]


def get_run(backend: QueueBackend, run_id: str) -> RunRecord:
    """The run, or RunNotFound."""
    if not RUN_ID.match(run_id or ""):
        raise RunNotFound(run_id)
    try:
        return RunStore(backend).get(run_id)
    except QueueError:
        raise RunNotFound(run_id) from None


def run_view(backend: QueueBackend, run_id: str, after: int = 0) -> RunView:
    """Everything the run page shows; the items from id ``after`` on (a page of ITEMS_PAGE)."""
    run = get_run(backend, run_id)
    steps = RunStore(backend).children(run.id)
    items = run_items(backend, run, after)
    more = len(items) > ITEMS_PAGE
    items = items[:ITEMS_PAGE]
    root = artifacts_root(run)
    logs = [log for log in (_step_log(root, s) for s in (steps or [run])) if log]
    counts = [(COUNT_LABELS.get(k, k), _count_text(k, v)) for k, v in run.counts.items()
              if k not in ("manual_reasons", "last_error") and not isinstance(v, dict | list)]
    reasons = sorted(((cases.reason_label(run.process, k), int(v)) for k, v in
                      (run.counts.get("manual_reasons") or {}).items()), key=lambda r: -r[1])
    return RunView(run, steps, items, items[-1].id if more and items else None, logs,
                   list(artifacts(root)) if root else [], root is None or not root.is_dir(), counts, reasons)


def run_items(backend: QueueBackend, run: RunRecord, after: int = 0, limit: int = ITEMS_PAGE) -> list[ItemOutcome]:
    """Items the run's workers touched, by id, from ``after`` on (``limit`` + 1 to tell if there are more)."""
    db = Db(backend)
    end = (run.finished_at or now()) + WINDOW_SLACK
    rows = db.read("audit_run_items", {
        "start": db.time_param(run.started_at - WINDOW_SLACK), "end": db.time_param(end), "after": after,
        "run_prefix": f"{run.id}/", "step_prefix": f"{run.id}.", "limit": limit + 1,
    })
    return [_outcome(db, r) for r in rows]


def _outcome(db: Db, r: dict[str, Any]) -> ItemOutcome:
    process = process_of(r["queue"])
    action, to = r["last_action"], r["last_to"]
    reason = ""
    if action == "created":
        outcome = "Oprettet"
    elif action == "completed":
        outcome = "Færdig"
    elif to == "manual":  # a failed event's reason is the manual reason's code
        outcome = "Til manuel behandling"
        reason = cases.reason_label(process, r["last_reason"])
    elif to == "new":
        outcome = "Systemfejl: nyt forsøg planlagt"
        reason = mask(r["last_reason"] or "")
    elif to == "in_progress":
        outcome = "Ikke afsluttet i kørslen"
    else:
        outcome = action_label(action or "")
    return ItemOutcome(int(r["item_id"]), r["queue"], mask(r["reference"]), outcome, reason,
                       STATUS_NAMES.get(r["status"], r["status"]), int(r["events"]), db.time(r["last_at"]))


# -- files ---------------------------------------------------------------------------------------


def artifacts_root(run: RunRecord) -> Path | None:
    """The run's artifacts directory (resolved), if it has one."""
    return Path(run.artifacts_dir).resolve() if run.artifacts_dir else None


def artifacts(root: Path, limit: int = ARTIFACTS_LIMIT) -> Iterator[Artifact]:
    """The files under ``root`` (sorted, at most ``limit``; symbolic links are not followed)."""
    if not root.is_dir():
        return
    found = 0
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield Artifact(path.relative_to(root).as_posix(), path.stat().st_size)
            found += 1
            if found >= limit:
                return


def artifact_file(run: RunRecord, relative: str) -> Path | None:
    """The file ``relative`` inside the run's artifacts directory, or None (outside it, or no such file)."""
    root = artifacts_root(run)
    if root is None or not relative or "\x00" in relative or relative.startswith(("/", "\\")):
        return None
    try:
        candidate = (root / relative).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not candidate.is_relative_to(root) or candidate == root or not candidate.is_file():
        return None
    return candidate


def _step_log(root: Path | None, step: RunRecord) -> StepLog | None:
    """A step's run.jsonl (CPR masked again on reading: the logger masks it, the page does not rely on it)."""
    if step.artifacts_dir is None:
        return None
    path = Path(step.artifacts_dir).resolve() / "run.jsonl"
    if not path.is_file() or root is None or not path.is_relative_to(root):
        return None
    lines: list[LogLine] = []
    total = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            total += 1
            if len(lines) < LOG_LINES:
                lines.append(_log_line(raw, step.step or ""))
    return StepLog(step.step or step.process, path.relative_to(root).as_posix(), lines, total)


_LOG_KEYS = ("timestamp", "level", "event", "run_id", "process", "step", "item_id", "logger")


def _log_line(raw: str, step: str) -> LogLine:
    try:
        entry = json.loads(raw)
        if not isinstance(entry, dict):
            raise ValueError(raw)
    except ValueError:
        return LogLine(None, "", step, None, mask(raw.strip())[:2000], "")
    try:
        at = datetime.fromisoformat(str(entry.get("timestamp", "")).replace("Z", "+00:00"))
    except ValueError:
        at = None
    rest = {k: v for k, v in entry.items() if k not in _LOG_KEYS}
    return LogLine(at, str(entry.get("level", "")), str(entry.get("step") or step), entry.get("item_id"),
                   mask(str(entry.get("event", ""))),
                   json.dumps(mask_value(rest), ensure_ascii=False, sort_keys=True)[:4000] if rest else "")
