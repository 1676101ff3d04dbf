"""The steps of negative pay, as robocorp tasks: produce -> decide -> invoice (see __init__.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from robots.cpr import mask
from robots.queue import NewItem, WorkItem
from robots.runtime import ApplicationError, BusinessError, StepContext
from robots.systems import FormRejected
from robots.timeutil import local, now

from . import CASES, INVOICES, PROCESS, Config
from .rules import (
    HOLIDAY_PAY,
    INVOICE,
    KIND_TEXT,
    MANUAL,
    CaseFacts,
    InvoiceLine,
    Policy,
    decide,
    due_date,
    invoice_lines,
    invoice_problem,
    invoice_reference,
    kroner,
    next_pay_period_start,
    previous_ordinary_run,
)
from .systems import (
    AlreadyMarked,
    Debtor,
    DuplicateInvoices,
    InvoiceRequest,
    NegativeCard,
    Payroll,
    Person,
    ResultLine,
    split_address,
)

# What the claim is for, as the invoice's text says it (config invoice_text: "{what}").
WHAT_DA = {HOLIDAY_PAY: "for meget udbetalte feriepenge (negative feriepenge)",
           "net_pay": "for meget udbetalt løn (negativ nettoløn)"}
# A marking as the payroll system shows it (the Markering column), for the sentences to caseworkers.
MARKING_TEXT = {"carry_forward": "»Fremført«", "invoice": "»Faktura«"}


def case_reference(run_id: str, employee_no: str, kind: str) -> str:
    """The business key of a case: one per employee, run and kind."""
    return f"{run_id}:{employee_no}:{kind}"


def policy(config: Config) -> Policy:
    return Policy(carry_forward_max_ore=int(config.carry_forward_max_kroner * 100))


def today(config: Config) -> date:
    """The day the robot counts from: configured, or today in Copenhagen."""
    return config.today or local(now()).date()  # type: ignore[union-attr]


# -- produce ---------------------------------------------------------------------------------------


@PROCESS.producer(output=CASES, browser=True)
def produce(ctx: StepContext) -> Iterable[NewItem]:
    """One item per employee, run and kind with unhandled negative lines (a second run adds nothing)."""
    config: Config = ctx.config  # type: ignore[assignment]
    payroll = Payroll(ctx)
    rows = payroll.runs()
    runs = [row.run for row in rows]
    unknown = sorted(set(config.runs) - {run.run_id for run in runs})
    if unknown:
        raise ApplicationError("unknown_run", f"Indstillingen runs i conf/processes/negative_pay.toml nævner "
                                              f"lønkørsler, som lønsystemet ikke viser: {', '.join(unknown)}")
    chosen = [row.run for row in rows if (row.run.run_id in config.runs if config.runs else row.pending > 0)]
    negative_in: dict[str, set[str]] = {}  # run id -> employees with a negative line in it (any kind)
    for run in sorted(chosen, key=lambda r: (r.run_date, r.run_id)):
        previous = previous_ordinary_run(runs, run)
        if previous is not None and previous.run_id not in negative_in:
            negative_in[previous.run_id] = {line.employee_no for line in payroll.result_lines(previous.run_id)}
        groups: dict[tuple[str, str], list[ResultLine]] = {}
        for line in payroll.result_lines(run.run_id, status="pending"):
            groups.setdefault((line.employee_no, line.kind), []).append(line)
        ctx.log.info("run read", run_id=run.run_id, pending_cases=len(groups))
        for (employee_no, kind), lines in groups.items():
            first = lines[0]
            amounts = [line.amount_ore for line in lines]
            yield NewItem(case_reference(run.run_id, employee_no, kind), {
                "run_id": run.run_id, "run_kind": run.kind, "run_period": run.period,
                "run_date": run.run_date.isoformat(),
                "employee_no": employee_no, "cpr": first.cpr, "name": first.name,
                "organisation": first.organisation, "org_code": first.org_code, "pay_type": first.pay_type,
                "kind": kind,
                "lines": [{"line_id": line.line_id, "amount_ore": line.amount_ore} for line in lines],
                "amount_ore": None if None in amounts else sum(amounts),  # type: ignore[arg-type]
                "previous_run_id": previous.run_id if previous else None,
                "negative_in_previous_run": previous is not None and employee_no in negative_in[previous.run_id],
                "next_pay_period_start": next_pay_period_start(runs, run).isoformat(),
                "problems": [f"linje {line.line_id}: {line.problem}" for line in lines if line.problem],
            })


# -- decide ----------------------------------------------------------------------------------------


@PROCESS.consumer(queue=CASES, output=INVOICES, name="decide", browser=True)
def decide_case(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Apply the policy; mark carry forward or invoice in the payroll system, or hand it to a caseworker."""
    config: Config = ctx.config  # type: ignore[assignment]
    p = item.payload
    who = _who(p)
    if p.get("problems"):
        raise BusinessError("unreadable_result_line",
                            f"{who}: resultatlisten i lønsystemet kan ikke læses ({'; '.join(p['problems'])}); "
                            f"kontrollér linjen i lønsystemet, og behandl sagen manuelt.")
    payroll = Payroll(ctx)
    cards = _read_result(payroll, p)
    elements = [element for card in cards for element in card.elements]
    lines = invoice_lines(elements)
    employee = payroll.employee(p["employee_no"])
    facts = CaseFacts(
        employee_no=p["employee_no"], run_id=p["run_id"], kind=p["kind"], amount_ore=p["amount_ore"],
        left=employee.left, leaving_date=employee.leaving_date,
        next_pay_period_start=date.fromisoformat(p["next_pay_period_start"]),
        previous_run_id=p["previous_run_id"], negative_in_previous_run=p["negative_in_previous_run"],
    )
    chosen = p.get("decision")  # a caseworker's choice on the desk, sent back to the robot with the case
    try:
        decision = decide(facts, policy(config), str(chosen) if chosen else None)
    except ValueError:
        raise BusinessError("invalid_decision",
                            f"{who}: sagen er sendt tilbage med afgørelsen {mask(str(chosen))!r}, som robotten "
                            f"ikke kender (faktura eller overførsel til næste løn); vælg igen.") from None
    marked_by_others = sorted({c.marking for c in cards if c.marking is not None and c.marking != decision.outcome})
    if marked_by_others:
        marked = ", ".join(MARKING_TEXT[m] for m in marked_by_others)
        raise BusinessError("already_marked",
                            f"{who}: linjen er allerede markeret {marked} i lønsystemet, men det stemmer ikke "
                            f"med robottens afgørelse; kontrollér markeringen. Robottens vurdering: "
                            f"{decision.reason}")
    if decision.outcome == MANUAL:
        raise BusinessError(decision.code, decision.reason)
    output: dict[str, Any] = {"decision": decision.outcome, "code": decision.code, "reason": decision.reason,
                              "facts": {"left": facts.left, "leaving_date": _iso(facts.leaving_date),
                                        "negative_in_previous_run": facts.negative_in_previous_run,
                                        "previous_run_id": facts.previous_run_id,
                                        "next_pay_period_start": p["next_pay_period_start"],
                                        "amount_ore": facts.amount_ore}}
    invoice_payload = _invoice_payload(ctx, item, employee.address, lines) if decision.outcome == INVOICE else None
    output["marked_now"] = [_mark(payroll, line["line_id"], decision.outcome, config.marking_comment, who)
                            for line in p["lines"]]
    if invoice_payload is not None:
        reference = f"{p['run_id']}:{p['employee_no']}"
        item_id = ctx.emit(reference, invoice_payload)
        existing = ctx.backend.find(INVOICES, reference) if item_id is None else None
        output["invoice_item"] = item_id if item_id is not None else existing.id  # type: ignore[union-attr]
    return output


