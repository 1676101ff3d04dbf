"""Personnel files in the ESDH archive: document metadata, planted problems and their ground truth.

Only metadata is generated here (~29 documents per employee); the content is rendered on download
by simulators.documents, deterministically from the seed and the document id.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from . import names
from .model import DOC_TYPES, Document, Employee
from .util import fmt_date, sub_rng

if TYPE_CHECKING:
    from .generate import Population

# Shares of the planted problems (per employee, per required document).
MISSING_RATE = 0.05  # each required document is missing with this probability
LATE_CERTIFICATE_RATE = 0.07  # of employees with a child-protection certificate
MISFILED_RATE = 0.09  # employees with one document under a wrong type/title
WRONG_EMPLOYEE_RATE = 0.03  # employees with another employee's document in their file

EXTRA_MIX = {"loenaftale": 25, "aendringsbrev": 18, "kursusbevis": 25, "mus": 14, "korrespondance": 18}
CERTIFICATES = ("boerneattest", "straffeattest", "autorisation", "eksamensbevis", "opholdstilladelse")
TOPICS = ("arbejdstid", "ferieplanlægning", "seniorsamtale", "tjenestefrihed", "nøgler og adgangskort",
          "lønseddel", "befordring", "omsorgsdage", "arbejdsskade", "telefon og computer")


def required_types(emp: Employee) -> list[str]:
    """The documents the job requires (RULES.md section 5), in a fixed order."""
    req = []
    if emp.hours_per_week > 3:
        req.append("ansaettelsesbrev")
    if emp.contact_with_children:
        req.append("boerneattest")
    if emp.authorised_health:
        req.append("autorisation")
    if emp.criminal_record_required:
        req.append("straffeattest")
    return req


FORMATS = ("docx", "pdf_text", "pdf_image", "tiff")
# Cumulative weights of the formats: certificates (new, old), other documents (old, new).
_CUM_FORMATS = {
    (True, False): (0, 30, 65, 100),
    (True, True): (0, 10, 50, 100),
    (False, True): (10, 20, 55, 100),
    (False, False): (50, 82, 90, 100),
}


def _format(rng: random.Random, doc_type: str, when: date) -> str:
    cum = _CUM_FORMATS[(doc_type in CERTIFICATES, when.year < 2010)]
    return rng.choices(FORMATS, cum_weights=cum)[0]


def _title(doc_type: str, when: date, detail: str) -> str:
    match doc_type:
        case "loenaftale":
            return f"Lønaftale {when.year}"
        case "aendringsbrev":
            return f"Ændring af ansættelse {fmt_date(when)}"
        case "kursusbevis":
            return f"Kursusbevis - {detail}"
        case "mus":
            return f"MUS-referat {when.year}"
        case "korrespondance":
            return f"Brev vedr. {detail}"
        case "eksamensbevis":
            return "Eksamensbevis"
        case _:
            return DOC_TYPES[doc_type]


def _between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _plan(rng: random.Random, emp: Employee, today: date, mean: int, foreign: bool) -> list[tuple[str, date, str]]:
    """(type, date, detail) for one employee's file before any problem is planted."""
    start, end = emp.start_date, min(today, emp.leaving_date or today)
    plan: list[tuple[str, date, str]] = [("ansoegning", start - timedelta(days=rng.randint(30, 120)), "")]
    if emp.hours_per_week > 3 or rng.random() < 0.5:
        plan.append(("ansaettelsesbrev", start - timedelta(days=rng.randint(8, 45)), ""))
    if emp.contact_with_children:
        plan.append(("boerneattest", start - timedelta(days=rng.randint(5, 60)), ""))
    if emp.authorised_health:
        plan.append(("autorisation", start - timedelta(days=rng.randint(60, 2500)), ""))
    if emp.criminal_record_required:
        plan.append(("straffeattest", start - timedelta(days=rng.randint(5, 45)), ""))
    if foreign:
        plan.append(("opholdstilladelse", start - timedelta(days=rng.randint(20, 200)), ""))
    for _ in range(rng.choice((1, 1, 2))):
        plan.append(("eksamensbevis", start - timedelta(days=rng.randint(60, 4000)), ""))
    if emp.leaving_date and emp.leaving_date < today:
        plan.append(("fratraedelse", emp.leaving_date - timedelta(days=rng.randint(30, 60)), ""))
    total = max(len(plan) + 2, round(rng.gauss(mean, mean * 0.18)))
    kinds, cum = list(EXTRA_MIX), list(itertools.accumulate(EXTRA_MIX.values()))
    while len(plan) < total:
        kind = rng.choices(kinds, cum_weights=cum)[0]
        detail = rng.choice(names.COURSES) if kind == "kursusbevis" else (
            rng.choice(TOPICS) if kind == "korrespondance" else "")
        plan.append((kind, _between(rng, start, end), detail))
    plan.sort(key=lambda p: (p[1], p[0]))
    return plan


