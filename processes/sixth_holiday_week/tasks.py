"""The steps of the sixth holiday week payout, as robocorp tasks (robot.yaml lists them).

produce -> pay: payout requests from the self-service inbox. produce_leavers -> pay_leavers: the
annual run for leavers. Every pay line is registered look-first (see systems.Payroll.register_payout),
so a retried or re-run item records the line it finds instead of paying twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from robots import timeutil
from robots.cpr import mask
from robots.queue import NewItem, WorkItem
from robots.runtime import BusinessError, StepContext, TransientError
from robots.systems import FormRejected, NotFound

from . import LEAVERS, PROCESS, REQUESTS, Config
from .rules import (
    ALREADY_PAID,
    EXCEEDS_BALANCE,
    INACTIVE,
    Calculation,
    Employee,
    PayLine,
    Problem,
    Request,
    calculate,
    check_request,
    final_pay_period,
    handled_note,
    hours_text,
    is_this_payout,
    kroner,
    leaver_period_problem,
    payout_line,
    plan_leaver,
    request_deadline,
    request_facts_problem,
    request_period,
)
from .systems import Inbox, NotInPayroll, Payroll, UnreadableCard

# Payroll's refusals of a 0620 line, as the check each stands for (anything else: payline_rejected).
REFUSALS = {"L-100": INACTIVE, "L-412": EXCEEDS_BALANCE, "L-413": ALREADY_PAID, "L-414": "earning_year_not_payable"}


# -- payout requests -----------------------------------------------------------------------------


@PROCESS.producer(output=REQUESTS)
def produce(ctx: StepContext) -> Iterable[NewItem]:
    """One item per open payout request in the self-service inbox (reference: the case id)."""
    for case in Inbox(ctx).open_payout_requests():
        data = case.get("data") or {}
        yield NewItem(case["case_id"], {
            "case_id": case["case_id"], "employee_no": case.get("employee_no"), "cpr": case.get("cpr"),
            "name": case.get("name"), "received_at": case.get("received_at"),
            "earning_year": data.get("earning_year"), "hours": data.get("hours"), "message": data.get("message", ""),
        })


@PROCESS.consumer(queue=REQUESTS, browser=True)
def pay(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Check one request against the employee card, register the 0620 pay line, mark the case handled."""
    config: Config = ctx.config  # type: ignore[assignment]
    request = _request(item)
    inbox, payroll = Inbox(ctx), Payroll(ctx)
    case = _case(inbox, request.case_id)
    employee = _employee(payroll, request.employee_no)
    problem = request_facts_problem(request, employee)
    if problem is not None:
        raise BusinessError(problem.code, problem.sentence)
    existing = payout_line(employee, request.earning_year)
    facts = {"case_id": request.case_id, "employee_no": request.employee_no, "earning_year": request.earning_year,
             "hours": str(request.hours)}
    if case.get("status") == "handled":  # handled already: by us before a crash, or by a person
        return {**facts, "outcome": "already_handled", "handled_by": case.get("handled_by"),
                "note": case.get("note"), "pay_line": existing.as_dict() if existing else None}
    if existing is None:
        deadline = request_deadline(request.earning_year, config.request_deadline_month, config.request_deadline_day)
        problems = check_request(request, employee, deadline)
        if problems:
            raise BusinessError(problems[0].code, " ".join(p.sentence for p in problems))
    calc = _calculate(employee, request.earning_year, request.hours, config.monthly_hours_divisor)
    if existing is None:
        try:
            line, found = _register(payroll, calc, lambda periods: _request_period(periods, request))
        except _Refused as exc:  # a check payroll made that the card did not show: the person decides
            raise BusinessError(exc.code, f"{exc.text}; anmodningen gælder {calc.describe()}.") from None
    else:
        line, found = existing, True
    if not is_this_payout(line, calc):
        raise BusinessError(ALREADY_PAID, _other_payout(line, calc))
    note = handled_note(calc, line)
    inbox.mark_handled(request.case_id, note)
    return {**facts, "outcome": "recorded" if found else "paid", "amount_ore": calc.amount_ore,
            "calculation": calc.as_dict(), "pay_line": line.as_dict(), "note": note}


