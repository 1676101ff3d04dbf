"""Run records: which process step ran where, started by whom, how it ended, and its counts.

Stored in the queue's database (table ``runs``) so operators, the dashboard and auditors see
every machine's runs in one place. A run's ``counts`` are kept up to date while it works
(``heartbeat_at`` shows it is alive); a run whose heartbeat stopped was killed.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from . import _rows
from .backend import QueueBackend
from .errors import QueueError


@dataclass(frozen=True)
class RunRecord:
    id: str
    parent_id: str | None
    process: str
    step: str | None
    host: str
    pid: int | None
    trigger: str
    started_by: str
    status: str
    stop_reason: str | None
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    artifacts_dir: str | None
    stop_requested: bool

    def seems_lost(self, now: datetime, after: timedelta = timedelta(minutes=5)) -> bool:
        """Running, but silent for longer than ``after``: the worker was killed."""
        return self.status == "running" and now - self.heartbeat_at > after

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def new_run_id(process: str) -> str:
    """Sortable and unique: 20261122T061502-flex_wage-3f2a."""
    from ..timeutil import local, now

    return f"{local(now()):%Y%m%dT%H%M%S}-{process}-{uuid.uuid4().hex[:6]}"


class RunStore:
    """Run records in the queue database of ``backend``."""

    def __init__(self, backend: QueueBackend) -> None:
        self.backend = backend
        self.sqlite = backend.dialect == "sqlite"  # type: ignore[attr-defined]

    def _query(self, name: str, params: dict[str, Any]) -> list[RunRecord]:
        if self.sqlite:
            from ..timeutil import now

            params = {**params, "now": _rows.utc_text(now())}
            if "counts" in params:
                params["counts"] = json.dumps(params["counts"])
        elif "counts" in params:
            params = {**params, "counts": Jsonb(params["counts"])}
        rows = self.backend._read(name, params)  # type: ignore[attr-defined]
        return [self._record(dict(r)) for r in rows]

    def _record(self, row: dict[str, Any]) -> RunRecord:
        t = _rows.parse_utc_text if self.sqlite else _rows.aware
        return RunRecord(
            id=row["id"], parent_id=row["parent_id"], process=row["process"], step=row["step"],
            host=row["host"], pid=row["pid"], trigger=row["trigger"], started_by=row["started_by"],
            status=row["status"], stop_reason=row["stop_reason"], started_at=t(row["started_at"]),
            heartbeat_at=t(row["heartbeat_at"]), finished_at=t(row["finished_at"]),
            counts=_rows.load_json(row["counts"]) or {}, artifacts_dir=row["artifacts_dir"],
            stop_requested=bool(row["stop_requested"]),
        )

    def start(self, process: str, step: str | None, *, trigger: str, started_by: str,
              run_id: str | None = None, parent_id: str | None = None,
              artifacts_dir: str | None = None) -> RunRecord:
        (record,) = self._query("run_insert", {
            "id": run_id or new_run_id(process), "parent_id": parent_id, "process": process, "step": step,
            "host": socket.gethostname(), "pid": os.getpid(), "trigger": trigger, "started_by": started_by,
            "artifacts_dir": artifacts_dir,
        })
        return record

    def update(self, run_id: str, counts: dict[str, Any], *, status: str | None = None,
               stop_reason: str | None = None) -> RunRecord:
        records = self._query("run_update", {"id": run_id, "counts": counts, "status": status,
                                             "stop_reason": stop_reason})
        if not records:
            raise QueueError(f"no run with id {run_id}")
        return records[0]

    def request_stop(self, run_id: str, actor: str | None = None) -> int:
        """Ask a running run (and its step runs) to stop after the current item.

        With ``actor``, the request is an audit event written in the same transaction: a stop that
        happened is never missing from the trail, and a recorded one always happened.
        """
        from .sql import queries

        run = self.get(run_id)
        with self.backend._write() as tx:  # type: ignore[attr-defined]
            stopped = tx.conn.execute(queries(self.backend.dialect)["run_request_stop"],  # type: ignore[attr-defined]
                                      {"id": run_id}).fetchall()
            if actor and stopped:
                tx.insert_event(None, actor, "run_stop_requested", None, None,
                                f"stop requested for run {run_id} ({run.process})",
                                {"run_id": run_id, "process": run.process})
        return len(stopped)

    def get(self, run_id: str) -> RunRecord:
        records = self._query("run_get", {"id": run_id})
        if not records:
            raise QueueError(f"no run with id {run_id}")
        return records[0]

    def children(self, run_id: str) -> list[RunRecord]:
        return self._query("run_children", {"id": run_id})

    def list(self, *, process: str | None = None, status: str | None = None, limit: int = 50,
             top_level: bool = True) -> list[RunRecord]:
        return self._query("run_list", {"process": process, "status": status, "limit": limit,
                                        "top_level": 1 if top_level else 0})
