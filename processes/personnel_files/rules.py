"""The personnel-file check's decisions (RULES.md section 5), as pure functions: facts in, decision out.

- What the job requires: an employment letter for more than 3 hours a week; a child-protection
  certificate for regular direct contact with children under 15; an authorisation for authorised
  health staff; a criminal record where the job's profile requires it.
- Whose document it is: the CPR number (or, failing that, the name) written in it.
- What it is: the classifier's answer, trusted at or above ``confident_score``; below that the
  archive's own type stands when the classifier's best guess agrees with it.
- A child-protection certificate must be dated before the start date (on the start date is late).

``assess`` puts it together for one employee: the findings, the corrections and requests the
robot may make on its own, and what a person must look at (with a stable code and a sentence).
Sentences and details are in Danish (caseworkers and HR staff read them); codes and document
type codes stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from robots.systems.parse import decimal_comma

from .textfacts import differs_by_one_digit

EMPLOYMENT_LETTER_MIN_HOURS = Decimal("3")  # "more than 3 hours a week"
REPEATING_TYPES = ("loenaftale", "aendringsbrev", "kursusbevis", "mus", "korrespondance")
MAYBE_SCORE = 0.10  # an unsure document may be any type the classifier gives at least this much

# Why a person must look, most serious first (the item's manual reason is the first that applies).
MANUAL_CODES = ("wrong_employee", "unreadable_document", "uncertain_type", "owner_unknown",
                "certificate_date_unclear", "no_manager")


@dataclass(frozen=True)
class Job:
    """The employment facts in the personnel file that decide what it must hold."""

    hours_per_week: Decimal
    start_date: date
    contact_with_children: bool
    authorised_health: bool
    criminal_record_required: bool


@dataclass(frozen=True)
class Employee:
    cpr: str
    employee_no: str
    name: str
    job: Job
    manager_no: str | None  # None: no manager to ask for missing documents


@dataclass(frozen=True)
class Document:
    """One document in the file: what the archive says and what its content says."""

    doc_id: str
    filed_type: str
    filed_date: date | None
    readable: bool = True
    problem: str = ""  # why it could not be read
    predicted: str = ""  # the classifier's best type
    score: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)  # top few, highest first
    owner: str = "own"  # "own" | "foreign" | "unknown" (see ``ownership``)
    foreign_owner: str = ""  # who it names instead (employee number and name, never a CPR)
    text_date: date | None = None  # the date written in it


@dataclass(frozen=True)
class Finding:
    kind: str  # missing | misfiled | wrong_employee | late_child_certificate | uncertain
    doc_id: str = ""
    doc_type: str = ""  # missing: the type; misfiled: the type found; late: boerneattest
    detail: str = ""  # a sentence for the report (Danish)


@dataclass(frozen=True)
class Correction:
    doc_id: str
    doc_type: str
    filed_type: str
    score: float


@dataclass
class Assessment:
    findings: list[Finding] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # document types to ask the manager for
    manual: list[tuple[str, str]] = field(default_factory=list)  # (code, sentence in Danish)
    attach: list[str] = field(default_factory=list)  # doc ids a person should see

    @property
    def manual_code(self) -> str | None:
        codes = [code for code, _ in self.manual]
        return next((c for c in MANUAL_CODES if c in codes), None)

    def manual_sentence(self) -> str:
        return " ".join(sentence for _, sentence in self.manual)


def required_documents(job: Job) -> list[str]:
    """The document types the job requires, in a fixed order (RULES.md section 5)."""
    required = []
    if job.hours_per_week > EMPLOYMENT_LETTER_MIN_HOURS:
        required.append("ansaettelsesbrev")
    if job.contact_with_children:
        required.append("boerneattest")
    if job.authorised_health:
        required.append("autorisation")
    if job.criminal_record_required:
        required.append("straffeattest")
    return required


def ownership(cprs_in_text: list[str], name_in_text: bool, employee_cpr: str) -> tuple[str, list[str]]:
    """Whose document this is: ("own" | "foreign" | "unknown", the other CPR numbers it names).

    The CPR number decides. A number one digit off the employee's, with the employee's name in
    the text, is an OCR slip and still "own". Another number without the employee's name means
    the document is someone else's. Another number *and* the employee's name, or neither a number
    nor the name, is for a person to judge ("unknown").
    """
    if employee_cpr in cprs_in_text:
        return "own", []
    others = [c for c in cprs_in_text if not (name_in_text and differs_by_one_digit(c, employee_cpr))]
    if others:
        return ("unknown" if name_in_text else "foreign"), others
    return ("own" if name_in_text else "unknown"), []


def certain_type(doc: Document, confident_score: float) -> str | None:
    """The document's type when we are sure of it: the classifier's when confident, or the
    archive's when the classifier's best guess agrees with it; None when unsure."""
    if not doc.readable:
        return None
    if doc.score >= confident_score or doc.predicted == doc.filed_type:
        return doc.predicted
    return None


def is_late_certificate(certificate_date: date, start_date: date) -> bool:
    """A child-protection certificate must be dated before the start date: on or after it is late."""
    return certificate_date >= start_date


def corrected_title(doc_type: str, label: str, doc_date: date | None) -> str:
    """The title to file a re-typed document under: the type's label, with the date for types an
    employee has many of ("Lønaftale 03.04.2021"), so the titles in a file stay distinguishable."""
    if doc_type in REPEATING_TYPES and doc_date is not None:
        return f"{label} {doc_date:%d.%m.%Y}"
    return label


def assess(employee: Employee, documents: list[Document], confident_score: float) -> Assessment:
    """Findings, the robot's own acts and what a person must decide, for one personnel file."""
    out = Assessment()
    present: set[str] = set()
    maybe: set[str] = set()
    for doc in documents:
        kind = certain_type(doc, confident_score)
        _check_owner(employee, doc, kind, out)
        if not doc.readable:
            out.manual.append(("unreadable_document", f"Dokument {doc.doc_id} kan ikke læses ({doc.problem})."))
            out.attach.append(doc.doc_id)
            maybe.add(doc.filed_type)
            continue
        if kind is None:
            out.findings.append(Finding("uncertain", doc.doc_id, doc.predicted,
                                        f"journaliseret som {doc.filed_type}; robottens bud: {_scores(doc)}"))
            out.manual.append(("uncertain_type", f"Dokument {doc.doc_id} er journaliseret som {doc.filed_type}, men "
                               f"robotten er ikke sikker på, hvilken type det er ({_scores(doc)})."))
            out.attach.append(doc.doc_id)
            if doc.owner != "foreign":
                maybe.update({doc.filed_type, *(t for t, s in doc.scores.items() if s >= MAYBE_SCORE)})
            continue
        if kind != doc.filed_type:
            out.findings.append(Finding("misfiled", doc.doc_id, kind,
                                        f"journaliseret som {doc.filed_type}, indholdet er {kind} "
                                        f"(sikkerhed {_score(doc.score)})"))
            out.corrections.append(Correction(doc.doc_id, kind, doc.filed_type, doc.score))
        if doc.owner == "own":
            present.add(kind)
            if kind == "boerneattest":
                _check_certificate_date(employee, doc, out)
        elif doc.owner == "unknown":
            maybe.add(kind)
    _check_required(employee, present, maybe, out)
    return out


