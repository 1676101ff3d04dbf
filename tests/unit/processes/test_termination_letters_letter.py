"""The termination letter: its fields, both Word templates, the PDF conversion, and reading the payroll card."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from pypdf import PdfReader

from processes.termination_letters.letter import (
    TEMPLATES,
    VARIANTS,
    LetterFacts,
    Sender,
    context,
    notice_text,
    render_docx,
    workplace,
)
from processes.termination_letters.pdf import docx_to_pdf
from processes.termination_letters.systems import SixthWeekBalance, read_card
from robots.runtime import ApplicationError
from robots.systems import Screen, Table

SENDER = Sender("Vesterå Kommune", "HR og Løn", "Lene Holm", "lønkonsulent", "72 10 45 00", "loen@vesteraa.dk")
MONTHLY = LetterFacts(
    case_id="SAG-2024-000011", employee_no="100123", name="Anne Sørensen", address="Østergade 12, 7700 Vesterå",
    position="Pædagog", workplace="Østre Skole", hourly=False, wage_ore=3_245_678, civil_servant=True,
    notice_months=3, received=date(2024, 10, 2), leaving=date(2025, 1, 31), last_working_day=date(2025, 1, 31),
    sixth_week_hours=Decimal("22.2"), manager_name="Bo Ørsted", letter_date=date(2024, 10, 8),
)
HOURLY = replace(MONTHLY, hourly=True, wage_ore=18_540, civil_servant=False, notice_months=1,
                 leaving=date(2024, 11, 30), last_working_day=date(2024, 11, 29), sixth_week_hours=Decimal(0),
                 manager_name="")


def text_of(docx: bytes) -> str:
    doc = Document(io.BytesIO(docx))
    lines = [p.text for p in doc.paragraphs]
    lines += [" | ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows]
    lines += [p.text for s in doc.sections for p in (*s.header.paragraphs, *s.footer.paragraphs)]
    return "\n".join(lines)


def test_fields_are_danish_dates_and_kroner() -> None:
    fields = context(MONTHLY, SENDER)
    assert fields["received_date"] == "2. oktober 2024" and fields["leaving_date"] == "31. januar 2025"
    assert fields["letter_date"] == "8. oktober 2024" and fields["wage"] == "32.456,78"
    assert fields["last_pay_month"] == "januar 2025" and fields["pay_month_after"] == "februar 2025"
    assert fields["address_street"] == "Østergade 12" and fields["address_town"] == "7700 Vesterå"
    assert fields["sixth_week_hours"] == "22,20" and fields["notice"] == "tre måneders"
    assert context(HOURLY, SENDER)["manager_name"] == "din nærmeste leder"
    assert context(HOURLY, SENDER)["pay_month_after"] == "december 2024"


def test_workplace_and_notice_words() -> None:
    assert workplace("2101 Østre Skole (Børn og Unge)") == "Østre Skole"
    assert workplace("Rådhuset") == "Rådhuset"
    assert notice_text(1) == "en måneds" and notice_text(3) == "tre måneders"


def test_the_monthly_paid_letter_states_every_content_point() -> None:
    text = text_of(render_docx(MONTHLY, SENDER))
    for point in (
        "Anne Sørensen", "Østergade 12", "7700 Vesterå", "Dato: 8. oktober 2024", "SAG-2024-000011",
        "Opsigelse modtaget | 2. oktober 2024", "stilling som pædagog ved Østre Skole",  # received, position
        "Fratrædelsesdato | 31. januar 2025", "Sidste arbejdsdag | 31. januar 2025",  # leaving, last working day
        "Månedsløn, 32.456,78 kr.", "Du får løn til og med 31. januar 2025", "lønnen for januar 2025",  # pay
        "feriegodtgørelse", "Feriepengeinfo",  # holiday pay
        "Din saldo for 6. ferieuge er i dag 22,20 timer",  # the sixth week
        "Afspadsering, som ikke er holdt, når du fratræder, udbetales med din sidste løn",  # time off in lieu
        "skal afleveres til Bo Ørsted senest på din sidste arbejdsdag, 31. januar 2025",  # equipment
        "kontakte Lene Holm, lønkonsulent, på telefon 72 10 45 00 eller e-mail loen@vesteraa.dk",  # contact
        "tjenestemandsvilkår og har derfor tre måneders opsigelsesvarsel",  # civil servant
        "Vesterå Kommune · HR og Løn",
    ):
        assert point in text, point
    assert "timelønnet" not in text and "{" not in text


def test_the_hourly_paid_letter_is_its_own_variant() -> None:
    text = text_of(render_docx(HOURLY, SENDER))
    for point in ("Bekræftelse af din opsigelse (timelønnet)", "Timeløn, 185,40 kr. pr. time",
                  "Fratrædelsesdato | 30. november 2024", "Sidste arbejdsdag | 29. november 2024",
                  "til og med din sidste arbejdsdag, 29. november 2024", "udbetales med lønnen for december 2024",
                  "feriegodtgørelse på 12,5 %", "Du har ingen saldo for 6. ferieuge",
                  "afleveres til din nærmeste leder"):
        assert point in text, point
    assert "Månedsløn" not in text and "tjenestemand" not in text and "{" not in text


def test_both_templates_exist() -> None:
    assert sorted(VARIANTS) == ["hourly", "monthly"]
    assert all((TEMPLATES / name).is_file() for name in VARIANTS.values())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) not installed")
def test_the_pdf_has_the_name_and_the_leaving_date() -> None:
    pdf = docx_to_pdf(render_docx(MONTHLY, SENDER))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert pdf.startswith(b"%PDF-")
    assert "Anne Sørensen" in text and "31. januar 2025" in text and "32.456,78" in text


def test_a_missing_libreoffice_names_what_to_install() -> None:
    with pytest.raises(ApplicationError) as caught:
        docx_to_pdf(b"PK", soffice="/nonexistent/soffice")
    assert caught.value.code == "soffice_missing"
    assert "libreoffice-writer-nogui" in caught.value.message and "/nonexistent/soffice" in caught.value.message


def card_screen(**changes: str) -> Screen:
    card = {"Medarbejdernr.": "100123", "CPR-nr.": "4508791234", "Navn": "Anne Sørensen",
            "Adresse": "Østergade 12, 7700 Vesterå", "Organisation": "2101 Østre Skole (Børn og Unge)",
            "Stilling": "Pædagog", "Aflønningsform": "Månedsløn", "Månedsløn (kr.)": "32.456,78",
            "Ansættelsesdato": "01.08.2015", "Status": "Aktiv", "Fratrædelsesdato": "", "Tjenestemand": "Nej",
            "Leder": "100045 Bo Ørsted", **changes}
    sixth = Table("6. ferieuge", ["Optjeningsår", "Saldo (timer)", "Udbetalt"],
                  [{"Optjeningsår": "2023", "Saldo (timer)": "0,00", "Udbetalt": "Ja"},
                   {"Optjeningsår": "2024", "Saldo (timer)": "22,20", "Udbetalt": "Nej"}])
    return Screen("Medarbejderkort – Anne Sørensen", "", "", "", False, "", [("Medarbejderkort", card)], [sixth],
                  None)


def test_reading_the_payroll_card() -> None:
    card = read_card("100123", card_screen())
    assert card.cpr == "450879-1234" and card.wage_ore == 3_245_678 and not card.hourly
    assert card.start_date == date(2015, 8, 1) and card.active and card.leaving_date is None
    assert card.manager_name == "Bo Ørsted" and not card.civil_servant
    assert card.sixth_week == (SixthWeekBalance(2023, Decimal("0.00"), True),
                               SixthWeekBalance(2024, Decimal("22.20"), False))
    left = read_card("100123", card_screen(Status="Fratrådt", **{"Fratrædelsesdato": "31.08.2024"}))
    assert not left.active and left.leaving_date == date(2024, 8, 31)


def test_a_card_that_makes_no_sense_is_an_application_error() -> None:
    with pytest.raises(ApplicationError) as caught:
        read_card("100123", card_screen(**{"Månedsløn (kr.)": "mange penge"}))
    assert caught.value.code == "page_unexpected" and "100123" in caught.value.message
