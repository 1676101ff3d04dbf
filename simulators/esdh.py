"""The ESDH archive: personnel files and their documents. JSON API under /esdh/.

Documents are listed with their filed metadata (title, type, date, format). Content is rendered on
download; the format ``pdf`` covers PDFs with and without a text layer alike, as in a real archive.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from robots.cpr import normalise

from .api import ApiError, add_token_route, api_session, page_params, paged, state_of
from .documents import render
from .model import DOC_TYPES, MIME_TYPES, Document
from .state import SimState

SYSTEM = "esdh"
MAX_BYTES = 20 * 1024 * 1024
router = APIRouter()
add_token_route(router, SYSTEM)


def document_json(doc: Document) -> dict[str, Any]:
    """A document's metadata as the API returns it (never the ground truth)."""
    return {
        "doc_id": doc.doc_id,
        "cpr": doc.file_cpr,
        "title": doc.title,
        "doc_type": doc.doc_type,
        "doc_type_label": DOC_TYPES.get(doc.doc_type, doc.doc_type),
        "date": doc.doc_date.isoformat(),
        "format": doc.format,
        "mime_type": MIME_TYPES[doc.format],
        "filename": doc.filename,
        "journalised_at": doc.journalised_at.isoformat(),
    }


def _cpr(value: str) -> str:
    try:
        return normalise(value)
    except ValueError:
        raise ApiError(400, "invalid_request", "cpr must be DDMMYY-SSSS") from None


def _file(state: SimState, cpr: str) -> list[str]:
    ids = state.files.get(_cpr(cpr))
    if ids is None:
        raise ApiError(404, "not_found", "No personnel file for this CPR number")
    return ids


def _doc(state: SimState, doc_id: str) -> Document:
    doc = state.documents.get(doc_id)
    if doc is None:
        raise ApiError(404, "not_found", "No such document")
    return doc


