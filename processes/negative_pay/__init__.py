"""Negative pay (negativ løn / negative feriepenge): carry forward or invoice, per employee and run.

RULES.md section 2. After a payroll run the payroll system lists the employees with negative net
pay or negative holiday pay; the office marks each one "carry forward to the next run" or
"invoice", and a nightly job sends the marked ones to the debtor system. The steps:

``produce`` (producer -> ``negative_pay.cases``)
    Reads the unhandled lines of every payroll run that has any (the run list's "Ubehandlede"),
    all pages; one item per employee, run and kind (reference ``<run_id>:<employee_no>:<kind>``)
    with the lines' amounts in øre, organisation, pay type and CPR, and the facts about the runs
    around it (negative in the previous ordinary run, the next pay period).
``decide`` (consumer -> ``negative_pay.invoices``)
    Reads each line and the employee card, applies the policy (rules.py, thresholds in conf) and
    marks the line in the payroll system: carry forward, or invoice (then one item goes to the
    invoice queue, reference ``<run_id>:<employee_no>``). Anything else goes to a caseworker with
    the policy branch as the reason (negative_holiday_pay, recurring, large_amount, ...).
``invoice`` (consumer of ``negative_pay.invoices``; nightly)
    Creates the invoice in the debtor system (the debtor first when there is none), with the
    claim broken down by pay period and pay element, the due date, payment details and the offer
    of instalments. It looks for an invoice with the reference ``NEG-<run_id>-<employee_no>``
    first, so a crash between "created" and "recorded" never yields a second invoice. The invoice
    number is stored with the item.

When it runs: the default schedule is the evening of day 2 of every month (after the ordinary
run). An aperiodic run has no fixed date: start the process after it, by hand or from the payroll
office's job scheduler (``robots run negative_pay``); the producer
picks up every run with unhandled lines, and a second start adds nothing twice (references are
business keys). The invoice step alone (``robots run negative_pay --step invoice``) is meant to
run nightly, e.g. from conf/schedules.toml.

The overview of every case (status per organisation, pay type and period) is an Excel workbook:
``robots report negative-pay --from ... --to ...`` (report.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from robots.queue import QueueSpec
from robots.runtime import Process, ProcessConfig

from .reasons import REASONS

CASES = "negative_pay.cases"
INVOICES = "negative_pay.invoices"


class Config(ProcessConfig):
    """conf/processes/negative_pay.toml: the policy's thresholds and what goes on the invoice."""

    # Still-employed employees may carry forward at most this much (kroner); above: a caseworker.
    carry_forward_max_kroner: Decimal = Field(Decimal("5000"), ge=0, decimal_places=2)
    # The invoice falls due this many days after it is created.
    due_days: int = Field(30, ge=1, le=365)
    # Only these runs (empty: every run with unhandled lines).
    runs: list[str] = Field(default_factory=list)
    # The day the robot counts due dates from; empty: today's date (Copenhagen). The simulated
    # systems live on 2024-10-08, so the demo configuration sets it.
    today: date | None = None
    # The basis of the claim (Fordringstekst); {what} and {run_id} are filled in.
    invoice_text: str = Field("Tilbagebetaling af {what}, lønkørsel {run_id}", min_length=1, max_length=200)
    payment_details: str = Field(
        "Beløbet indbetales på reg.nr. 1551 kontonr. 1234567890 med fakturanummeret som reference.",
        min_length=1, max_length=400)
    instalments: str = Field(
        "Kan du ikke betale hele beløbet på én gang, kan du aftale en afdragsordning med Lønservice.",
        min_length=1, max_length=400)
    # The comment the robot writes with its marking in the payroll system.
    marking_comment: str = Field("Markeret af robot efter kommunens standardpolitik", max_length=200)


PROCESS = Process(
    "negative_pay", "Negative pay: carry forward or invoice",
    reasons=REASONS,
    config_model=Config,
    queues=[
        QueueSpec(CASES, description="Negative net pay / holiday pay per employee, run and kind: the decision",
                  max_attempts=3, lease_seconds=120, backoff_seconds=5, backoff_max_seconds=300),
        QueueSpec(INVOICES, description="Negative results marked for invoice: the invoice in the debtor system",
                  max_attempts=5, lease_seconds=180, backoff_seconds=30, backoff_max_seconds=1800),
    ],
    schedule="0 19 2 * *",  # day 2 of every month at 19:00 Europe/Copenhagen, after the ordinary run
)