def _who(p: dict[str, Any]) -> str:
    return f"Medarbejder {p['employee_no']}, lønkørsel {p['run_id']}"


def _read_result(payroll: Payroll, p: dict[str, Any]) -> list[NegativeCard]:
    """The case's lines as their own pages show them, checked against the result list and their pay elements."""
    cards = [payroll.negative(line["line_id"]) for line in p["lines"]]
    for card, line in zip(cards, p["lines"], strict=True):
        if (card.employee_no, card.kind, card.amount_ore) != (p["employee_no"], p["kind"], line["amount_ore"]):
            raise BusinessError("result_line_changed",
                                f"{_who(p)}: linje {card.line_id} viser nu medarbejder {card.employee_no} med "
                                f"{KIND_TEXT.get(card.kind, card.kind)} på {kroner(card.amount_ore)}, ikke det, "
                                f"resultatlisten viste ({kroner(line['amount_ore'])}); kontrollér lønkørslen i "
                                f"lønsystemet.")
    total = sum(element.amount_ore for card in cards for element in card.elements)
    if total != p["amount_ore"]:  # the pay elements must explain the amount, whatever is decided
        raise BusinessError("pay_elements_disagree",
                            f"{_who(p)}: løndelene giver tilsammen {kroner(total)}, ikke det negative beløb på "
                            f"{kroner(p['amount_ore'])}; kontrollér resultatet i lønsystemet.")
    return cards


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _invoice_payload(ctx: StepContext, item: WorkItem, address: str, lines: list[InvoiceLine]) -> dict[str, Any]:
    """What the invoice step needs, checked before anything is marked."""
    p = item.payload
    who = _who(p)
    problem = invoice_problem(lines, p["amount_ore"])
    if problem:
        raise BusinessError("invoice_not_possible", f"{who}: der kan ikke laves en faktura ({problem}).")
    try:
        street, postcode, city = split_address(address)
    except ValueError:
        raise BusinessError("address_unreadable",
                            f"{who}: adressen på medarbejderkortet kan ikke læses som vej, postnummer og by, så "
                            f"der kan ikke oprettes en debitor; ret adressen, og send sagen tilbage til robotten."
                            ) from None
    other = ctx.backend.find(INVOICES, f"{p['run_id']}:{p['employee_no']}")
    if other is not None and other.payload.get("case_reference") != item.reference:
        raise BusinessError("second_result_same_run",
                            f"{who}: der er allerede en faktura på vej til medarbejderen for denne lønkørsel "
                            f"({KIND_TEXT.get(other.payload.get('kind'), other.payload.get('kind'))}); en lønkørsel "
                            f"giver én faktura pr. medarbejder, så en sagsbehandler samler de to.")
    return {
        "reference": invoice_reference(p["run_id"], p["employee_no"]), "case_reference": item.reference,
        "run_id": p["run_id"], "run_date": p["run_date"], "employee_no": p["employee_no"], "kind": p["kind"],
        "org_code": p["org_code"], "organisation": p["organisation"], "pay_type": p["pay_type"],
        "cpr": p["cpr"], "name": p["name"], "address": street, "postcode": postcode, "city": city,
        "amount_ore": p["amount_ore"],
        "lines": [{"period": line.period, "element": line.element, "amount_ore": line.amount_ore} for line in lines],
    }