def _request(item: WorkItem) -> Request:
    p = item.payload
    try:
        return Request(case_id=str(p["case_id"]), employee_no=str(p["employee_no"]), cpr=str(p.get("cpr") or ""),
                       earning_year=int(p["earning_year"]), hours=Decimal(str(p["hours"])),
                       received_at=timeutil.parse(str(p["received_at"])))
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        why = f"feltet {exc} mangler" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
        raise BusinessError("invalid_request", mask(f"Sag {item.reference} kan ikke læses ({why}).")) from None


def _case(inbox: Inbox, case_id: str) -> dict[str, Any]:
    try:
        return inbox.case(case_id)
    except NotFound:
        raise BusinessError("case_not_found", f"Sag {case_id} findes ikke længere i selvbetjeningsindbakken.") from None


def _request_period(periods: list[str], request: Request) -> str:
    period = request_period(periods, request.earning_year)
    if period is None:
        raise BusinessError("not_yet_payable", f"Den første løn efter 30. april {request.earning_year + 1} er endnu "
                                               f"ikke åben i lønsystemet (åbne perioder: "
                                               f"{', '.join(periods) or 'ingen'}).")
    return period


def _other_payout(line: PayLine, calc: Calculation) -> str:
    hours = hours_text(line.hours) if line.hours is not None else "?"
    return (f"Lønsystemet har allerede en udbetaling af 6. ferieuge til medarbejder {calc.employee_no} for "
            f"optjeningsår {calc.earning_year}: kvitteringsnr. {line.receipt_no}, {hours} timer, "
            f"{kroner(line.amount_ore)}, lønperiode {line.period}; robottens beregning er {calc.describe()}.")


# -- leavers (the annual run) --------------------------------------------------------------------


@PROCESS.producer(output=LEAVERS, browser=True)
def produce_leavers(ctx: StepContext) -> Iterable[NewItem]:
    """One item per employee with a leaving date in payroll (reference: employee number and leaving date).

    Payroll has no list of leavers: the configured searches list the register, and each employee's
    card shows the leaving date ("Fratrædelsesdato"), past (Fratrådt) or ahead (still Aktiv).
    """
    config: Config = ctx.config  # type: ignore[assignment]
    payroll = Payroll(ctx)
    seen: set[str] = set()
    unread = before_cutoff = 0
    for term in config.leaver_search_terms:
        for row in payroll.search(term):
            if row.employee_no in seen:
                continue
            seen.add(row.employee_no)
            try:
                leaving = payroll.leaving_date(row.employee_no)
            except NotInPayroll:
                continue
            except (UnreadableCard, TransientError) as exc:
                # The consumer reads the card again (a transient failure with the queue's retries and
                # backoff; an unreadable card goes to a person with the reason): one bad answer in a scan
                # of the whole register does not throw the scan away.
                if isinstance(exc, TransientError):
                    unread += 1
                    if unread > config.max_unread_cards:
                        raise
                ctx.log.warning("employee card not read in the scan", employee_no=row.employee_no,
                                error=mask(str(exc)))
                yield NewItem(f"leaver:{row.employee_no}", {"employee_no": row.employee_no, "name": row.name,
                                                              "leaving_date": None, "status": row.status})
                continue
            if leaving is not None and config.leavers_from and leaving < config.leavers_from:
                before_cutoff += 1
                continue
            if leaving is not None:
                yield NewItem(f"leaver:{row.employee_no}:{leaving.isoformat()}", {
                    "employee_no": row.employee_no, "name": row.name, "status": row.status,
                    "leaving_date": leaving.isoformat()})
    ctx.counts["employees_read"] = len(seen)
    ctx.counts["cards_not_read"] = unread
    ctx.counts["left_before_leavers_from"] = before_cutoff


class _PeriodNotOpen(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.sentence)
        self.problem = problem