def _sniff(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "pdf_upload"
    if content.startswith(b"PK\x03\x04"):
        return "docx"
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


@router.get("/api/v1/doc-types")
def doc_types(request: Request) -> dict[str, Any]:
    """The document types the archive knows: code and Danish label."""
    api_session(request, SYSTEM)
    return {"items": [{"code": code, "label": label} for code, label in DOC_TYPES.items()]}


@router.get("/api/v1/personnel-files/{cpr}")
def personnel_file(request: Request, cpr: str) -> dict[str, Any]:
    """A personnel file: the employee, the job facts that decide the required documents, the manager."""
    api_session(request, SYSTEM)
    state = state_of(request)
    with state.lock:
        ids = _file(state, cpr)
        emp = state.employees_by_cpr[_cpr(cpr)]
        org = state.population.orgs[emp.org_code]
        manager = state.employees.get(emp.manager_no or "")
        return {
            "file_id": f"PS-{emp.employee_no}",
            "cpr": emp.cpr,
            "employee_no": emp.employee_no,
            "name": emp.name,
            "document_count": len(ids),
            "employment": {
                "position": emp.position,
                "org_code": org.code,
                "org_name": org.name,
                "hours_per_week": str(emp.hours_per_week),
                "start_date": emp.start_date.isoformat(),
                "leaving_date": emp.leaving_date.isoformat() if emp.leaving_date else None,
                "contact_with_children": emp.contact_with_children,
                "authorised_health": emp.authorised_health,
                "criminal_record_required": emp.criminal_record_required,
            },
            "manager": {"employee_no": manager.employee_no, "name": manager.name, "cpr": manager.cpr}
            if manager else None,
        }


@router.get("/api/v1/personnel-files/{cpr}/documents")
def documents(request: Request, cpr: str, doc_type: str = "", page: int | None = None,
              page_size: int | None = None) -> dict[str, Any]:
    """The documents of a personnel file, by date, paged (default 20, max 100 per page)."""
    api_session(request, SYSTEM)
    state = state_of(request)
    page_no, size = page_params(page, page_size)
    with state.lock:
        docs = [state.documents[i] for i in _file(state, cpr)]
        found = [document_json(d) for d in sorted(docs, key=lambda d: (d.doc_date, d.doc_id))
                 if not doc_type or d.doc_type == doc_type]
    return paged(found, page_no, size)


@router.get("/api/v1/documents/{doc_id}")
def document(request: Request, doc_id: str) -> dict[str, Any]:
    """One document's metadata."""
    api_session(request, SYSTEM)
    state = state_of(request)
    with state.lock:
        return document_json(_doc(state, doc_id))


@router.get("/api/v1/documents/{doc_id}/content")
def content(request: Request, doc_id: str) -> Response:
    """The document's bytes (docx, pdf or tiff), identical on every call."""
    api_session(request, SYSTEM)
    state = state_of(request)
    doc = _doc(state, doc_id)
    data, mime = render(state, doc)
    return Response(data, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{doc.filename}"'})


@router.post("/api/v1/personnel-files/{cpr}/documents", status_code=201)
async def upload(request: Request, cpr: str) -> JSONResponse:
    """Journalise a document: multipart fields file, title, doc_type and date (åååå-mm-dd, default today)."""
    session = api_session(request, SYSTEM)
    state = state_of(request)
    form = await request.form()
    file = form.get("file")
    title = str(form.get("title", "")).strip()
    doc_type = str(form.get("doc_type", "")).strip()
    if not isinstance(file, UploadFile):
        raise ApiError(422, "missing_file", "file is required")
    if not title or len(title) > 200:
        raise ApiError(422, "invalid_title", "title is required, at most 200 characters")
    if doc_type not in DOC_TYPES:
        raise ApiError(422, "invalid_doc_type", "unknown doc_type", allowed=list(DOC_TYPES))
    try:
        when = date.fromisoformat(str(form.get("date") or state.settings.today.isoformat()))
    except ValueError:
        raise ApiError(422, "invalid_date", "date must be åååå-mm-dd") from None
    data = await file.read()
    fmt = _sniff(data)
    if fmt is None or len(data) > MAX_BYTES:
        raise ApiError(415, "unsupported_media_type", "docx, pdf or tiff up to 20 MB")
    with state.lock:
        key = _cpr(cpr)
        ids = _file(state, key)
        doc_id = f"D{state.next_number('doc'):07d}"
        doc = Document(doc_id, key, title, doc_type, when, fmt, doc_type, key, state.settings.today, content=data)
        doc.filename = file.filename or f"{doc_id}.{doc.format}"
        doc.history.append({"at": state.now().isoformat(), "by": session.user, "action": "journalised"})
        state.documents[doc_id] = doc
        ids.append(doc_id)
    state.record(SYSTEM, "upload", doc_id=doc_id, cpr=key, doc_type=doc_type, title=title)
    return JSONResponse(document_json(doc), status_code=201)


@router.patch("/api/v1/documents/{doc_id}")
async def update(request: Request, doc_id: str) -> dict[str, Any]:
    """Change title and/or doc_type, or move to another personnel file (``cpr``). JSON body."""
    session = api_session(request, SYSTEM)
    state = state_of(request)
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "invalid_request", "body must be JSON") from None
    if not isinstance(body, dict) or not body or set(body) - {"title", "doc_type", "cpr"}:
        raise ApiError(400, "invalid_request", "allowed fields: title, doc_type, cpr")
    with state.lock:
        doc = _doc(state, doc_id)
        changes: dict[str, Any] = {}
        if "doc_type" in body:
            if body["doc_type"] not in DOC_TYPES:
                raise ApiError(422, "invalid_doc_type", "unknown doc_type", allowed=list(DOC_TYPES))
            changes["doc_type"] = body["doc_type"]
        if "title" in body:
            title = str(body["title"]).strip()
            if not title or len(title) > 200:
                raise ApiError(422, "invalid_title", "title is required, at most 200 characters")
            changes["title"] = title
        if "cpr" in body:
            target = _cpr(str(body["cpr"]))
            _file(state, target)
            changes["file_cpr"] = target
        for key, value in changes.items():
            old = getattr(doc, key)
            if old == value:
                continue
            if key == "file_cpr":
                state.files[old].remove(doc_id)
                state.files[value].append(doc_id)
            setattr(doc, key, value)
            doc.history.append({"at": state.now().isoformat(), "by": session.user, "field": key, "old": old,
                                "new": value})
        state.record(SYSTEM, "update", doc_id=doc_id, **changes)
        return document_json(doc)
