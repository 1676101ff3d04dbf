"""The steps of the personnel-file check, as robocorp tasks (robot.yaml lists them).

- ``produce``: one item per employee of the configured organisations, read from the payroll
  system. With no organisations configured it adds nothing: the list came from HR and was imported
  (``robots queue import list.xlsx --queue personnel_files.employees --reference-column cpr``).
- ``check``: one employee's personnel file (see ``__init__``); run it with N workers.
- ``report``: the result workbook of the review, written into the run's artifacts directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from robots.cpr import mask, normalise
from robots.queue import NewItem, WorkItem
from robots.runtime import BusinessError, StepContext

from . import PROCESS, QUEUE, Config, acts, rules
from .classifier import load_classifier
from .examine import employee_from_file, inspect_documents
from .reading import OcrSettings
from .systems import DigitalPost, Esdh, Payroll
from .workbook import write_report

ASSESSMENT_FILE = "assessment.json"
MAX_SENTENCE = 1500
# What was done about a finding, in Danish (the report's "Handling" column; HR staff read it).
REFILED = {"corrected": "omjournaliseret", "already corrected": "allerede omjournaliseret"}
REQUESTED = {"requested": "rekvireret", "already requested": "allerede rekvireret"}
MANAGER = " hos leder "  # "rekvireret hos leder 100001 (besked M-17)"
DEFAULT_ACTIONS = {"wrong_employee": "til en sagsbehandler", "uncertain": "til en sagsbehandler",
                   "late_child_certificate": "rapporteret", "missing": "til en sagsbehandler"}


def _in_organisations(organisation: str, wanted: list[str]) -> bool:
    """"2101 Østre Skole (Børn og Unge)" is in "2101" (a code matches whole), "Østre Skole" and "Børn og Unge"."""
    code, _, name = organisation.partition(" ")
    return any(w == code if w.isdigit() else w.casefold() in name.casefold() for w in wanted)


@PROCESS.producer(output=QUEUE, browser=True)
def produce(ctx: StepContext) -> Iterable[NewItem]:
    """One item per employee of the configured organisations (a second run adds nothing)."""
    config: Config = ctx.config  # type: ignore[assignment]
    if not config.organisations:
        ctx.log.info("no organisations configured: the employees come from an imported list")
        return
    payroll = Payroll(ctx)
    seen: set[str] = set()
    for term in config.search_terms:
        for row in payroll.search(term):
            if row.employee_no in seen:
                continue
            seen.add(row.employee_no)
            if not _in_organisations(row.organisation, config.organisations):
                continue
            if row.status != "Aktiv" and not config.include_former_employees:
                continue
            cpr = normalise(row.cpr)
            yield NewItem(cpr, {"cpr": cpr, "employee_no": row.employee_no, "organisation": row.organisation})


def _cpr_of(item: WorkItem) -> str:
    raw = str(item.payload.get("cpr") or item.reference)
    try:
        return normalise(raw)
    except ValueError:
        raise BusinessError("bad_input", f"Rækken »{mask(item.reference)}« i listen indeholder ikke et CPR-nr. "
                            "(DDMMÅÅ-SSSS), så personalesagen kan ikke findes.") from None


@PROCESS.consumer(queue=QUEUE)
def check(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Check one employee's personnel file, re-file and request what the robot may, hand over the rest."""
    config: Config = ctx.config  # type: ignore[assignment]
    cpr = _cpr_of(item)
    esdh = Esdh(ctx)
    personnel_file = esdh.personnel_file(cpr)
    if personnel_file is None:
        who = item.payload.get("employee_no") or mask(cpr)
        raise BusinessError("no_personnel_file", f"Medarbejder {who} har ingen personalesag i ESDH.")
    employee = employee_from_file(personnel_file, cpr)
    classifier = load_classifier(config.model_path)
    ocr = OcrSettings(config.ocr_language, config.ocr_timeout_seconds, config.ocr_threads)
    listed = esdh.documents(cpr)
    inspected, timing = inspect_documents(esdh, employee, listed, classifier, ocr,
                                          acts.refiled_earlier(ctx, item.id))
    assessment = rules.assess(employee, [d.facts for d in inspected], config.confident_score)
    findings = _act(ctx, config, esdh, personnel_file, employee, inspected, assessment)

    manual_code = assessment.manual_code
    output = {
        "employee_no": employee.employee_no, "name": employee.name,
        "organisation": personnel_file["employment"].get("org_name", ""),
        "position": personnel_file["employment"].get("position", ""),
        "status": "manual" if manual_code else ("findings" if findings else "ok"),
        "required": rules.required_documents(employee.job),
        "findings": findings,
        "manual": [{"code": c, "sentence": s} for c, s in assessment.manual],
        "documents": [d.summary() for d in inspected],
        "model_version": classifier.version, "timing": timing.to_dict(),
    }
    if manual_code:
        _hand_over(ctx, inspected, assessment, output)
        raise BusinessError(manual_code, _sentence(employee, assessment))
    ctx.log.info("personnel file checked", status=output["status"], documents=timing.documents,
                 findings=len(findings), ocr_pages=timing.ocr_pages)
    return output


