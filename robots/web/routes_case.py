"""The case page and what a caseworker does there: take, release, reassign, comment, decide.

Every change goes through the queue's own API (``assign``, ``comment``, ``resolve``), so each is an
audit event in the item's history with the user (``desk:<name>``) as the actor.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..cpr import mask, mask_value
from ..queue import InvalidTransition, ItemNotFound, Status, WorkItem
from . import cases
from .app import render
from .desk import Row, process_of
from .security import SignedIn, signed_in
from .users import Session, User, ls

router = APIRouter(prefix="/sager")

ACTIONS = {
    "created": "Oprettet", "claimed": "Robotten tog sagen", "completed": "Færdig", "failed": "Stoppet",
    "retry_scheduled": "Nyt forsøg planlagt", "lease_expired": "Robotten svarede ikke", "resolved": "Afgjort",
    "assigned": "Tildeling", "commented": "Kommentar", "file_attached": "Fil gemt", "step_retry": "Forsøgt igen",
    "cancelled": "Annulleret", "retried": "Sendt til robotten igen", "deferred": "Udsat", "released": "Lagt tilbage",
}
STATUSES = {"new": "Venter på robotten", "in_progress": "Robotten arbejder", "done": "Færdig",
            "manual": "Manuel behandling", "cancelled": "Annulleret"}
RESOLUTIONS = {"done": "Løst manuelt", "new": "Sendt tilbage til robotten", "cancelled": "Annulleret"}


def _item(request: Request, item_id: int, user: User) -> tuple[WorkItem, str]:
    try:
        item = request.app.state.desk.backend.get(item_id)
    except ItemNotFound:
        raise HTTPException(404) from None
    process = process_of(item.queue)
    if not user.can_view(process):
        raise HTTPException(403)
    return item, process


def row_of(item: WorkItem) -> Row:
    """A list row for an item (the list's htmx updates)."""
    p = item.payload
    return Row(item.id, item.queue, item.reference, item.manual_reason, item.error_message, item.assigned_to,
               item.created_at, p.get("cpr"), p.get("name"), p.get("organisation"),
               p.get("period") or p.get("income_month") or p.get("run_period"))


def _assignees(request: Request, process: str) -> list[User]:
    return [u for u in ls(request.app.state.desk.backend) if u.active and u.can_decide(process)]


def case_context(request: Request, session: Session, item: WorkItem, process: str,
                 error: str = "", typed: dict[str, str] | None = None) -> dict[str, Any]:
    backend = request.app.state.desk.backend
    user = session.user
    view = cases.view_for(process)
    files = backend.files(item.id)
    facts = cases.facts_of(backend, item, files) or (item.payload if view.facts_in_payload else None)
    full = user.can_decide(process)
    shown_facts = facts if full or facts is None else mask_value(facts)
    payload = item.payload if full else mask_value(item.payload)
    events = backend.events(item.id)
    history = [{
        "event": e, "action": ACTIONS.get(e.action, e.action),
        "reason": (e.reason if full else mask(e.reason or "")) or "",
        "detail": e.detail if full else mask_value(e.detail),
        "resolution": RESOLUTIONS.get((e.detail or {}).get("resolution", "")) if e.action == "resolved" else None,
    } for e in events]
    open_ = item.status is Status.MANUAL
    return {
        "item": item, "process": process, "view": view, "facts": shown_facts, "payload": payload,
        "facts_ctx": view.context(shown_facts, item) if shown_facts else {},
        "full_cpr": full, "status_label": STATUSES.get(item.status.value, item.status.value),
        "may_decide": full and open_, "may_assign": user.can_assign(process) and open_,
        "may_comment": user.can_assign(process), "decisions": view.decisions,
        "correctable": cases.correctable(payload), "assignees": _assignees(request, process) if open_ else [],
        "images": [f for f in files if f.content_type.startswith("image/")],
        "documents": [f for f in files if not f.content_type.startswith("image/")],
        "history": history, "comments": [h for h in history if h["event"].action == "commented"],
        "error": error, "typed": typed or {},
    }


@router.get("/{item_id}")
def case_page(request: Request, item_id: int, session: SignedIn) -> Response:
    item, process = _item(request, item_id, session.user)
    return render(request, "case.html", case_context(request, session, item, process))


@router.get("/{item_id}/filer/{file_id}")
def case_file(request: Request, item_id: int, file_id: int, session: SignedIn) -> Response:
    """A stored file: images and PDFs inline, anything else (a captured HTML page) as a download."""
    item, _ = _item(request, item_id, session.user)
    backend = request.app.state.desk.backend
    ref = next((f for f in backend.files(item.id) if f.id == file_id), None)
    if ref is None:
        raise HTTPException(404)
    inline = ref.content_type.startswith("image/") or ref.content_type == "application/pdf"
    media = ref.content_type if inline or ref.content_type.startswith("application/json") else \
        "application/octet-stream"
    disposition = "inline" if inline else "attachment"
    safe_name = "".join(c for c in ref.name if c.isalnum() or c in "._-") or "fil"
    return Response(backend.file_content(ref.id), media_type=media, headers={
        "Content-Disposition": f'{disposition}; filename="{safe_name}"',
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        "Cache-Control": "private, max-age=300",
    })


def _back(request: Request, item: WorkItem, to_list: bool) -> Response:
    if request.headers.get("hx-request") and to_list:
        fresh = request.app.state.desk.backend.get(item.id)
        return render(request, "_queue_row.html", {"row": row_of(fresh)})
    return RedirectResponse("/" if to_list else f"/sager/{item.id}", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _change(fn: Any, *args: Any) -> WorkItem:
    try:
        return fn(*args)  # type: ignore[no-any-return]
    except InvalidTransition as exc:
        raise HTTPException(409, "Sagen er ikke længere til manuel behandling (en anden har måske afgjort den). "
                                 f"({exc})") from None


@router.post("/{item_id}/tag")
async def take(request: Request, item_id: int) -> Response:
    form = await _form(request)
    return await _run(request, _take, item_id, form)


@router.post("/{item_id}/frigiv")
async def release(request: Request, item_id: int) -> Response:
    form = await _form(request)
    return await _run(request, _release, item_id, form)


@router.post("/{item_id}/tildel")
async def reassign(request: Request, item_id: int) -> Response:
    form = await _form(request)
    return await _run(request, _reassign, item_id, form)


@router.post("/{item_id}/kommentar")
async def comment(request: Request, item_id: int) -> Response:
    form = await _form(request)
    return await _run(request, _comment, item_id, form)


@router.post("/{item_id}/afgoer")
async def decide(request: Request, item_id: int) -> Response:
    form = await _form(request)
    return await _run(request, _decide, item_id, form)


async def _run(request: Request, action: Any, item_id: int, form: dict[str, str]) -> Response:
    """The session and the action off the event loop (both use the database)."""
    session = await run_in_threadpool(signed_in, request)
    return await run_in_threadpool(action, request, session, item_id, form)  # type: ignore[no-any-return]


def _take(request: Request, session: Session, item_id: int, form: dict[str, str]) -> Response:
    item, process = _item(request, item_id, session.user)
    if not session.user.can_decide(process):
        raise HTTPException(403)
    if item.assigned_to != session.user.name:
        item = _change(request.app.state.desk.backend.assign, item.id, session.user.actor, session.user.name)
    return _back(request, item, form.get("tilbage") == "liste")


def _release(request: Request, session: Session, item_id: int, form: dict[str, str]) -> Response:
    item, process = _item(request, item_id, session.user)
    if not session.user.can_assign(process):
        raise HTTPException(403)
    if item.assigned_to is not None:
        item = _change(request.app.state.desk.backend.assign, item.id, session.user.actor, None)
    return _back(request, item, form.get("tilbage") == "liste")


def _reassign(request: Request, session: Session, item_id: int, form: dict[str, str]) -> Response:
    item, process = _item(request, item_id, session.user)
    if not session.user.can_assign(process):
        raise HTTPException(403)
    target = form.get("til", "").strip()
    if target not in {u.name for u in _assignees(request, process)}:
        raise HTTPException(400, f"{target or '(ingen)'} kan ikke få sager fra {cases.title_of(process)}.")
    if item.assigned_to != target:
        item = _change(request.app.state.desk.backend.assign, item.id, session.user.actor, target)
    return _back(request, item, form.get("tilbage") == "liste")


def _comment(request: Request, session: Session, item_id: int, form: dict[str, str]) -> Response:
    item, process = _item(request, item_id, session.user)
    if not session.user.can_assign(process):
        raise HTTPException(403)
    text = form.get("tekst", "").strip()
    if not text:
        return render(request, "case.html", case_context(request, session, item, process,
                                                         error="Skriv en kommentar først."), 400)
    request.app.state.desk.backend.comment(item.id, session.user.actor, text[:4000])
    return RedirectResponse(f"/sager/{item.id}#historik", status_code=303)


def _decide(request: Request, session: Session, item_id: int, form: dict[str, str]) -> Response:
    item, process = _item(request, item_id, session.user)
    user = session.user
    if not user.can_decide(process):
        raise HTTPException(403)
    if item.status is not Status.MANUAL:
        raise HTTPException(409, "Sagen er ikke længere til manuel behandling.")
    if item.assigned_to not in (None, user.name):
        raise HTTPException(409, f"Sagen er tildelt {item.assigned_to}. Overtag den først, hvis du vil afgøre den.")
    decision = cases.view_for(process).decision(form.get("beslutning", ""))
    if decision is None:
        raise HTTPException(400, "Vælg en af de afgørelser, siden tilbyder.")
    text = form.get("kommentar", "").strip()[:4000]
    typed = {k.removeprefix("ret_"): v for k, v in form.items() if k.startswith("ret_")}

    def again(message: str) -> Response:
        context = case_context(request, session, item, process, error=message, typed=typed)
        return render(request, "case.html", {**context, "chosen": decision.key, "comment_text": text}, 400)

    if decision.comment_required and not text:
        return again(f"«{decision.label}» kræver en kommentar: skriv hvad du har gjort eller hvorfor.")
    try:
        payload = cases.corrected_payload(item, decision, typed)
    except ValueError as exc:
        return again(f"Rettelsen kan ikke bruges: {exc}")
    _change(request.app.state.desk.backend.resolve, item.id, user.actor, decision.resolution,
            text or decision.default_comment, payload)
    return RedirectResponse(f"/?afgjort={item.id}", status_code=303)
