"""The list of manual items (the desk's front page) and its export to Excel."""

from __future__ import annotations

from io import BytesIO

from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook

from ..cpr import mask
from ..queue import ItemNotFound
from ..timeutil import now
from . import cases, fmt
from .app import render
from .desk import AGES, Cursor, Filters, Row
from .security import SignedIn
from .users import Session, ls

router = APIRouter()

EXPORT_COLUMNS = ("Id", "Proces", "Kø", "Reference", "CPR", "Navn", "Organisation", "Periode", "Årsag (kode)",
                  "Årsag", "Begrundelse", "Tildelt", "Oprettet", "Alder (dage)")


def list_context(request: Request, session: Session) -> dict[str, object]:
    state = request.app.state.desk
    filters = Filters.from_query(request.query_params)
    cursor = Cursor.parse(request.query_params.get("side"))
    page = state.desk.page(session.user, filters, cursor)
    resolved = None
    resolved_id = request.query_params.get("afgjort", "")
    if resolved_id.isdigit():
        try:
            item = state.backend.get(int(resolved_id))
            if session.user.can_view(item.queue.split(".", 1)[0]):
                resolved = item
        except ItemNotFound:
            pass
    return {
        "filters": filters, "page": page, "processes": state.desk.processes(session.user),
        "organisations": state.desk.organisations(), "periods": state.desk.periods(), "ages": AGES,
        "resolved": resolved, "colleagues": _assignees(request, session),
    }


def _assignees(request: Request, session: Session) -> list[str]:
    return sorted(u.name for u in ls(request.app.state.desk.backend) if u.active and "caseworker" in u.roles)


@router.get("/")
def queue_page(request: Request, session: SignedIn) -> Response:
    context = list_context(request, session)
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "liste":
        return render(request, "_queue_list.html", context)
    return render(request, "queue.html", context)


@router.get("/eksport.xlsx")
def export(request: Request, session: SignedIn) -> Response:
    """The filtered list as an Excel workbook: CPR numbers masked (an export is meant for operations)."""
    state = request.app.state.desk
    filters = Filters.from_query(request.query_params)
    rows = state.desk.export_rows(session.user, filters)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Manuel behandling")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append(_export_row(row))
    info = workbook.create_sheet("Om udtrækket")
    info.append(["Udtrukket", fmt.tid(now())])
    info.append(["Af", session.user.name])
    info.append(["Filtre", ", ".join(f"{k}={v}" for k, v in filters.params().items()) or "ingen"])
    info.append(["Rækker", len(rows)])
    info.append(["CPR-numre", "maskeret (DDMMÅÅ-XXXX)"])
    buffer = BytesIO()
    workbook.save(buffer)
    stamp = now().strftime("%Y%m%d-%H%M")
    return Response(buffer.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="manuel-behandling-{stamp}.xlsx"'})


def _export_row(row: Row) -> list[object]:
    return [row.id, cases.title_of(row.process), row.queue, mask(row.reference), fmt.cpr(row.cpr), row.name or "",
            row.organisation or "", row.period or "", row.reason or "", cases.reason_label(row.process, row.reason),
            mask(row.message or ""), row.assigned_to or "", fmt.tid(row.created_at), (now() - row.created_at).days]