def _truth_for(emp: Employee, docs: list[Document]) -> list[dict[str, Any]]:
    """The problems in one personnel file, computed from the documents as filed."""
    problems: list[dict[str, Any]] = []
    own = [d for d in docs if d.true_owner_cpr == emp.cpr]
    present = {d.true_type for d in own}
    for doc_type in required_types(emp):
        if doc_type not in present:
            problems.append({"problem": "missing", "doc_type": doc_type})
    for d in docs:
        if d.true_owner_cpr != emp.cpr:
            problems.append({"problem": "wrong_employee", "doc_id": d.doc_id, "belongs_to": d.true_owner_cpr,
                             "true_type": d.true_type})
        if d.doc_type != d.true_type:
            problems.append({"problem": "misfiled", "doc_id": d.doc_id, "filed_type": d.doc_type,
                             "filed_title": d.title, "true_type": d.true_type})
        if d.true_type == "boerneattest" and d.true_owner_cpr == emp.cpr and d.doc_date >= emp.start_date:
            problems.append({"problem": "late_child_certificate", "doc_id": d.doc_id,
                             "certificate_date": d.doc_date.isoformat(), "start_date": emp.start_date.isoformat()})
    return problems


def generate_files(pop: Population) -> None:
    """All personnel files' documents (metadata) and the per-employee ground truth, into ``pop``."""
    settings = pop.settings
    rng = sub_rng(settings.seed, "files")
    today = settings.today
    files: dict[str, list[Document]] = {}
    counter = 0
    foreign_names = {f"{first} {last}" for first, last, _ in names.FOREIGN}
    for emp in pop.employees:
        docs: list[Document] = []
        plan = _plan(rng, emp, today, settings.docs_per_file, emp.name in foreign_names)
        required = required_types(emp)
        late = emp.contact_with_children and rng.random() < LATE_CERTIFICATE_RATE
        for doc_type, when, detail in plan:
            if doc_type in required and rng.random() < MISSING_RATE:
                continue
            if doc_type == "boerneattest" and late:
                when = _between(rng, emp.start_date + timedelta(days=3), max(today - timedelta(days=1),
                                emp.start_date + timedelta(days=3)))
                when = min(when, emp.start_date + timedelta(days=200))
            counter += 1
            fmt = _format(rng, doc_type, when)
            doc = Document(
                doc_id=f"D{counter:07d}", file_cpr=emp.cpr, title=_title(doc_type, when, detail),
                doc_type=doc_type, doc_date=when, fmt=fmt, true_type=doc_type, true_owner_cpr=emp.cpr,
                journalised_at=min(today, when + timedelta(days=rng.randint(0, 20))),
            )
            doc.filename = f"{doc.doc_id}.{doc.format}"
            doc.detail = detail
            docs.append(doc)
        files[emp.cpr] = docs
    _plant_misfiled(rng, pop, files)
    pop.documents = [d for emp in pop.employees for d in files[emp.cpr]]
    pop.truth["personnel_files"] = {
        emp.cpr: {"employee_no": emp.employee_no, "required": required_types(emp),
                  "problems": _truth_for(emp, files[emp.cpr])}
        for emp in pop.employees
    }


def _plant_misfiled(rng: random.Random, pop: Population, files: dict[str, list[Document]]) -> None:
    """Documents under a wrong type/title, and documents moved into another employee's file."""
    wrong_types = [t for t in DOC_TYPES if t not in ("andet", "fratraedelse")]
    employees = pop.employees
    for emp in employees:
        docs = files[emp.cpr]
        if docs and rng.random() < MISFILED_RATE:
            doc = rng.choice(docs)
            if doc.fmt in ("tiff", "pdf_image") and rng.random() < 0.5:
                doc.doc_type, doc.title = "andet", f"Skannet dokument {fmt_date(doc.journalised_at)}"
            else:
                doc.doc_type = rng.choice([t for t in wrong_types if t != doc.true_type])
                detail = rng.choice(names.COURSES if doc.doc_type == "kursusbevis" else TOPICS)
                doc.title = _title(doc.doc_type, doc.doc_date, detail)
        if rng.random() < WRONG_EMPLOYEE_RATE and len(employees) > 1:
            other = rng.choice(employees)
            if other.cpr != emp.cpr and files[other.cpr]:
                doc = files[other.cpr].pop(rng.randrange(len(files[other.cpr])))
                doc.file_cpr = emp.cpr
                docs.append(doc)
                docs.sort(key=lambda d: (d.doc_date, d.doc_id))