def _mark(payroll: Payroll, line_id: str, handling: str, comment: str, who: str) -> bool:
    try:
        return payroll.mark(line_id, handling, comment)
    except AlreadyMarked as exc:
        raise BusinessError("already_marked", f"{who}: linje {line_id} er i mellemtiden markeret "
                                              f"{MARKING_TEXT[exc.marking]} af en anden; kontrollér markeringen."
                            ) from None
    except FormRejected as exc:
        if exc.code == "L-203":
            raise BusinessError("carry_forward_refused",
                                f"{who}: lønsystemet afviser at overføre linje {line_id} til næste løn (Fejl "
                                f"L-203: negative feriepenge eller fratrådt medarbejder); en sagsbehandler afgør "
                                f"sagen.") from None
        raise ApplicationError(f"payroll_{exc.code}",
                               f"lønsystemet afviste markeringen af linje {line_id}: {mask(str(exc))}") from None


# -- invoice ---------------------------------------------------------------------------------------


@PROCESS.consumer(queue=INVOICES, browser=True)
def invoice(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Create the invoice in the debtor system (once: look by reference first); keep its number."""
    config: Config = ctx.config  # type: ignore[assignment]
    p = item.payload
    who = _who(p)
    lines = [InvoiceLine(line["period"], line["element"], line["amount_ore"]) for line in p["lines"]]
    problem = invoice_problem(lines, p["amount_ore"])
    if problem:
        raise BusinessError("invoice_not_possible", f"{who}: der kan ikke laves en faktura ({problem}).")
    text = config.invoice_text.format(what=WHAT_DA.get(p["kind"], p["kind"]), run_id=p["run_id"])
    request = InvoiceRequest(p["reference"], text, due_date(today(config), config.due_days),
                             f"{config.payment_details}\n{config.instalments}", lines)
    person = Person(p["cpr"], p["name"], p["address"], p["postcode"], p["city"])
    try:
        found = Debtor(ctx).ensure_invoice(person, request)
    except DuplicateInvoices as exc:
        raise BusinessError("duplicate_invoices",
                            f"{who}: debitorsystemet har allerede {len(exc.numbers)} fakturaer med reference "
                            f"{exc.reference} ({', '.join(exc.numbers)}); annullér de overskydende.") from None
    except FormRejected as exc:
        code = "debtor_refused" if exc.code == "D-0012" else "invoice_refused"
        what = "oprettelsen af debitoren" if exc.code == "D-0012" else "fakturaen"
        raise BusinessError(code, f"{who}: debitorsystemet afviste {what} (Fejl {exc.code}: {mask(exc.text)}); "
                                  f"kontrollér medarbejderens oplysninger og fakturaen.") from None
    if not found.created and found.amount_ore != -p["amount_ore"]:
        raise BusinessError("invoice_amount_differs",
                            f"{who}: faktura {found.invoice_no} med reference {found.reference} findes allerede, "
                            f"men lyder på {kroner(found.amount_ore)} og ikke på de {kroner(p['amount_ore'])}, "
                            f"medarbejderen skylder; kontrollér fakturaen.")
    ctx.log.info("invoice recorded", invoice_no=found.invoice_no, created=found.created, reference=found.reference)
    return {"invoice_no": found.invoice_no, "debtor_no": found.debtor_no, "reference": found.reference,
            "amount_ore": found.amount_ore, "due_date": _iso(found.due_date), "created": found.created,
            "debtor_created": found.debtor_created}