def _score(score: float) -> str:
    """0.5512 -> '0,55' (Danish decimal comma)."""
    return decimal_comma(score, ".2f")


def _scores(doc: Document) -> str:
    """'boerneattest 0,55; straffeattest 0,40': the classifier's top types (semicolons: the comma is decimal)."""
    return "; ".join(f"{t} {_score(s)}" for t, s in doc.scores.items()) or "ingen vurdering"


def _check_owner(employee: Employee, doc: Document, kind: str | None, out: Assessment) -> None:
    if doc.owner == "foreign":
        who = doc.foreign_owner or "en anden person"
        out.findings.append(Finding("wrong_employee", doc.doc_id, kind or doc.filed_type,
                                    f"nævner {who}, ikke medarbejder {employee.employee_no}"))
        out.manual.append(("wrong_employee", f"Dokument {doc.doc_id} ({kind or doc.filed_type}) i personalesagen for "
                           f"medarbejder {employee.employee_no} nævner {who}: flyt det til den rigtige "
                           "personalesag."))
        out.attach.append(doc.doc_id)
    elif doc.owner == "unknown":
        out.findings.append(Finding("uncertain", doc.doc_id, kind or doc.filed_type,
                                    "hverken medarbejderens CPR-nr. eller navn kan læses med sikkerhed"))
        out.manual.append(("owner_unknown", f"Dokument {doc.doc_id} nævner ikke tydeligt medarbejder "
                           f"{employee.employee_no}: kontrollér, hvem dokumentet handler om."))
        out.attach.append(doc.doc_id)


def _check_certificate_date(employee: Employee, doc: Document, out: Assessment) -> None:
    start = employee.job.start_date
    dated = doc.text_date or doc.filed_date
    if dated is None:
        out.manual.append(("certificate_date_unclear", f"Børneattesten {doc.doc_id} har ingen læsbar dato."))
        out.attach.append(doc.doc_id)
        return
    if doc.text_date and doc.filed_date and (is_late_certificate(doc.text_date, start)
                                             != is_late_certificate(doc.filed_date, start)):
        out.manual.append(("certificate_date_unclear", f"Børneattesten {doc.doc_id} er dateret "
                           f"{doc.text_date:%d.%m.%Y} i teksten, men journaliseret med datoen "
                           f"{doc.filed_date:%d.%m.%Y}; medarbejderen tiltrådte {start:%d.%m.%Y}."))
        out.attach.append(doc.doc_id)
        return
    if is_late_certificate(dated, start):
        out.findings.append(Finding("late_child_certificate", doc.doc_id, "boerneattest",
                                    f"dateret {dated:%d.%m.%Y}, medarbejderen tiltrådte {start:%d.%m.%Y}"))


def _check_required(employee: Employee, present: set[str], maybe: set[str], out: Assessment) -> None:
    for doc_type in required_documents(employee.job):
        if doc_type in present:
            continue
        if doc_type in maybe:  # an unsure document may be it: a person looks before anyone is asked
            out.manual.append(("uncertain_type", f"Dokumenttypen {doc_type}, som stillingen kræver, kan være et af "
                               "de uklare dokumenter."))
            continue
        out.findings.append(Finding("missing", "", doc_type, f"stillingen kræver et dokument af typen {doc_type}"))
        if employee.manager_no is None:
            out.manual.append(("no_manager", f"Personalesagen for medarbejder {employee.employee_no} mangler et "
                               f"dokument af typen {doc_type}, og medarbejderen har ingen leder, der kan bedes om "
                               "det."))
        else:
            out.requests.append(doc_type)
