"""The audit trail: append-only events, sealed into a hash chain, verified and exported.

Every state change of every item, every decision of a person, every change to the watch list,
users and schedules is a row in ``audit_events``, appended in the same transaction as the change
(database triggers refuse UPDATE, DELETE and TRUNCATE). This package makes the trail
tamper-evident without slowing the workers down: they never hash. The sealer chains the events
afterwards (table ``audit_seals``, migration 0008): each event's seal carries the hash of the
previous event of the same item and the hash of the previous seal of all (see :mod:`.chain`).

API, over an open :class:`~robots.queue.QueueBackend`::

    from robots import audit
    audit.seal(backend)                  # seal what is not sealed yet (the scheduler does it every minute)
    report = audit.verify(backend)       # report.ok, report.first.message, report.summary()
    audit.verify_item(backend, item_id)  # one item's own chain
    rows = audit.export_rows(backend, audit.ExportRequest(start, end, process="flex_wage", queues=(...)))
    audit.write_xlsx(rows, path, request, exported_by, exported_at); audit.write_csv(rows, path)

Commands: ``robots audit seal|verify|export`` (robots/cli/audit.py).
"""

from __future__ import annotations

from .chain import GENERAL, GENESIS, canonical, subject_of
from .export import COLUMNS, ExportRequest, ExportRow, export_rows, write_csv, write_xlsx, xlsx_bytes
from .seal import Head, Problem, SealResult, VerifyReport, seal, verify, verify_item

__all__ = [
    "COLUMNS", "GENERAL", "GENESIS", "ExportRequest", "ExportRow", "Head", "Problem", "SealResult", "VerifyReport",
    "canonical", "export_rows", "seal", "subject_of", "verify", "verify_item", "write_csv", "write_xlsx",
    "xlsx_bytes",
]
