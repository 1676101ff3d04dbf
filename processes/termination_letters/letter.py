"""The confirmation letter: the facts it states (pure), and the Word document made from the template.

Two templates in ``templates/``, one per pay type (RULES.md section 4: hourly-paid leavers get the
hourly-paid variant): ``fratraedelse_maanedsloennet.docx`` and ``fratraedelse_timeloennet.docx``.
They are docxtpl (Jinja) templates; ``templates/build.py`` writes them, and a person may edit the
wording in Word as long as the ``{{ ... }}`` fields stay.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from robots.systems import parse

from .rules import add_months, danish_date, danish_month

TEMPLATES = Path(__file__).with_name("templates")
VARIANTS = {"monthly": "fratraedelse_maanedsloennet.docx", "hourly": "fratraedelse_timeloennet.docx"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Sender:
    """Who writes: the municipality, the unit and the contact person (conf/processes/termination_letters.toml)."""

    municipality: str
    unit: str
    contact_name: str
    contact_title: str
    contact_phone: str
    contact_email: str


@dataclass(frozen=True)
class LetterFacts:
    """Everything the letter states about one resignation."""

    case_id: str
    employee_no: str
    name: str
    address: str  # "Street 12, 2100 Town" as payroll shows it
    position: str
    workplace: str
    hourly: bool
    wage_ore: int  # monthly salary, or hourly rate
    civil_servant: bool
    notice_months: int  # the employee's notice that applied (civil servants: three)
    received: date
    leaving: date
    last_working_day: date
    sixth_week_hours: Decimal  # unpaid balance on the payroll card
    manager_name: str
    letter_date: date


def variant(facts: LetterFacts) -> str:
    """'hourly' or 'monthly': which template the letter is written from."""
    return "hourly" if facts.hourly else "monthly"


def workplace(organisation: str) -> str:
    """'2101 Østre Skole (Børn og Unge)' -> 'Østre Skole': the workplace as the employee knows it."""
    text = organisation.strip()
    number, _, rest = text.partition(" ")
    if number.isdigit() and rest:
        text = rest
    if text.endswith(")") and " (" in text:
        text = text[: text.rindex(" (")]
    return text


NUMBER_WORDS = ("nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv")


def notice_text(months: int) -> str:
    """3 -> 'tre måneders', 1 -> 'en måneds' (as in 'tre måneders opsigelsesvarsel')."""
    word = NUMBER_WORDS[months] if 0 <= months < len(NUMBER_WORDS) else str(months)
    return f"{word} {'måneds' if months == 1 else 'måneders'}"


def hours_text(hours: Decimal) -> str:
    """Decimal('37.5') -> '37,50' (hours as Danish text)."""
    return parse.decimal_comma(hours.quantize(Decimal("0.01")), ".2f")


def context(facts: LetterFacts, sender: Sender) -> dict[str, object]:
    """The template's fields: dates in Danish ('31. maj 2026'), amounts in kroner ('32.456,78')."""
    street, _, town = facts.address.rpartition(", ")
    return {
        "municipality": sender.municipality,
        "sender_unit": sender.unit,
        "contact_name": sender.contact_name,
        "contact_title": sender.contact_title,
        "contact_phone": sender.contact_phone,
        "contact_email": sender.contact_email,
        "case_id": facts.case_id,
        "employee_no": facts.employee_no,
        "name": facts.name,
        "address_street": street or facts.address,
        "address_town": town if street else "",
        "position": facts.position,
        "position_lower": facts.position[:1].lower() + facts.position[1:],
        "workplace": facts.workplace,
        "civil_servant": facts.civil_servant,
        "notice": notice_text(facts.notice_months),
        "received_date": danish_date(facts.received),
        "leaving_date": danish_date(facts.leaving),
        "last_working_day": danish_date(facts.last_working_day),
        "letter_date": danish_date(facts.letter_date),
        "wage": parse.ore_to_display(facts.wage_ore),
        "last_pay_month": danish_month(facts.leaving),
        "pay_month_after": danish_month(add_months(facts.leaving.replace(day=1), 1)),
        "sixth_week_hours": hours_text(facts.sixth_week_hours) if facts.sixth_week_hours > 0 else "",
        "manager_name": facts.manager_name or "din nærmeste leder",
    }


def render_docx(facts: LetterFacts, sender: Sender, templates: Path = TEMPLATES) -> bytes:
    """The letter as a Word document, written from the template for the employee's pay type."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(templates / VARIANTS[variant(facts)]))
    template.render(context(facts, sender), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


__all__ = ["DOCX_TYPE", "VARIANTS", "LetterFacts", "Sender", "context", "render_docx", "variant", "workplace"]