def _act(ctx: StepContext, config: Config, esdh: Esdh, personnel_file: dict[str, Any], employee: rules.Employee,
         inspected: list[Any], assessment: rules.Assessment) -> list[dict[str, Any]]:
    """Re-file and request what the rules allow; every finding with what was done about it."""
    by_id = {d.facts.doc_id: d for d in inspected}
    done: dict[tuple[str, str], str] = {}
    if assessment.corrections:
        labels = esdh.doc_type_labels()
        for correction in assessment.corrections:
            doc = by_id[correction.doc_id]
            title = rules.corrected_title(correction.doc_type, labels.get(correction.doc_type, correction.doc_type),
                                          doc.facts.text_date or doc.facts.filed_date)
            done[("misfiled", correction.doc_id)] = REFILED[acts.refile(ctx, esdh, correction, title)]
    manager = personnel_file.get("manager") or {}
    if assessment.requests:
        post = DigitalPost(ctx)
        for doc_type in assessment.requests:
            outcome, message_id = acts.request_missing(
                ctx, post, manager_cpr=manager["cpr"], manager_name=manager.get("name", ""), employee=employee,
                doc_type=doc_type, prefix=config.request_reference_prefix, municipality=config.municipality)
            done[("missing", doc_type)] = (f"{REQUESTED[outcome]}{MANAGER}{manager.get('employee_no', '')} "
                                           f"(besked {message_id})")
    findings = []
    for finding in assessment.findings:
        key = (finding.kind, finding.doc_id or finding.doc_type)
        action = done.get(key) or DEFAULT_ACTIONS.get(finding.kind, "")
        findings.append({"kind": finding.kind, "doc_id": finding.doc_id, "doc_type": finding.doc_type,
                         "detail": mask(finding.detail), "action": action})
    return findings


def _hand_over(ctx: StepContext, inspected: list[Any], assessment: rules.Assessment, output: dict[str, Any]) -> None:
    """Attach what a person needs: the documents in question and the whole assessment."""
    by_id = {d.facts.doc_id: d for d in inspected}
    for doc_id in dict.fromkeys(assessment.attach):
        doc = by_id.get(doc_id)
        if doc is not None:
            name = doc.meta.get("filename") or f"{doc_id}.{doc.meta.get('format', 'bin')}"
            ctx.attach(name, doc.content, doc.meta.get("mime_type", ""))
    ctx.attach(ASSESSMENT_FILE, json.dumps(output, ensure_ascii=False, indent=1).encode(), "application/json")


def _sentence(employee: rules.Employee, assessment: rules.Assessment) -> str:
    text = f"Personalesagen for medarbejder {employee.employee_no} ({employee.name}): {assessment.manual_sentence()}"
    return mask(text if len(text) <= MAX_SENTENCE else text[: MAX_SENTENCE - 1] + "…")


@PROCESS.producer(output=QUEUE)
def report(ctx: StepContext) -> Iterable[NewItem]:
    """Write the result workbook (one row per employee, one sheet per finding); adds no items."""
    config: Config = ctx.config  # type: ignore[assignment]
    path = report_path(ctx, config)
    summary = write_report(ctx.backend, QUEUE, path, run_id=ctx.run.id, assessment_file=ASSESSMENT_FILE)
    ctx.counts["report"] = str(path)
    ctx.counts["report_rows"] = summary["employees"]
    ctx.log.info("report written", file=str(path), employees=summary["employees"], findings=summary["findings"])
    return []


def report_path(ctx: StepContext, config: Config) -> Path:
    """conf's report_dir, else the run's artifacts directory, else runs/<run id>/."""
    from robots.runtime.runner import runs_dir

    if config.report_dir:
        return Path(config.report_dir) / f"personnel_files-{ctx.run.id}.xlsx"
    folder = Path(ctx.run.artifacts_dir) if ctx.run.artifacts_dir else runs_dir() / ctx.run.id
    return folder / "personnel_files_report.xlsx"
