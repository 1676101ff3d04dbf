"""The records the simulated systems hold. Money is integer øre, hours are Decimal, dates are dates."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Document types in the ESDH archive: code -> Danish label.
DOC_TYPES: dict[str, str] = {
    "ansaettelsesbrev": "Ansættelsesbrev",
    "boerneattest": "Børneattest",
    "autorisation": "Autorisation",
    "straffeattest": "Straffeattest",
    "ansoegning": "Ansøgning",
    "eksamensbevis": "Eksamensbevis",
    "loenaftale": "Lønaftale",
    "opholdstilladelse": "Opholds- og arbejdstilladelse",
    "aendringsbrev": "Ændring af ansættelse",
    "kursusbevis": "Kursusbevis",
    "mus": "MUS-referat",
    "korrespondance": "Korrespondance",
    "fratraedelse": "Fratrædelse",
    "andet": "Andet",
}
DOC_FORMATS = ("docx", "pdf_text", "pdf_image", "tiff")
MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "tiff": "image/tiff",
}

# Pay elements (lønarter): code -> text.
PAY_ELEMENTS: dict[str, str] = {
    "0101": "Månedsløn",
    "0110": "Timeløn",
    "0150": "Tillæg, fast",
    "0210": "Overarbejde",
    "0301": "A-skat",
    "0302": "AM-bidrag",
    "0410": "Pension, egen andel",
    "0560": "Feriepenge ved fratræden",
    "0565": "Ferietillæg",
    "0620": "6. ferieuge, udbetaling",
    "0630": "Afspadsering, udbetaling",
    "0700": "Engangsvederlag",
}
# The elements the pay-line form accepts.
REGISTERABLE_ELEMENTS = ("0620", "0630", "0700", "0150")
SIXTH_WEEK_ELEMENT = "0620"

TERMINATION_REASONS: dict[str, str] = {
    "01": "Egen opsigelse",
    "02": "Opsagt af arbejdsgiver",
    "03": "Pensionering",
    "04": "Tidsbegrænset ansættelse udløbet",
    "05": "Bortvisning",
    "06": "Dødsfald",
}


@dataclass(slots=True)
class Employee:
    """An employee in the payroll system (and the owner of a personnel file in ESDH)."""

    employee_no: str
    cpr: str
    first_name: str
    last_name: str
    address: str
    postcode: str
    city: str
    org_code: str
    position: str
    pay_type: str  # "monthly" | "hourly"
    monthly_salary_ore: int | None
    hourly_rate_ore: int | None
    hours_per_week: Decimal
    start_date: date
    leaving_date: date | None
    civil_servant: bool
    manager_no: str | None
    is_manager: bool
    contact_with_children: bool
    authorised_health: bool
    criminal_record_required: bool
    sixth_week_balance: dict[int, Decimal]
    sixth_week_paid: list[int]
    digital_post_exempt: bool = False

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"

    def status(self, today: date) -> str:
        """'active', or 'left' once the leaving date has passed."""
        return "left" if self.leaving_date is not None and self.leaving_date < today else "active"


@dataclass(slots=True)
class Employer:
    """A private or public employer (CVR) that reports income to eIndkomst."""

    cvr: str
    name: str


@dataclass(slots=True)
class BenefitPayment:
    """A month's flex wage subsidy registered in the benefits system."""

    voucher_no: str
    month: str  # the month paid for, åååå-mm
    income_month: str  # the month of income it was computed from
    income_ore: int
    subsidy_ore: int
    registered_at: date
    registered_by: str = "system"
    note: str = ""


@dataclass(slots=True)
class Citizen:
    """A citizen in a flexjob, as the benefits system (KY) knows them."""

    case_no: str
    cpr: str
    first_name: str
    last_name: str
    address: str
    postcode: str
    city: str
    employer_cvr: str
    employer_name: str
    flexjob_start: date
    hours_per_week: Decimal
    wage_ceiling_ore: int
    payments: list[BenefitPayment] = field(default_factory=list)

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


@dataclass(slots=True)
class IncomeLine:
    """One reported income line in eIndkomst.

    ``month`` is the month the pay was disposed (the month it belongs to in the register);
    ``period_start``/``period_end`` the wage period. A wage period before ``month`` is a
    correction to an earlier month.
    """

    line_id: str
    cpr: str
    cvr: str
    employer_name: str
    month: str
    period_start: date
    period_end: date
    reported_at: date
    a_income_ore: int
    pension_own_ore: int
    pension_employer_ore: int
    hours: Decimal
    holiday_pay_ore: int = 0
    holiday_allowance_ore: int = 0
    sickness_benefit_ore: int = 0
    maternity_benefit_ore: int = 0


