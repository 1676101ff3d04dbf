"""Turning a personnel file's documents into facts for the rules: download, read, classify, look.

The expensive part of the check (OCR) happens here, one document after the other inside one
worker; the parallelism comes from N workers each working one employee.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from robots.cpr import mask
from robots.runtime import BusinessError

from . import rules
from .classifier import DocumentClassifier
from .reading import OcrSettings, ReadResult, UnreadableDocument, read_document, sniff
from .systems import Esdh
from .textfacts import cpr_numbers, issue_date, mentions_name

# The formats ``reading.sniff`` tells apart, as a caseworker calls them (in "why it cannot be read").
FORMAT_NAMES = {"docx": "Word", "pdf": "PDF", "tiff": "TIFF", "image": "billede", "unknown": "ukendt format"}


@dataclass
class Inspected:
    """One document: its metadata, bytes, what reading found and the facts for the rules."""

    meta: dict[str, Any]
    content: bytes
    facts: rules.Document
    reading: ReadResult | None = None
    others: list[str] = field(default_factory=list)  # the other CPR numbers it names

    def summary(self) -> dict[str, Any]:
        """The document in the item's output: how it was read and what it was found to be."""
        f = self.facts
        return {"doc_id": f.doc_id, "format": self.meta.get("format", ""), "title": self.meta.get("title", ""),
                "filed_type": f.filed_type, "read": self.reading.method if self.reading else "unreadable",
                "type": f.predicted, "score": f.score, "scores": f.scores, "owner": f.owner,
                "seconds": self.reading.seconds if self.reading else None}


@dataclass
class Timing:
    download: float = 0.0
    read: float = 0.0
    ocr_pages: int = 0
    documents: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"download": round(self.download, 3), "read": round(self.read, 3), "ocr_pages": self.ocr_pages,
                "documents": self.documents, "by_method": self.by_method}


def employee_from_file(personnel_file: dict[str, Any], reference: str) -> rules.Employee:
    """The rules' view of the employee; bad data from the archive is a reason for a person."""
    try:
        job = personnel_file["employment"]
        manager = personnel_file.get("manager") or None
        return rules.Employee(
            cpr=personnel_file["cpr"], employee_no=str(personnel_file["employee_no"]), name=personnel_file["name"],
            job=rules.Job(
                hours_per_week=Decimal(str(job["hours_per_week"])),
                start_date=date.fromisoformat(job["start_date"]),
                contact_with_children=bool(job["contact_with_children"]),
                authorised_health=bool(job["authorised_health"]),
                criminal_record_required=bool(job["criminal_record_required"]),
            ),
            manager_no=str(manager["employee_no"]) if manager else None,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        why = (f"feltet {mask(str(exc))[:120]} mangler" if isinstance(exc, KeyError)
               else f"{type(exc).__name__}: {mask(str(exc))[:120]}")
        raise BusinessError("bad_personnel_file", f"Personalesagen for CPR-nr. {mask(reference)} i ESDH kan ikke "
                            f"læses ({why}).") from None


def inspect_documents(esdh: Esdh, employee: rules.Employee, listed: list[dict[str, Any]],
                      classifier: DocumentClassifier, ocr: OcrSettings,
                      refiled_earlier: dict[str, dict[str, Any]]) -> tuple[list[Inspected], Timing]:
    """Download, read and classify every listed document; the facts the rules need about each."""
    timing = Timing()
    inspected: list[Inspected] = []
    for meta in listed:
        started = time.perf_counter()
        content = esdh.content(meta["doc_id"])
        timing.download += time.perf_counter() - started
        started = time.perf_counter()
        inspected.append(_read_one(meta, content, ocr, employee, refiled_earlier))
        timing.read += time.perf_counter() - started
    readable = [i for i in inspected if i.reading is not None]
    for doc, found in zip(readable, classifier.classify_many([i.reading.text for i in readable]), strict=True):
        doc.facts = replace(doc.facts, predicted=found.doc_type, score=found.score, scores=found.scores)
    owners: dict[str, str] = {}
    for doc in inspected:
        if doc.facts.owner == "foreign":
            doc.facts = replace(doc.facts, foreign_owner=_who(esdh, doc.others, owners))
        if doc.reading is not None:
            timing.ocr_pages += doc.reading.ocr_pages
            timing.by_method[doc.reading.method] = timing.by_method.get(doc.reading.method, 0) + 1
    timing.documents = len(inspected)
    return inspected, timing


def _read_one(meta: dict[str, Any], content: bytes, ocr: OcrSettings, employee: rules.Employee,
              refiled_earlier: dict[str, dict[str, Any]]) -> Inspected:
    filed_type = meta["doc_type"]
    earlier = refiled_earlier.get(meta["doc_id"])
    if earlier and earlier.get("to") == filed_type:  # re-filed by this robot on an earlier attempt
        filed_type = earlier["from"]
    filed_date = _iso_date(meta.get("date"))
    try:
        reading = read_document(content, ocr)
        if not reading.text:
            raise UnreadableDocument("ingen tekst fundet, heller ikke med OCR" if reading.ocr_pages
                                     else "ingen tekst i dokumentet")
    except UnreadableDocument as exc:
        facts = rules.Document(meta["doc_id"], filed_type, filed_date, readable=False,
                               problem=f"{FORMAT_NAMES.get(sniff(content), sniff(content))}: {exc}")
        return Inspected(meta, content, facts)
    cprs = cpr_numbers(reading.text)
    owner, others = rules.ownership(cprs, mentions_name(reading.text, employee.name), employee.cpr)
    facts = rules.Document(meta["doc_id"], filed_type, filed_date, owner=owner, text_date=issue_date(reading.text))
    return Inspected(meta, content, facts, reading, others)


def _who(esdh: Esdh, cprs: list[str], cache: dict[str, str]) -> str:
    """Who a foreign document names: employee number and name from their personnel file (no CPR)."""
    cpr = cprs[0]
    if cpr not in cache:
        found = esdh.personnel_file(cpr)
        cache[cpr] = (f"medarbejder {found['employee_no']} ({found['name']})" if found
                      else f"et CPR-nr. uden personalesag ({mask(cpr)})")
    return cache[cpr]


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
