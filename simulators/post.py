"""The digital post outbox: send a PDF letter to a CPR number, list what was sent. JSON API under /post/."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from robots.cpr import normalise

from .api import ApiError, add_token_route, api_session, page_params, paged, state_of
from .model import Message

SYSTEM = "post"
MAX_BYTES = 10 * 1024 * 1024
router = APIRouter()
add_token_route(router, SYSTEM)


def message_json(msg: Message) -> dict[str, Any]:
    """One sent message (without its content)."""
    return {
        "message_id": msg.message_id,
        "cpr": msg.cpr,
        "subject": msg.subject,
        "reference": msg.reference,
        "filename": msg.filename,
        "size": len(msg.content),
        "sent_at": msg.sent_at.isoformat(),
        "sent_by": msg.sent_by,
        "channel": msg.channel,
    }


@router.post("/api/v1/messages", status_code=201)
async def send(request: Request) -> JSONResponse:
    """Send a letter: multipart fields cpr, subject, reference (optional) and file (a PDF)."""
    session = api_session(request, SYSTEM)
    state = state_of(request)
    form = await request.form()
    upload = form.get("file")
    try:
        cpr = normalise(str(form.get("cpr", "")))
    except ValueError:
        raise ApiError(422, "invalid_recipient", "cpr must be DDMMYY-SSSS") from None
    subject = str(form.get("subject", "")).strip()
    if not subject or len(subject) > 120:
        raise ApiError(422, "invalid_subject", "subject is required, at most 120 characters")
    if not isinstance(upload, UploadFile):
        raise ApiError(422, "missing_file", "file (a PDF) is required")
    content = await upload.read()
    if not content.startswith(b"%PDF-") or len(content) > MAX_BYTES:
        raise ApiError(415, "unsupported_media_type", "only PDF documents up to 10 MB can be sent")
    with state.lock:
        emp = state.employees_by_cpr.get(cpr)
        channel = "print" if emp is not None and emp.digital_post_exempt else "digital"
        msg = Message(f"M{state.next_number('message'):08d}", cpr, subject, str(form.get("reference", "")).strip(),
                      upload.filename or "brev.pdf", content, state.now(), session.user, channel)
        state.messages[msg.message_id] = msg
    state.record(SYSTEM, "send", message_id=msg.message_id, cpr=cpr, reference=msg.reference)
    return JSONResponse(message_json(msg), status_code=201)


@router.get("/api/v1/messages")
def messages(request: Request, cpr: str = "", reference: str = "", page: int | None = None,
             page_size: int | None = None) -> dict[str, Any]:
    """Sent messages, oldest first, filtered by CPR and/or exact reference."""
    api_session(request, SYSTEM)
    state = state_of(request)
    page_no, size = page_params(page, page_size)
    key = ""
    if cpr:
        try:
            key = normalise(cpr)
        except ValueError:
            raise ApiError(400, "invalid_request", "cpr must be DDMMYY-SSSS") from None
    with state.lock:
        found = [message_json(m) for m in state.messages.values()
                 if (not key or m.cpr == key) and (not reference or m.reference == reference)]
    return paged(found, page_no, size)


@router.get("/api/v1/messages/{message_id}")
def message(request: Request, message_id: str) -> dict[str, Any]:
    """One sent message's metadata."""
    api_session(request, SYSTEM)
    msg = state_of(request).messages.get(message_id)
    if msg is None:
        raise ApiError(404, "not_found", "No such message")
    return message_json(msg)


@router.get("/api/v1/messages/{message_id}/content")
def message_content(request: Request, message_id: str) -> Response:
    """The PDF that was sent."""
    api_session(request, SYSTEM)
    msg = state_of(request).messages.get(message_id)
    if msg is None:
        raise ApiError(404, "not_found", "No such message")
    return Response(msg.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{msg.filename}"'})
