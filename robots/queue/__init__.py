"""The persistent work-item queue.

Public API::

    from robots.queue import connect, NewItem, QueueSpec
    q = connect()                       # ROBOTS_DATABASE_URL, or queue/robots.sqlite3
    q.define_queue(QueueSpec("flex_wage.calculate"))
    q.add("flex_wage.calculate", [NewItem("2026-10:1234", {"citizen": 1234})])
    item = q.claim_one("flex_wage.calculate", worker)
    q.complete(item.id, worker, {"subsidy_ore": 1635200})

Everything else in this package is private.
"""

from __future__ import annotations

import os

from ..paths import default_database_url
from .backend import Attachment, QueueBackend, worker_id
from .errors import InvalidItem, InvalidTransition, ItemNotFound, LeaseLost, QueueError, UnknownQueue
from .model import (
    AddResult,
    ErrorKind,
    Event,
    FileRef,
    LeaseExpiry,
    NewItem,
    QueueSpec,
    Resolution,
    Status,
    WorkItem,
)

__all__ = [
    "AddResult", "Attachment", "ErrorKind", "Event", "FileRef", "InvalidItem", "InvalidTransition",
    "ItemNotFound", "LeaseExpiry", "LeaseLost", "NewItem", "QueueBackend", "QueueError", "QueueSpec",
    "Resolution", "Status", "UnknownQueue", "WorkItem", "connect", "database_url", "worker_id",
]


def database_url() -> str:
    """The configured database: ROBOTS_DATABASE_URL, else the embedded SQLite file in queue/."""
    return os.environ.get("ROBOTS_DATABASE_URL") or default_database_url()


def connect(url: str | None = None) -> QueueBackend:
    """Open the queue database named by ``url`` (sqlite:///... or postgresql://...)."""
    url = url or database_url()
    if url.startswith("sqlite:///"):
        from .sqlite import SqliteBackend

        return SqliteBackend(url)
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresBackend

        return PostgresBackend(url)
    raise QueueError(f"unsupported database URL {url!r}: use sqlite:///path or postgresql://host/db")
