"""The letter to a manager asking for a document missing from an employee's personnel file (PDF).

It names the employee by name and employee number (never the CPR number: the manager knows who
it is) and says what is missing and where to send it.
"""

from __future__ import annotations

import io
from datetime import date

DOCUMENT_NAMES = {
    "ansaettelsesbrev": "ansættelsesbrev",
    "boerneattest": "børneattest",
    "autorisation": "autorisation",
    "straffeattest": "straffeattest",
}
WHY = {
    "ansaettelsesbrev": "Medarbejderen arbejder mere end 3 timer om ugen og skal have et ansættelsesbrev.",
    "boerneattest": "Stillingen indebærer direkte kontakt med børn under 15 år; der skal foreligge en børneattest "
                    "indhentet før tiltrædelsen.",
    "autorisation": "Medarbejderen er ansat som autoriseret sundhedsperson; autorisationen skal ligge på sagen.",
    "straffeattest": "Stillingens profil kræver en straffeattest.",
}


def subject(doc_type: str, employee_no: str) -> str:
    """The message subject (at most 120 characters)."""
    return f"Manglende {DOCUMENT_NAMES.get(doc_type, doc_type)} i personalesag, medarbejdernr. {employee_no}"[:120]


def request_letter(*, municipality: str, manager_name: str, employee_name: str, employee_no: str,
                   doc_type: str, today: date, reference: str) -> bytes:
    """The request as a one-page PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    what = DOCUMENT_NAMES.get(doc_type, doc_type)
    paragraphs = [
        f"Kære {manager_name}",
        f"Ved gennemgangen af personalesagerne mangler der en {what} på personalesagen for "
        f"{employee_name} (medarbejdernr. {employee_no}).",
        WHY.get(doc_type, ""),
        "Vi beder dig fremskaffe dokumentet og sende det til HR og Løn, som journaliserer det på sagen. "
        f"Angiv venligst referencen {reference}.",
        "Med venlig hilsen, HR og Løn",
    ]
    raw = io.BytesIO()
    pdf = canvas.Canvas(raw, pagesize=A4, invariant=1)
    pdf.setTitle(f"Manglende {what}")
    width, height = A4
    x, y = 56, height - 60
    pdf.setFont("Helvetica", 9)
    pdf.drawString(x, y, f"{municipality} · HR og Løn · {today:%d.%m.%Y} · Ref. {reference}")
    y -= 40
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(x, y, f"Manglende {what} i personalesag")
    y -= 34
    pdf.setFont("Helvetica", 11)
    for paragraph in filter(None, paragraphs):
        for line in simpleSplit(paragraph, "Helvetica", 11, width - 2 * x):
            pdf.drawString(x, y, line)
            y -= 15
        y -= 9
    pdf.showPage()
    pdf.save()
    return raw.getvalue()
