"""The steps of the termination-letters process, as robocorp tasks (robot.yaml lists them).

``produce`` queues the open resignation cases of the self-service inbox; ``confirm`` decides one
case, registers the termination in payroll, writes the letter, files it in the ESDH personnel
file, sends it by digital post and marks the inbox case handled. Each system is looked at before
it is changed, so an item retried after a crash or a lost answer does nothing twice; the letter
made on the first attempt is kept with the item and reused, so the archive and the recipient get
the same document.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from robots import timeutil
from robots.cpr import normalise
from robots.queue import NewItem, WorkItem
from robots.runtime import ApplicationError, BusinessError, StepContext
from robots.systems import FormRejected, NotFound

from . import PROCESS, QUEUE, Config
from .letter import DOCX_TYPE, LetterFacts, Sender, render_docx, variant, workplace
from .pdf import docx_to_pdf
from .rules import Manual, Plan, ResignationFacts, danish_date, decide, employer_notice_months, received_on
from .systems import DigitalPost, EmployeeCard, Esdh, Inbox, Payroll, TerminationResult


@PROCESS.producer(output=QUEUE)
def produce(ctx: StepContext) -> Iterable[NewItem]:
    """One item per open resignation case in the inbox (reference: the case id; a second run adds nothing)."""
    for case in Inbox(ctx).open_resignations():
        data = case.get("data") or {}
        yield NewItem(case["case_id"], {
            "case_id": case["case_id"], "cpr": case["cpr"], "employee_no": case["employee_no"],
            "name": case["name"], "received_at": case["received_at"],
            "requested_leaving_date": data.get("requested_leaving_date"), "position": data.get("position", ""),
            "message": data.get("message", ""),
        })


@PROCESS.consumer(queue=QUEUE, browser=True)
def confirm(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Decide the resignation; register it, write, file and send the letter, mark the case handled."""
    config: Config = ctx.config  # type: ignore[assignment]
    payload = item.payload
    case_id, employee_no = payload["case_id"], payload["employee_no"]
    inbox = Inbox(ctx)
    case = _open_case(inbox, case_id)
    if case["status"] == "handled":  # a person (or our own finished attempt) closed it: nothing left to do
        return {"outcome": "already_handled", "handled_by": case.get("handled_by"), "note": case.get("note")}

    card = Payroll(ctx).employee(employee_no)
    if card.cpr != normalise(payload["cpr"]):
        raise BusinessError("cpr_mismatch", f"Sag {case_id} nævner medarbejder {employee_no}, men lønsystemets "
                                            "medarbejderkort har et andet CPR-nr.; brevet er ikke sendt.")
    facts = _facts(payload, card)
    decision = decide(facts, config.notice_months, config.civil_servant_notice_months)
    if isinstance(decision, Manual):
        raise BusinessError(decision.code, decision.reason)

    termination = _register(ctx, card, decision, config.reason_code)
    notice = config.civil_servant_notice_months if card.civil_servant else config.notice_months
    letter = _letter_facts(payload, card, facts, decision, notice)
    docx, pdf, reused = _letter(ctx, item, letter, config)

    try:
        doc, archived_before = Esdh(ctx).file_letter(
            card.cpr, title=f"Bekræftelse af opsigelse {case_id}", key=case_id, doc_type=config.archive_doc_type,
            pdf=pdf, filename=f"fratraedelse-{case_id}.pdf", doc_date=letter.letter_date)
    except NotFound:
        raise BusinessError("personnel_file_missing",
                            f"Medarbejder {employee_no} har ingen personalesag i ESDH. Fratrædelsen pr. "
                            f"{danish_date(decision.leaving)} er registreret i lønsystemet, men brevet er hverken "
                            "journaliseret eller sendt.") from None
    message, sent_before = DigitalPost(ctx).send_letter(
        card.cpr, subject=config.letter_subject, reference=case_id, pdf=pdf, filename=f"fratraedelse-{case_id}.pdf")
    receipt = termination.receipt_no or "registreret i forvejen"
    inbox.mark_handled(case_id, f"Fratrædelse pr. {decision.leaving:%d.%m.%Y} registreret ({receipt}); "
                                f"brev journaliseret ({doc['doc_id']}) og sendt ({message['message_id']}).")
    return {
        "outcome": "confirmed",
        "variant": variant(letter),
        "received": facts.received.isoformat(),
        "earliest_leaving_date": decision.earliest.isoformat(),
        "leaving_date": decision.leaving.isoformat(),
        "last_working_day": decision.last_working_day.isoformat(),
        "civil_servant": card.civil_servant,
        "employer_notice_months": employer_notice_months(card.start_date, facts.received),
        "termination_receipt": termination.receipt_no,
        "termination_registered_before": termination.receipt_no is None,
        "esdh_doc_id": doc["doc_id"],
        "archived_before": archived_before,
        "message_id": message["message_id"],
        "channel": message.get("channel"),
        "sent_before": sent_before,
        "letter_reused": reused,
        "letter_sizes": {"docx": len(docx), "pdf": len(pdf)},
    }


