"""Negative pay: the decisions, as pure functions (RULES.md section 2). Facts in, decision out; no I/O.

After a payroll run the office decides, per employee with negative net pay or negative holiday pay,
whether the amount is carried forward to the next run (set off against the next pay) or claimed
back with an invoice through the debtor system. The municipality's default policy:

- invoice when the employee has left, or has no future pay in the system (nothing to set off against);
- carry forward when still employed, the amount is at most the threshold (5 000 kr.) and the
  employee was not negative in the previous ordinary run;
- everything else to a caseworker: negative holiday pay (no set-off against holiday pay,
  ferieloven), recurring negatives, large amounts.

Amounts are integer øre; a negative result is a negative number of øre.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from robots.systems.parse import ore_to_display

NET_PAY, HOLIDAY_PAY = "net_pay", "holiday_pay"
KINDS = (NET_PAY, HOLIDAY_PAY)
# How the sentences for caseworkers name the kinds (in Danish, as the caseworker desk is).
KIND_TEXT = {NET_PAY: "negativ nettoløn", HOLIDAY_PAY: "negative feriepenge"}
CARRY_FORWARD, INVOICE, MANUAL = "carry_forward", "invoice", "manual"
MAX_INVOICE_LINES = 10  # the debtor system's invoice form has ten lines
ORDINARY, APERIODIC = "ordinary", "aperiodic"


# -- runs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """A payroll run as the run list shows it."""

    run_id: str
    kind: str  # "ordinary" | "aperiodic"
    period: str  # "2024-09"
    run_date: date


def previous_ordinary_run(runs: Sequence[RunInfo], run: RunInfo) -> RunInfo | None:
    """The last ordinary run before ``run`` (by run date): "negative in the previous run" is judged there.

    An aperiodic run between two ordinary runs is not a "previous run" for this purpose: the
    ordinary run is where the employee's regular pay (and a carried-forward amount) is settled.
    """
    before = [r for r in runs if r.kind == ORDINARY and r.run_date < run.run_date]
    return max(before, key=lambda r: (r.run_date, r.run_id)) if before else None


def next_pay_period_start(runs: Sequence[RunInfo], run: RunInfo) -> date:
    """The first day of the pay period the next ordinary run will pay (where a carried amount is set off).

    That is the month after the latest ordinary run on or before ``run``'s date (an aperiodic run
    on 3 October after the September run: October). With no ordinary run known, the month after
    the run's own period.
    """
    ordinary = [r for r in runs if r.kind == ORDINARY and r.run_date <= run.run_date]
    period = max(ordinary, key=lambda r: (r.run_date, r.run_id)).period if ordinary else run.period
    year, month = (int(part) for part in period.split("-"))
    return date(year + month // 12, month % 12 + 1, 1)


# -- the decision ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The municipality's policy (conf): the largest amount that may be carried forward, in øre."""

    carry_forward_max_ore: int = 500_000  # 5 000 kr.


@dataclass(frozen=True)
class CaseFacts:
    """One employee's negative result of one kind in one run, and what the payroll system says about them."""

    employee_no: str
    run_id: str
    kind: str  # "net_pay" | "holiday_pay"
    amount_ore: int  # negative
    left: bool  # the employee card says "Fratrådt"
    leaving_date: date | None
    next_pay_period_start: date
    previous_run_id: str | None
    negative_in_previous_run: bool


@dataclass(frozen=True)
class Decision:
    outcome: str  # "carry_forward" | "invoice" | "manual"
    code: str  # the policy branch: left, no_future_pay, simple; manual: negative_holiday_pay, recurring, ...
    reason: str  # a sentence a caseworker understands, with the facts


def kroner(ore: int) -> str:
    """Øre as people read kroner: -123456 -> '1.234,56 kr.' (the size of a negative result, unsigned)."""
    return f"{ore_to_display(abs(ore))} kr."


def has_future_pay(facts: CaseFacts) -> bool:
    """Is there pay ahead to set a carried-forward amount off against?

    Not when the employee has left, nor when the registered leaving date falls before the pay
    period of the next ordinary run (the last pay has then been calculated already).
    """
    if facts.left:
        return False
    return facts.leaving_date is None or facts.leaving_date >= facts.next_pay_period_start