@PROCESS.consumer(queue=LEAVERS, browser=True)
def pay_leavers(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Pay a leaver's untaken hours of the leaving year and the year before with the final pay."""
    config: Config = ctx.config  # type: ignore[assignment]
    no = str(item.payload["employee_no"])
    payroll = Payroll(ctx)
    employee = _employee(payroll, no)
    try:
        plan = plan_leaver(employee, config.monthly_hours_divisor)
    except ValueError as exc:
        raise BusinessError("unreadable_card", mask(f"{exc}.")) from None
    result: dict[str, Any] = {"employee_no": no, "active": employee.active,
                              "leaving_date": employee.leaving_date.isoformat() if employee.leaving_date else None,
                              "plan": plan.as_dict()}
    if plan.outcome in ("not_leaving", "nothing_to_pay"):
        return {**result, "outcome": plan.outcome}
    if config.leavers_from and employee.leaving_date and employee.leaving_date < config.leavers_from:
        return {**result, "outcome": "left_before_leavers_from"}  # a card the scan could not read, read now
    if plan.blocking is not None:
        _attach(ctx, result)
        raise BusinessError(plan.blocking.code, " ".join(p.sentence for p in (plan.blocking, *plan.afterwards)))
    paid: list[dict[str, Any]] = []
    problems = list(plan.afterwards)
    for calc in plan.to_pay:
        try:
            line, found = _register(payroll, calc, lambda periods: _final_period(periods, employee))
        except _PeriodNotOpen as exc:
            problems.insert(0, exc.problem)
            break
        except _Refused as exc:  # the hours are owed all the same: a person pays them
            problems.append(Problem(exc.code, f"{exc.text}: {calc.describe()} skal udbetales manuelt med den "
                                              "sidste løn."))
            continue
        if not is_this_payout(line, calc):
            problems.append(Problem(ALREADY_PAID, _other_payout(line, calc)))
            continue
        paid.append({"calculation": calc.as_dict(), "pay_line": line.as_dict(), "found": found})
    result = {**result, "outcome": "paid", "paid": paid,
              "amount_ore": sum(p["calculation"]["amount_ore"] for p in paid)}
    if problems:
        _attach(ctx, {**result, "problems": [p.code for p in problems]})
        done = "; ".join(f"{c['earning_year']}: {c['formula']} ({p['pay_line']['receipt_no']})"
                         for p in paid for c in [p["calculation"]])
        prefix = f"Registreret i lønsystemet for medarbejder {no}: {done}. " if paid else ""
        raise BusinessError(problems[0].code, prefix + " ".join(p.sentence for p in problems))
    return result


def _final_period(periods: list[str], employee: Employee) -> str:
    problem = leaver_period_problem(employee, periods)
    if problem is not None:
        raise _PeriodNotOpen(problem)
    return final_pay_period(periods, employee.leaving_date)  # type: ignore[arg-type,return-value]


# -- shared --------------------------------------------------------------------------------------


def _employee(payroll: Payroll, employee_no: str) -> Employee:
    try:
        return payroll.employee(employee_no)
    except NotInPayroll:
        raise BusinessError("employee_not_found", f"Medarbejder {employee_no} findes ikke i lønsystemet.") from None
    except UnreadableCard as exc:
        raise BusinessError("unreadable_card", mask(f"Medarbejderkortet for medarbejder {employee_no} i lønsystemet "
                                                    f"kan ikke læses: {exc}.")) from None


def _calculate(employee: Employee, year: int, hours: Decimal, divisor: Decimal) -> Calculation:
    try:
        return calculate(employee, year, hours, divisor)
    except ValueError as exc:
        raise BusinessError("unreadable_card", mask(f"{exc}.")) from None


class _Refused(Exception):
    """Payroll refused the pay-line form; ``code`` is the check its error code stands for."""

    def __init__(self, calc: Calculation, error: FormRejected) -> None:
        super().__init__(f"Fejl {error.code}: {error.text}")
        self.code = REFUSALS.get(error.code, "payline_rejected")
        self.text = (f"Lønsystemet afviste udbetalingen af 6. ferieuge til medarbejder {calc.employee_no} for "
                     f"optjeningsår {calc.earning_year} (fejl {error.code}: {error.text})")


def _register(payroll: Payroll, calc: Calculation, choose_period: Callable[[list[str]], str]) -> tuple[PayLine, bool]:
    """Register ``calc`` (look first); _Refused when payroll will not take it."""
    try:
        return payroll.register_payout(calc.employee_no, calc, choose_period)
    except FormRejected as exc:
        raise _Refused(calc, exc) from None


def _attach(ctx: StepContext, calculation: dict[str, Any]) -> None:
    """The calculation with the item, also when a person takes over (they pay what it says)."""
    ctx.attach("beregning.json", json.dumps(calculation, ensure_ascii=False, indent=2).encode("utf-8"),
               "application/json")


__all__ = ["pay", "pay_leavers", "produce", "produce_leavers"]