# -- the parts --------------------------------------------------------------------------------------------


def _open_case(inbox: Inbox, case_id: str) -> dict[str, Any]:
    try:
        return inbox.case(case_id)
    except NotFound:
        raise BusinessError("case_not_found", f"Sag {case_id} findes ikke længere i selvbetjeningsindbakken.") from None


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _facts(payload: dict[str, Any], card: EmployeeCard) -> ResignationFacts:
    try:
        received = received_on(timeutil.parse(str(payload["received_at"])))
    except (KeyError, ValueError):
        raise BusinessError("received_date_missing",
                            f"Sag {payload['case_id']} har ingen gyldig modtagelsesdato.") from None
    return ResignationFacts(
        case_id=payload["case_id"], employee_no=card.employee_no, received=received,
        requested=_iso_date(payload.get("requested_leaving_date")), civil_servant=card.civil_servant,
        active=card.active, start_date=card.start_date, registered_leaving=card.leaving_date,
        manager_agreed=payload.get("manager_agreed") is True,
    )


def _register(ctx: StepContext, card: EmployeeCard, decision: Plan, reason_code: str) -> TerminationResult:
    """The termination in payroll: registered now, or found registered with the same date (recorded)."""
    if decision.already_registered:
        return TerminationResult(None, decision.leaving)
    payroll = Payroll(ctx)
    try:
        result = payroll.register_termination(card.employee_no, decision.leaving, decision.last_working_day,
                                              reason_code)
    except FormRejected as exc:
        if exc.code == "L-520":  # registered meanwhile: the same date is fine, another is for a person
            result = TerminationResult(None, payroll.employee(card.employee_no).leaving_date)
        elif exc.code == "L-521":
            raise BusinessError("payroll_rejected_date",
                                f"Lønsystemet afviste fratrædelsesdato {danish_date(decision.leaving)} og sidste "
                                f"arbejdsdag {danish_date(decision.last_working_day)} for medarbejder "
                                f"{card.employee_no} (fejl {exc.code}: {exc.text})") from None
        elif exc.code == "L-100":
            raise BusinessError("employee_left", f"Medarbejder {card.employee_no} er ikke aktiv i lønsystemet "
                                                 f"(fejl {exc.code}).") from None
        else:
            raise ApplicationError("payroll_rejected", f"payroll refused the termination of employee "
                                   f"{card.employee_no}: Fejl {exc.code}: {exc.text}") from None
    if result.leaving_date != decision.leaving:
        shown = danish_date(result.leaving_date) if result.leaving_date else "ingen"
        raise BusinessError("other_leaving_date",
                            f"Medarbejder {card.employee_no} har fratrædelsesdato {shown} i lønsystemet, men "
                            f"opsigelsen ønsker {danish_date(decision.leaving)}.")
    if result.receipt_no:
        ctx.log.info("termination registered", employee_no=card.employee_no, receipt=result.receipt_no)
    return result


def _letter_facts(payload: dict[str, Any], card: EmployeeCard, facts: ResignationFacts,
                  decision: Plan, notice_months: int) -> LetterFacts:
    sixth = sum((b.hours for b in card.sixth_week if not b.paid and b.hours > 0), Decimal(0))
    return LetterFacts(
        case_id=facts.case_id, employee_no=card.employee_no, name=card.name, address=card.address,
        position=str(payload.get("position") or card.position), workplace=workplace(card.organisation),
        hourly=card.hourly, wage_ore=card.wage_ore, civil_servant=card.civil_servant, notice_months=notice_months,
        received=facts.received,
        leaving=decision.leaving, last_working_day=decision.last_working_day, sixth_week_hours=sixth,
        manager_name=card.manager_name, letter_date=timeutil.local(timeutil.now()).date(),  # type: ignore[union-attr]
    )


def _letter(ctx: StepContext, item: WorkItem, facts: LetterFacts, config: Config) -> tuple[bytes, bytes, bool]:
    """(docx, pdf, reused): the letter kept with the item by an earlier attempt, or a new one, kept now."""
    names = (f"fratraedelse-{facts.case_id}.docx", f"fratraedelse-{facts.case_id}.pdf")
    stored = {f.name: f for f in ctx.backend.files(item.id)}  # later files win: the newest of each name
    if all(name in stored for name in names):
        docx, pdf = (ctx.backend.file_content(stored[name].id) for name in names)
        return docx, pdf, True
    sender = Sender(config.municipality, config.sender_unit, config.contact_name, config.contact_title,
                    config.contact_phone, config.contact_email)
    docx = render_docx(facts, sender)
    pdf = docx_to_pdf(docx, soffice=config.soffice_path, timeout_seconds=config.conversion_timeout_seconds,
                      name=f"fratraedelse-{facts.case_id}")
    ctx.attach(names[0], docx, DOCX_TYPE)
    ctx.attach(names[1], pdf, "application/pdf")
    return docx, pdf, False
