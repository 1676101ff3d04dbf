"""Write the two letter templates (docxtpl/Jinja fields in a plain Word document).

    .venv/bin/python processes/termination_letters/templates/build.py

The .docx files next to this script are what the robot uses; this script is how they were made
and how to make them again after changing the wording here. Each field sits in one run, so Word
and docxtpl agree on it; a block that only some letters have is a ``{%p if %}`` paragraph.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent

OPENING = ("Vi har den {{ received_date }} modtaget din opsigelse af din stilling som {{ position_lower }} ved "
           "{{ workplace }}. Med dette brev bekræfter vi din opsigelse og fortæller, hvordan din fratræden "
           "bliver afsluttet.")
LEAVING = ("Du fratræder din stilling med udgangen af {{ leaving_date }}. Din sidste arbejdsdag er "
           "{{ last_working_day }}. Fratrædelsen er registreret i lønsystemet.")
CIVIL_SERVANT = ("Du er ansat på tjenestemandsvilkår og har derfor {{ notice }} opsigelsesvarsel til udgangen af "
                 "en måned. Du får særskilt besked om din tjenestemandspension.")

PAY = {
    "monthly": ("Du får løn til og med {{ leaving_date }}. Din månedsløn er i dag {{ wage }} kr. Din sidste "
                "månedsløn er lønnen for {{ last_pay_month }}, som udbetales forud som sædvanligt den sidste "
                "bankdag i måneden. Du får en lønseddel som altid."),
    "hourly": ("Du får timeløn for de timer, du har arbejdet til og med din sidste arbejdsdag, "
               "{{ last_working_day }}. Din timeløn er i dag {{ wage }} kr. pr. time. Timelønnen udbetales bagud "
               "som sædvanligt, så dine sidste timer udbetales med lønnen for {{ pay_month_after }}."),
}
HOLIDAY = {
    "monthly": ("Ferie, som du har optjent, men ikke holdt, når du fratræder, afregnes som feriegodtgørelse. "
                "Feriegodtgørelsen indberettes til Feriepengeinfo med din sidste løn, og du søger den udbetalt "
                "på borger.dk, når du holder ferie. Optjent ferietillæg udbetales med din sidste løn."),
    "hourly": ("Som timelønnet får du feriegodtgørelse på 12,5 % af din løn. Feriegodtgørelsen for perioden frem "
               "til din fratræden indberettes til Feriepengeinfo med din sidste løn, og du søger den udbetalt på "
               "borger.dk, når du holder ferie."),
}
SIXTH_WEEK = ("{% if sixth_week_hours %}Din saldo for 6. ferieuge er i dag {{ sixth_week_hours }} timer. Timer, "
              "som du ikke har holdt inden din sidste arbejdsdag, udbetales med din sidste løn."
              "{% else %}Du har ingen saldo for 6. ferieuge i lønsystemet, så der er ikke noget at udbetale."
              "{% endif %}")
TIME_OFF = ("Har du afspadsering til gode, skal den så vidt muligt holdes inden din sidste arbejdsdag efter "
            "aftale med din leder. Afspadsering, som ikke er holdt, når du fratræder, udbetales med din sidste løn.")
EQUIPMENT = ("Nøgler, adgangskort, pc, telefon og andet udstyr, som tilhører {{ municipality }}, skal afleveres "
             "til {{ manager_name }} senest på din sidste arbejdsdag, {{ last_working_day }}.")
CONTACT = ("Har du spørgsmål til brevet, er du velkommen til at kontakte {{ contact_name }}, {{ contact_title }}, "
           "på telefon {{ contact_phone }} eller e-mail {{ contact_email }}. Oplys venligst sagsnummer "
           "{{ case_id }}.")
THANKS = "Vi siger tak for din indsats i {{ municipality }} og ønsker dig alt godt fremover."


def _paragraph(doc: Document, text: str, *, bold: bool = False, size: float | None = None,
               align: WD_ALIGN_PARAGRAPH | None = None, space_after: float = 6) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.keep_with_next = bold


def _facts_table(doc: Document, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.autofit = False
    widths = (Cm(4.5), Cm(11.5))
    for label, value in rows:
        cells = table.add_row().cells
        for cell, width, text in zip(cells, widths, (label, value), strict=True):
            cell.width = width
            cell.paragraphs[0].paragraph_format.space_after = Pt(1)
            cell.paragraphs[0].add_run(text).bold = text == label
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    _paragraph(doc, "", space_after=0)


def build(pay_type: str) -> Document:
    """The template for ``pay_type`` ('monthly' or 'hourly')."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    header = section.header.paragraphs[0]
    header.add_run("{{ municipality }}").bold = True
    header.add_run(" · {{ sender_unit }}")
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.add_run("{{ municipality }} · {{ sender_unit }} · Telefon {{ contact_phone }} · {{ contact_email }}")
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for line in ("{{ name }}", "{{ address_street }}", "{{ address_town }}"):
        _paragraph(doc, line, space_after=0)
    _paragraph(doc, "Dato: {{ letter_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=0)
    _paragraph(doc, "Sagsnr.: {{ case_id }} · Medarbejdernr.: {{ employee_no }}", align=WD_ALIGN_PARAGRAPH.RIGHT,
               space_after=18)
    title = "Bekræftelse af din opsigelse" + (" (timelønnet)" if pay_type == "hourly" else "")
    _paragraph(doc, title, bold=True, size=15, space_after=12)
    _paragraph(doc, "Kære {{ name }}")
    _paragraph(doc, OPENING)
    _facts_table(doc, [
        ("Opsigelse modtaget", "{{ received_date }}"),
        ("Stilling", "{{ position }}"),
        ("Arbejdssted", "{{ workplace }}"),
        ("Aflønning", "Timeløn, {{ wage }} kr. pr. time" if pay_type == "hourly" else "Månedsløn, {{ wage }} kr."),
        ("Fratrædelsesdato", "{{ leaving_date }}"),
        ("Sidste arbejdsdag", "{{ last_working_day }}"),
    ])
    _paragraph(doc, LEAVING)
    _paragraph(doc, "{%p if civil_servant %}", space_after=0)
    _paragraph(doc, CIVIL_SERVANT)
    _paragraph(doc, "{%p endif %}", space_after=0)
    for heading, text in (("Løn", PAY[pay_type]), ("Ferie og feriepenge", HOLIDAY[pay_type]),
                          ("6. ferieuge", SIXTH_WEEK), ("Afspadsering", TIME_OFF),
                          ("Aflevering af udstyr", EQUIPMENT), ("Spørgsmål", CONTACT)):
        _paragraph(doc, heading, bold=True, size=11.5, space_after=2)
        _paragraph(doc, text)
    _paragraph(doc, THANKS, space_after=12)
    for line in ("Med venlig hilsen", "", "{{ contact_name }}", "{{ contact_title }}, {{ sender_unit }}",
                 "{{ municipality }}"):
        _paragraph(doc, line, space_after=0)
    doc.core_properties.title = "Bekræftelse af opsigelse"
    doc.core_properties.author = doc.core_properties.last_modified_by = ""
    return doc


def main() -> int:
    names = {"monthly": "fratraedelse_maanedsloennet.docx", "hourly": "fratraedelse_timeloennet.docx"}
    for pay_type, name in names.items():
        build(pay_type).save(str(HERE / name))
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
