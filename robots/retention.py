"""Retention: run logs and evidence files are deleted a configured time after the case ended.

``[retention] keep_days`` in conf/schedules.toml (default 395: a year and a month, so the yearly
audit of last year still finds everything). What is deleted, and how it is recorded:

- the content of files stored with items (screenshots, HTML snapshots, produced letters) whose
  item finished (done or cancelled) more than ``keep_days`` ago. The file's row stays (name, size,
  SHA-256, when it was stored) with ``deleted_at`` set, so the history still proves what existed;
  a database trigger allows no other change to a stored file. One ``files_deleted`` event per
  item, in the same transaction. Items still open (new, in progress, manual) keep their files.
- the directories of runs (``runs/<run id>/``: JSON-lines logs, robocorp's log.html, console
  output) that finished more than ``keep_days`` ago; only directories inside the runs directory
  are touched. One ``run_logs_deleted`` event per run, committed only when the deletion succeeded.

Audit events are never deleted, nor are the work items and run records themselves. The active
scheduler runs this every day at ``[retention] time``; ``robots retention run [--dry-run]`` runs it
by hand.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .audit import _db
from .queue import QueueBackend, _rows
from .timeutil import now as utc_now
from .timeutil import show

FILES_DELETED = "files_deleted"
RUN_LOGS_DELETED = "run_logs_deleted"
ITEMS_PER_TRANSACTION = 100


@dataclass
class RetentionResult:
    """What a retention run deleted (or, dry, would delete)."""

    keep_days: int
    cutoff: datetime
    dry_run: bool
    items: int = 0
    files: int = 0
    file_bytes: int = 0
    runs: list[str] = field(default_factory=list)
    run_bytes: int = 0
    skipped_dirs: list[str] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return (f"retention ({self.keep_days} days, finished before {show(self.cutoff)}): {verb} "
                f"{self.files} evidence file(s) of {self.items} item(s) ({_size(self.file_bytes)}) and the logs "
                f"of {len(self.runs)} run(s) ({_size(self.run_bytes)})")

    def to_dict(self) -> dict[str, Any]:
        return {"keep_days": self.keep_days, "cutoff": self.cutoff.isoformat(), "dry_run": self.dry_run,
                "items": self.items, "files": self.files, "file_bytes": self.file_bytes, "runs": self.runs,
                "run_bytes": self.run_bytes, "skipped_dirs": self.skipped_dirs, "summary": self.summary()}


def run_retention(backend: QueueBackend, keep_days: int, *, runs_root: Path, actor: str = "retention",
                  dry_run: bool = False, now: datetime | None = None) -> RetentionResult:
    """Delete (or list, when ``dry_run``) what is past retention; every deletion is an audit event."""
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    cutoff = (now or utc_now()) - timedelta(days=keep_days)
    result = RetentionResult(keep_days, cutoff, dry_run)
    _purge_files(backend, result, actor)
    _delete_run_logs(backend, result, runs_root, actor)
    return result


def _purge_files(backend: QueueBackend, result: RetentionResult, actor: str) -> None:
    sql = _db.sql(backend, "audit")
    cutoff = _db.db_time(backend, result.cutoff)
    reason = f"retention: evidence kept {result.keep_days} days after the case finished"
    while True:
        files = _db.read(backend, "audit", "expired_files", {
            "cutoff": cutoff, "limit": 2**31 if result.dry_run else ITEMS_PER_TRANSACTION * 5})
        if not files:
            return
        by_item: dict[int, list[dict[str, Any]]] = {}
        for row in files:
            by_item.setdefault(row["item_id"], []).append(row)
        if result.dry_run:
            _count(result, by_item.values())
            return
        with backend._write() as tx:  # type: ignore[attr-defined]
            stamp = _db.db_time(backend, tx.now)
            for item_id, rows in list(by_item.items())[:ITEMS_PER_TRANSACTION]:
                item = tx.lock_item(item_id)
                for row in rows:
                    tx.conn.execute(sql["purge_file"], {"id": row["id"], "now": stamp})
                detail = {"files": [{"id": r["id"], "name": r["name"], "size": r["size"], "sha256": r["sha256"]}
                                    for r in rows], "keep_days": result.keep_days}
                tx.insert_event(item, actor, FILES_DELETED, item.status.value, item.status.value, reason, detail)
                _count(result, [rows])


def _count(result: RetentionResult, groups: Iterable[list[dict[str, Any]]]) -> None:
    for rows in groups:
        result.items += 1
        result.files += len(rows)
        result.file_bytes += sum(r["size"] for r in rows)


def _delete_run_logs(backend: QueueBackend, result: RetentionResult, runs_root: Path, actor: str) -> None:
    root = runs_root.resolve()
    parse = _db.time_parser(backend)
    for run in _db.read(backend, "audit", "expired_runs", {"cutoff": _db.db_time(backend, result.cutoff)}):
        path = Path(run["artifacts_dir"]).resolve()
        if not path.is_dir():
            continue  # deleted before (and recorded then), or never written
        if path == root or not path.is_relative_to(root):
            result.skipped_dirs.append(str(path))
            continue
        files = [p for p in path.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        if not result.dry_run:
            detail = {"run_id": run["id"], "process": run["process"], "path": str(path), "files": len(files),
                      "bytes": size, "finished_at": _rows.utc_text(parse(run["finished_at"])),
                      "keep_days": result.keep_days}
            with backend._write() as tx:  # type: ignore[attr-defined]
                tx.insert_event(None, actor, RUN_LOGS_DELETED, None, None,
                                f"retention: logs of run {run['id']} kept {result.keep_days} days", detail)
                shutil.rmtree(path)  # an error here rolls the event back: it records only what happened
        result.runs.append(run["id"])
        result.run_bytes += size


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"


__all__ = ["FILES_DELETED", "RUN_LOGS_DELETED", "RetentionResult", "run_retention"]