@dataclass(slots=True)
class Document:
    """A document in a personnel file. ``true_type``/``true_owner_cpr`` are the ground truth."""

    doc_id: str
    file_cpr: str
    title: str
    doc_type: str
    doc_date: date
    fmt: str  # one of DOC_FORMATS
    true_type: str
    true_owner_cpr: str
    journalised_at: date
    content: bytes | None = None  # set for uploaded documents only; generated ones render lazily
    filename: str = ""
    detail: str = ""  # course, topic or the like, shared by title and content
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def format(self) -> str:
        """The format a client sees: 'docx', 'pdf' or 'tiff' (PDFs with and without text layer alike)."""
        return "pdf" if self.fmt.startswith("pdf") else self.fmt


@dataclass(slots=True)
class PayElementLine:
    """A pay element line of a negative result: period, element code, text, amount."""

    period: str
    code: str
    text: str
    amount_ore: int


@dataclass(slots=True)
class PayrollRun:
    """An ordinary monthly or an aperiodic payroll run."""

    run_id: str
    kind: str  # "ordinary" | "aperiodic"
    period: str
    run_date: date


@dataclass(slots=True)
class NegativeLine:
    """An employee with negative net pay or negative holiday pay in a run's result list."""

    line_id: str
    run_id: str
    employee_no: str
    kind: str  # "net_pay" | "holiday_pay"
    amount_ore: int  # negative
    elements: list[PayElementLine]
    marking: str | None = None  # None | "carry_forward" | "invoice"
    marked_at: datetime | None = None
    marked_by: str = ""
    comment: str = ""


@dataclass(slots=True)
class PayLine:
    """A pay line registered through the payroll UI."""

    receipt_no: str
    employee_no: str
    code: str
    text: str
    period: str
    hours: Decimal | None
    rate_ore: int | None
    amount_ore: int
    earning_year: int | None
    registered_at: datetime
    registered_by: str


@dataclass(slots=True)
class Termination:
    """A termination registered through the payroll UI (or generated as history)."""

    receipt_no: str
    employee_no: str
    leaving_date: date
    last_working_day: date | None
    reason_code: str
    registered_at: datetime
    registered_by: str


@dataclass(slots=True)
class Debtor:
    """A debtor in the debtor system."""

    debtor_no: str
    cpr: str
    name: str
    address: str
    postcode: str
    city: str
    created_at: datetime
    created_by: str = "system"


@dataclass(slots=True)
class InvoiceLine:
    """One line of a claim: pay period, pay element, amount (positive øre)."""

    period: str
    pay_element: str
    amount_ore: int


@dataclass(slots=True)
class Invoice:
    """A claim/invoice against a debtor."""

    invoice_no: str
    debtor_no: str
    reference: str
    text: str
    due_date: date
    lines: list[InvoiceLine]
    created_at: datetime
    created_by: str = "system"
    note: str = ""

    @property
    def total_ore(self) -> int:
        """Sum of the lines."""
        return sum(line.amount_ore for line in self.lines)


@dataclass(slots=True)
class Case:
    """A case in the self-service inbox: 'resignation' or 'sixth_week_payout'."""

    case_id: str
    kind: str
    cpr: str
    employee_no: str
    name: str
    received_at: datetime
    data: dict[str, Any]
    status: str = "open"  # "open" | "handled"
    handled_at: datetime | None = None
    handled_by: str = ""
    note: str = ""


@dataclass(slots=True)
class Message:
    """A letter sent through the digital post outbox."""

    message_id: str
    cpr: str
    subject: str
    reference: str
    filename: str
    content: bytes
    sent_at: datetime
    sent_by: str
    channel: str  # "digital" | "print" (recipient exempt from digital post)


_FIELDS: dict[type, tuple[str, ...]] = {}


def to_jsonable(value: Any) -> Any:
    """Records -> plain JSON values: dates ISO, Decimals as strings, bytes as their length."""
    kind = type(value)
    if kind in (str, int, bool) or value is None:
        return value
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return {"bytes": len(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