def decide(facts: CaseFacts, policy: Policy, chosen: str | None = None) -> Decision:
    """Carry forward, invoice, or a caseworker decides (with the policy branch as the code).

    ``chosen``: what a caseworker decided on the desk (``invoice`` or ``carry_forward``) when they sent
    the case back. It overrules the policy (a recurring negative, a large amount, negative holiday pay
    to invoice), not the law: nothing is carried forward into holiday pay (ferieloven) nor past the
    last pay (``carry_forward_refused``, to a person again). Anything else is a ValueError. A result
    that is not negative stays with a person whatever was chosen.

    The reason is a Danish sentence for the caseworker desk; the code stays an identifier.
    """
    who = f"Medarbejder {facts.employee_no}"
    what = f"{KIND_TEXT[facts.kind]} på {kroner(facts.amount_ore)} ved lønkørsel {facts.run_id}"
    limit = kroner(policy.carry_forward_max_ore)
    if facts.amount_ore >= 0:
        return Decision(MANUAL, "not_negative",
                        f"{who}: resultatlisten for lønkørsel {facts.run_id} viser "
                        f"{ore_to_display(facts.amount_ore)} kr. som {KIND_TEXT[facts.kind]}, men beløbet er "
                        f"ikke negativt; kontrollér lønkørslens resultatliste.")
    if chosen is not None:
        return _as_told(facts, chosen, who, what)
    if facts.left:
        return Decision(INVOICE, "left", f"{who} er fratrådt: {what} opkræves med faktura.")
    if not has_future_pay(facts):
        return Decision(INVOICE, "no_future_pay",
                        f"{who} har fratrædelsesdato {facts.leaving_date:%d.%m.%Y}, før næste lønperiode "
                        f"({facts.next_pay_period_start:%m.%Y}): {what} opkræves med faktura.")
    if facts.kind == HOLIDAY_PAY:
        return Decision(MANUAL, "negative_holiday_pay",
                        f"{who} er stadig ansat og har {what}. Feriepenge kan ikke modregnes i fremtidig løn "
                        f"(ferieloven), så en sagsbehandler afgør, hvordan beløbet skal betales tilbage.")
    if facts.negative_in_previous_run:
        return Decision(MANUAL, "recurring",
                        f"{who} har {what} og var også negativ ved forrige lønkørsel {facts.previous_run_id}. "
                        f"Et negativt beløb, der gentager sig, overføres ikke igen til næste løn uden en "
                        f"sagsbehandler.")
    if -facts.amount_ore > policy.carry_forward_max_ore:
        return Decision(MANUAL, "large_amount",
                        f"{who} har {what}, hvilket er over grænsen på {limit} for overførsel til næste løn. "
                        f"En sagsbehandler afgør, om beløbet overføres til næste løn eller opkræves med faktura.")
    return Decision(CARRY_FORWARD, "simple",
                    f"{who} er stadig ansat og har {what} (højst {limit}, ikke negativ ved forrige "
                    f"lønkørsel): beløbet overføres til næste løn.")


def _as_told(facts: CaseFacts, chosen: str, who: str, what: str) -> Decision:
    """A caseworker's decision from the desk, checked against the law (see :func:`decide`)."""
    if chosen == INVOICE:
        return Decision(INVOICE, "caseworker", f"{who}: en sagsbehandler har besluttet, at {what} opkræves med "
                                               f"faktura.")
    if chosen != CARRY_FORWARD:
        raise ValueError(f"not a decision a caseworker can send back: {chosen!r} (invoice or carry_forward)")
    if facts.kind == HOLIDAY_PAY:
        return Decision(MANUAL, "carry_forward_refused",
                        f"{who}: en sagsbehandler valgte at overføre {what} til næste løn, men feriepenge kan ikke "
                        f"modregnes i fremtidig løn (ferieloven). Vælg faktura, eller behandl sagen manuelt.")
    if not has_future_pay(facts):
        return Decision(MANUAL, "carry_forward_refused",
                        f"{who}: en sagsbehandler valgte at overføre {what} til næste løn, men der er ingen "
                        f"fremtidig løn at modregne i (fratrådt eller fratræder før næste lønperiode). Vælg "
                        f"faktura, eller behandl sagen manuelt.")
    return Decision(CARRY_FORWARD, "caseworker", f"{who}: en sagsbehandler har besluttet, at {what} overføres "
                                                 f"til næste løn.")


# -- the invoice -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayElement:
    """A pay element line of a negative result (the lines add up to the negative amount)."""

    period: str
    code: str
    text: str
    amount_ore: int


@dataclass(frozen=True)
class InvoiceLine:
    """One line of the claim: the pay period, the pay element and the amount owed (øre, may be negative)."""

    period: str
    element: str
    amount_ore: int


def invoice_reference(run_id: str, employee_no: str) -> str:
    """The debtor system's reference for an invoice on a negative result: one per employee and run."""
    return f"NEG-{run_id}-{employee_no}"


def invoice_lines(elements: Sequence[PayElement]) -> list[InvoiceLine]:
    """The claim broken down by pay period and pay element: each element's amount with the sign turned.

    The negative result is what the employee owes, so a -1 000 kr. pay regulation is a 1 000 kr.
    claim line, and a deduction that was reversed (a positive element) reduces the claim. Lines of
    0 kr. are left out (the debtor system refuses them).
    """
    return [InvoiceLine(e.period, f"{e.code} {e.text}".strip(), -e.amount_ore) for e in elements if e.amount_ore]


def invoice_problem(lines: Sequence[InvoiceLine], amount_ore: int) -> str | None:
    """Why these lines cannot be the invoice for a negative result of ``amount_ore`` (a Danish clause for the
    caseworker); None when they can."""
    total = sum(line.amount_ore for line in lines)
    if amount_ore >= 0:
        return f"beløbet {ore_to_display(amount_ore)} kr. er ikke negativt, så der er intet at opkræve"
    if not lines:
        return "resultatet har ingen løndele, der kan stå på fakturaen"
    if total != -amount_ore:
        return (f"løndelene giver tilsammen {ore_to_display(-total)} kr., "
                f"ikke det negative beløb {ore_to_display(amount_ore)} kr.")
    if len(lines) > MAX_INVOICE_LINES:
        return f"kravet har {len(lines)} linjer, og debitorsystemet tager højst {MAX_INVOICE_LINES}"
    return None


def due_date(today: date, days: int) -> date:
    """The invoice's due date: ``days`` after the day it is created (default 30)."""
    return today + timedelta(days=days)


__all__ = [
    "CARRY_FORWARD", "HOLIDAY_PAY", "INVOICE", "KINDS", "MANUAL", "NET_PAY", "CaseFacts", "Decision",
    "InvoiceLine", "PayElement", "Policy", "RunInfo", "decide", "due_date", "has_future_pay",
    "invoice_lines", "invoice_problem", "invoice_reference", "kroner", "next_pay_period_start", "previous_ordinary_run",
]
