"""Negative pay's rules on hand-checked cases: RULES.md section 2's policy, each threshold at and just past."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from pydantic import ValidationError

from processes.negative_pay import Config
from processes.negative_pay.rules import (
    CaseFacts,
    InvoiceLine,
    PayElement,
    Policy,
    RunInfo,
    decide,
    due_date,
    has_future_pay,
    invoice_lines,
    invoice_problem,
    invoice_reference,
    next_pay_period_start,
    previous_ordinary_run,
)
from processes.negative_pay.systems import split_address
from processes.negative_pay.tasks import case_reference, policy

POLICY = Policy()  # the default: at most 5 000 kr. carried forward
# A still-employed employee, 1 234,56 kr. negative net pay, not negative in the previous run.
SIMPLE = CaseFacts(employee_no="100123", run_id="L202409", kind="net_pay", amount_ore=-123_456, left=False,
                   leaving_date=None, next_pay_period_start=date(2024, 10, 1), previous_run_id="L202408",
                   negative_in_previous_run=False)


def outcome(**changes: object) -> tuple[str, str]:
    decision = decide(replace(SIMPLE, **changes), POLICY)
    return decision.outcome, decision.code


# -- RULES.md section 2, sentence by sentence ----------------------------------------------------------


def test_still_employed_small_and_not_recurring_is_carried_forward() -> None:
    decision = decide(SIMPLE, POLICY)
    assert (decision.outcome, decision.code) == ("carry_forward", "simple")
    assert decision.reason == ("Medarbejder 100123 er stadig ansat og har negativ nettoløn på 1.234,56 kr. ved "
                               "lønkørsel L202409 (højst 5.000,00 kr., ikke negativ ved forrige lønkørsel): beløbet "
                               "overføres til næste løn.")


def test_a_leaver_is_invoiced_whatever_the_amount_kind_or_history() -> None:
    assert decide(replace(SIMPLE, left=True), POLICY).reason == (
        "Medarbejder 100123 er fratrådt: negativ nettoløn på 1.234,56 kr. ved lønkørsel L202409 opkræves med faktura.")
    assert outcome(left=True) == ("invoice", "left")
    assert outcome(left=True, amount_ore=-4_000_000) == ("invoice", "left")  # large: still an invoice
    assert outcome(left=True, kind="holiday_pay") == ("invoice", "left")  # no set-off possible: invoice
    assert outcome(left=True, negative_in_previous_run=True) == ("invoice", "left")


def test_no_future_pay_is_invoiced_at_the_leaving_date_boundary() -> None:
    # Leaves the day before the next pay period begins: nothing left to set off against.
    assert outcome(leaving_date=date(2024, 9, 30)) == ("invoice", "no_future_pay")
    # Leaves on the first day of the next period: that period's pay is still to come.
    assert outcome(leaving_date=date(2024, 10, 1)) == ("carry_forward", "simple")
    assert not has_future_pay(replace(SIMPLE, leaving_date=date(2024, 9, 30)))
    assert has_future_pay(replace(SIMPLE, leaving_date=date(2024, 10, 1)))
    decision = decide(replace(SIMPLE, leaving_date=date(2024, 9, 30)), POLICY)
    assert decision.reason == ("Medarbejder 100123 har fratrædelsesdato 30.09.2024, før næste lønperiode (10.2024): "
                               "negativ nettoløn på 1.234,56 kr. ved lønkørsel L202409 opkræves med faktura.")


def test_negative_holiday_pay_of_an_employee_goes_to_a_caseworker() -> None:
    """No set-off against holiday pay (ferieloven): even 1 kr. is not carried forward."""
    decision = decide(replace(SIMPLE, kind="holiday_pay", amount_ore=-100), POLICY)
    assert (decision.outcome, decision.code) == ("manual", "negative_holiday_pay")
    assert decision.reason == ("Medarbejder 100123 er stadig ansat og har negative feriepenge på 1,00 kr. ved "
                               "lønkørsel L202409. Feriepenge kan ikke modregnes i fremtidig løn (ferieloven), så en "
                               "sagsbehandler afgør, hvordan beløbet skal betales tilbage.")


def test_a_recurring_negative_goes_to_a_caseworker_naming_the_previous_run() -> None:
    decision = decide(replace(SIMPLE, negative_in_previous_run=True), POLICY)
    assert (decision.outcome, decision.code) == ("manual", "recurring")
    assert decision.reason == ("Medarbejder 100123 har negativ nettoløn på 1.234,56 kr. ved lønkørsel L202409 og var "
                               "også negativ ved forrige lønkørsel L202408. Et negativt beløb, der gentager sig, "
                               "overføres ikke igen til næste løn uden en sagsbehandler.")


@pytest.mark.parametrize(("amount_ore", "expected"), [
    (-500_000, ("carry_forward", "simple")),  # 5 000,00 kr.: "at most 5 000 kr." carries forward
    (-500_001, ("manual", "large_amount")),  # 5 000,01 kr.: just past
    (-1, ("carry_forward", "simple")),
    (-4_000_000, ("manual", "large_amount")),
])
def test_the_carry_forward_threshold_at_and_just_past(amount_ore: int, expected: tuple[str, str]) -> None:
    assert outcome(amount_ore=amount_ore) == expected


def test_the_threshold_comes_from_the_configuration() -> None:
    config = Config(carry_forward_max_kroner="2000.50")
    assert policy(config) == Policy(carry_forward_max_ore=200_050)
    assert decide(replace(SIMPLE, amount_ore=-200_050), policy(config)).outcome == "carry_forward"
    large = decide(replace(SIMPLE, amount_ore=-200_051), policy(config))
    assert (large.outcome, large.code) == ("manual", "large_amount")
    assert large.reason == ("Medarbejder 100123 har negativ nettoløn på 2.000,51 kr. ved lønkørsel L202409, hvilket "
                            "er over grænsen på 2.000,50 kr. for overførsel til næste løn. En sagsbehandler afgør, om "
                            "beløbet overføres til næste løn eller opkræves med faktura.")


def test_the_order_of_the_branches() -> None:
    """Holiday pay before recurring before large: the first reason a caseworker needs is the one given."""
    assert outcome(kind="holiday_pay", negative_in_previous_run=True, amount_ore=-900_000)[1] == "negative_holiday_pay"
    assert outcome(negative_in_previous_run=True, amount_ore=-900_000)[1] == "recurring"


def test_a_result_that_is_not_negative_is_bad_data_for_a_person() -> None:
    decision = decide(replace(SIMPLE, amount_ore=0), POLICY)
    assert (decision.outcome, decision.code) == ("manual", "not_negative")
    assert decision.reason == ("Medarbejder 100123: resultatlisten for lønkørsel L202409 viser 0,00 kr. som negativ "
                               "nettoløn, men beløbet er ikke negativt; kontrollér lønkørslens resultatliste.")


# -- a caseworker's decision sent back from the desk -----------------------------------------------


def as_told(chosen: str, **changes: object) -> tuple[str, str]:
    facts = replace(SIMPLE, **changes)
    decision = decide(facts, POLICY, chosen)
    return decision.outcome, decision.code


def test_a_caseworker_overrules_the_policy_but_not_the_law() -> None:
    # What the policy hands to a person, the caseworker decides: invoice a recurring negative, carry a large one.
    assert as_told("invoice", negative_in_previous_run=True) == ("invoice", "caseworker")
    assert as_told("carry_forward", amount_ore=-900_000) == ("carry_forward", "caseworker")
    assert as_told("invoice", kind="holiday_pay") == ("invoice", "caseworker")
    # Holiday pay is never set off against pay, and nothing is carried past the last pay.
    assert as_told("carry_forward", kind="holiday_pay") == ("manual", "carry_forward_refused")
    assert as_told("carry_forward", leaving_date=date(2024, 9, 30)) == ("manual", "carry_forward_refused")
    assert as_told("carry_forward", left=True) == ("manual", "carry_forward_refused")
    assert as_told("carry_forward", leaving_date=date(2024, 10, 1)) == ("carry_forward", "caseworker")
    # A result that is not negative any more stays with a person, whatever was chosen.
    assert as_told("invoice", amount_ore=0) == ("manual", "not_negative")


def test_a_caseworkers_decision_is_said_in_the_reason() -> None:
    facts = replace(SIMPLE, negative_in_previous_run=True)
    decision = decide(facts, POLICY, "invoice")
    assert decision.reason == ("Medarbejder 100123: en sagsbehandler har besluttet, at negativ nettoløn på "
                               "1.234,56 kr. ved lønkørsel L202409 opkræves med faktura.")
    refused = decide(replace(SIMPLE, kind="holiday_pay"), POLICY, "carry_forward")
    assert "ferieloven" in refused.reason and "Vælg faktura" in refused.reason
    with pytest.raises(ValueError, match="'pay_twice'"):
        decide(SIMPLE, POLICY, "pay_twice")


def test_config_refuses_bad_values() -> None:
    with pytest.raises(ValidationError):
        Config(carry_forward_max_kroner="100.005")  # no fractions of an øre
    with pytest.raises(ValidationError):
        Config(due_days=0)
    with pytest.raises(ValidationError):
        Config(carry_forward_max_kroner=-1)


# -- which run is "previous", which period is "next" ---------------------------------------------------

# The simulated payroll's run calendar (ordinary runs on the 22nd, aperiodic ones in between).
RUNS = [RunInfo("L202407", "ordinary", "2024-07", date(2024, 7, 22)),
        RunInfo("A20240815", "aperiodic", "2024-08", date(2024, 8, 15)),
        RunInfo("L202408", "ordinary", "2024-08", date(2024, 8, 22)),
        RunInfo("A20240912", "aperiodic", "2024-09", date(2024, 9, 12)),
        RunInfo("L202409", "ordinary", "2024-09", date(2024, 9, 22)),
        RunInfo("A20241003", "aperiodic", "2024-10", date(2024, 10, 3))]
BY_ID = {r.run_id: r for r in RUNS}


@pytest.mark.parametrize(("run_id", "previous", "next_start"), [
    ("L202409", "L202408", date(2024, 10, 1)),  # skips the aperiodic run A20240912 in between
    ("A20241003", "L202409", date(2024, 10, 1)),  # October's ordinary run still pays October
    ("A20240912", "L202408", date(2024, 9, 1)),
    ("L202407", None, date(2024, 8, 1)),  # the first run known: no previous run
])
def test_previous_ordinary_run_and_next_pay_period(run_id: str, previous: str | None, next_start: date) -> None:
    found = previous_ordinary_run(RUNS, BY_ID[run_id])
    assert (found.run_id if found else None) == previous
    assert next_pay_period_start(RUNS, BY_ID[run_id]) == next_start


def test_next_pay_period_across_the_new_year() -> None:
    december = RunInfo("L202412", "ordinary", "2024-12", date(2024, 12, 20))
    assert next_pay_period_start([december], december) == date(2025, 1, 1)


# -- the invoice ---------------------------------------------------------------------------------------

# A net pay regulation of -2 000 kr. over two months, with AM contribution and tax given back:
# -1 100 kr. owed (the result), as the payroll system lists it.
ELEMENTS = [PayElement("2024-08", "0101", "Månedsløn, regulering", -80_000),
            PayElement("2024-09", "0101", "Månedsløn, regulering", -120_000),
            PayElement("2024-09", "0302", "AM-bidrag", 16_000),
            PayElement("2024-09", "0301", "A-skat", 74_000),
            PayElement("2024-09", "0999", "Nul-linje", 0)]


def test_invoice_lines_turn_the_sign_and_drop_zero_lines() -> None:
    lines = invoice_lines(ELEMENTS)
    assert lines == [InvoiceLine("2024-08", "0101 Månedsløn, regulering", 80_000),
                     InvoiceLine("2024-09", "0101 Månedsløn, regulering", 120_000),
                     InvoiceLine("2024-09", "0302 AM-bidrag", -16_000),
                     InvoiceLine("2024-09", "0301 A-skat", -74_000)]
    assert sum(line.amount_ore for line in lines) == 110_000
    assert invoice_problem(lines, -110_000) is None


def test_invoice_problems() -> None:
    lines = invoice_lines(ELEMENTS)
    assert invoice_problem(lines, -110_001) == ("løndelene giver tilsammen -1.100,00 kr., "
                                                "ikke det negative beløb -1.100,01 kr.")
    assert invoice_problem(lines, 0) == "beløbet 0,00 kr. er ikke negativt, så der er intet at opkræve"
    assert invoice_problem([], -100) == "resultatet har ingen løndele, der kan stå på fakturaen"
    ten = [InvoiceLine("2024-09", "0101", 10_000)] * 10
    assert invoice_problem(ten, -100_000) is None  # the form has ten lines: ten fit
    assert invoice_problem([*ten, InvoiceLine("2024-09", "0101", 10)], -100_010) == (
        "kravet har 11 linjer, og debitorsystemet tager højst 10")


def test_reference_due_date_and_case_key() -> None:
    assert invoice_reference("L202409", "100123") == "NEG-L202409-100123"  # the debtor history's convention
    assert due_date(date(2024, 10, 8), 30) == date(2024, 11, 7)
    assert due_date(date(2024, 12, 15), 30) == date(2025, 1, 14)
    assert case_reference("A20241003", "100123", "holiday_pay") == "A20241003:100123:holiday_pay"


@pytest.mark.parametrize(("text", "expected"), [
    ("Storegade 12, 8000 Aarhus C", ("Storegade 12", "8000", "Aarhus C")),
    ("Vestergade 3, 2. tv., 4180 Sorø", ("Vestergade 3, 2. tv.", "4180", "Sorø")),
])
def test_split_address(text: str, expected: tuple[str, str, str]) -> None:
    assert split_address(text) == expected


@pytest.mark.parametrize("text", ["Storegade 12 8000 Aarhus C", "Storegade 12, Aarhus C", ", 8000 Aarhus", ""])
def test_split_address_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match="not an address"):
        split_address(text)
