"""What the robot changes on its own: re-filing a document, asking a manager for a missing one.

Each is look-then-act inside one ``ctx.retry``: an HTTP 500 after the change was made (the
answer lost) is retried by looking again, which finds the change and records it instead of
making it twice. The item's audit trail keeps every re-filing (``document_refiled``), so an
item retried after an application error still reports the documents it corrected before.
"""

from __future__ import annotations

from typing import Any

from robots.runtime import StepContext
from robots.timeutil import local, now

from . import letters, rules
from .systems import DigitalPost, Esdh

REFILED_EVENT = "document_refiled"


def refiled_earlier(ctx: StepContext, item_id: int) -> dict[str, dict[str, Any]]:
    """doc id -> {"from", "to", "title"} for the documents this item's earlier attempts re-filed."""
    return {e.detail["doc_id"]: e.detail for e in ctx.backend.events(item_id)
            if e.action == REFILED_EVENT and e.detail and "doc_id" in e.detail}


def refile(ctx: StepContext, esdh: Esdh, correction: rules.Correction, title: str) -> str:
    """File the document under its true type and title: "corrected" or "already corrected"."""
    def look_then_act() -> str:
        current = esdh.metadata_once(correction.doc_id)
        if current.get("doc_type") == correction.doc_type and current.get("title") == title:
            return "already corrected"
        esdh.refile_once(correction.doc_id, correction.doc_type, title)
        return "corrected"

    outcome = ctx.retry(look_then_act, what=f"re-file {correction.doc_id}")
    if outcome == "corrected" and ctx.item is not None:
        ctx.backend.record(ctx.worker, REFILED_EVENT,
                           f"{correction.doc_id} omjournaliseret fra {correction.filed_type} til {correction.doc_type}",
                           {"doc_id": correction.doc_id, "from": correction.filed_type, "to": correction.doc_type,
                            "title": title, "score": correction.score}, item_id=ctx.item.id)
    return outcome


def request_reference(prefix: str, employee_no: str, doc_type: str) -> str:
    """The outbox reference of one request: the same employee and type always give the same one."""
    return f"{prefix}-{employee_no}-{doc_type}"


def request_missing(ctx: StepContext, post: DigitalPost, *, manager_cpr: str, manager_name: str,
                    employee: rules.Employee, doc_type: str, prefix: str, municipality: str) -> tuple[str, str]:
    """Ask the manager for the document through the outbox: ("requested" | "already requested", message id)."""
    reference = request_reference(prefix, employee.employee_no, doc_type)
    pdf = letters.request_letter(municipality=municipality, manager_name=manager_name, employee_name=employee.name,
                                 employee_no=employee.employee_no, doc_type=doc_type, today=local(now()).date(),
                                 reference=reference)

    def look_then_act() -> tuple[str, str]:
        sent = post.find_once(reference)
        if sent is not None:
            return "already requested", str(sent["message_id"])
        message = post.send_once(manager_cpr, letters.subject(doc_type, employee.employee_no), reference,
                                 f"{reference}.pdf", pdf)
        return "requested", str(message["message_id"])

    outcome, message_id = ctx.retry(look_then_act, what=f"request {reference}")
    if outcome == "requested" and ctx.item is not None:
        ctx.attach(f"{reference}.pdf", pdf, "application/pdf")
    ctx.log.info("missing document requested", reference=reference, outcome=outcome, message_id=message_id)
    return outcome, message_id
