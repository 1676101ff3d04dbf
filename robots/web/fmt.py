"""Danish formatting for the desk's pages: 31-05-2026, 12.345,67 kr., maj 2026.

Amounts are integer øre (or exact decimal øre for intermediate steps, e.g. 0,55 × an odd amount);
times are stored in UTC and shown in Copenhagen time (robots.timeutil).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..cpr import mask
from ..systems.parse import ore_to_display
from ..timeutil import local, now, show

MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def kr(ore: Any) -> str:
    """øre -> '12.345,67 kr.'; a fraction of an øre is shown exactly ('2.022,355 kr.'); '' for nothing."""
    number = _decimal(ore)
    if number is None:
        return ""
    if number == number.to_integral_value():
        return f"{ore_to_display(int(number))} kr."
    sign, size = ("-" if number < 0 else ""), abs(number)
    whole_ore = int(size)  # the øre, then the fraction of an øre as further digits
    fraction = format(size - whole_ore, "f").split(".")[1].rstrip("0")
    return f"{sign}{ore_to_display(whole_ore)}{fraction} kr."


def kr_rounded(ore: Any) -> str:
    """øre, rounded half up to a whole øre, as '12.345,67 kr.'."""
    number = _decimal(ore)
    if number is None:
        return ""
    return f"{ore_to_display(int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP)))} kr."


def number(value: Any, decimals: int = 2) -> str:
    """12345.5 -> '12.345,50' (a rate, a percentage)."""
    parsed = _decimal(value)
    if parsed is None:
        return ""
    text = f"{parsed:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def dato(value: Any) -> str:
    """A date or time as 31-05-2026 (Copenhagen date for times); ISO text is read too."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return local(value).strftime("%d-%m-%Y")  # type: ignore[union-attr]
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return dato(parsed if parsed.tzinfo else parsed.date())
    return str(value)


def tid(value: datetime | None, seconds: bool = False) -> str:
    """31-05-2026 14:05 (Copenhagen time)."""
    return show(value, seconds=seconds)


def month(value: Any) -> str:
    """'2026-05' -> 'maj 2026'; anything else as it is."""
    text = "" if value is None else str(value)
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        return f"{MONTHS[int(text[5:]) - 1]} {text[:4]}"
    return text


def age(value: datetime | None, reference: datetime | None = None) -> str:
    """How long ago: 'i dag', '1 dag', '12 dage'."""
    if value is None:
        return ""
    days = ((reference or now()) - value).days
    if days <= 0:
        return "i dag"
    return "1 dag" if days == 1 else f"{days} dage"


def cpr(value: Any, full: bool = False) -> str:
    """A CPR number as DDMMYY-XXXX, or in full for a caseworker on their own case."""
    if not value:
        return ""
    return str(value) if full else mask(str(value))


def masked(text: Any) -> str:
    """Free text with every CPR-shaped number masked."""
    return "" if text is None else mask(str(text))


KEY_LABELS = {  # payload and facts keys as a caseworker names them
    "cpr": "CPR-nummer", "name": "Navn", "case_no": "Sagsnummer", "income_month": "Lønmåned", "period": "Periode",
    "organisation": "Organisation", "employer_cvr": "Arbejdsgivers CVR", "employee_no": "Medarbejdernummer",
    "pay_type": "Lønform", "run": "Lønkørsel", "net_ore": "Nettoløn", "lines": "Linjer", "decision": "Beslutning",
    "employed": "Ansat", "future_pay": "Fremtidig løn", "previous_negative": "Negativ sidste gang",
    "amount_ore": "Beløb", "element": "Løndel", "line_id": "Linje", "run_id": "Lønkørsel", "run_kind": "Kørselstype",
    "run_period": "Lønperiode", "run_date": "Kørselsdato", "org_code": "Organisationskode", "kind": "Art",
    "previous_run_id": "Forrige lønkørsel", "negative_in_previous_run": "Negativ i forrige kørsel",
    "next_pay_period_start": "Næste lønperiode", "problems": "Problemer", "payment_month": "Udbetalingsmåned",
    # sixth holiday week, termination letters, personnel files
    "case_id": "Sagsnummer", "earning_year": "Optjeningsår", "hours": "Timer", "message": "Besked",
    "received_at": "Modtaget", "leaving_date": "Fratrædelsesdato", "status": "Status", "position": "Stilling",
    "requested_leaving_date": "Ønsket fratrædelsesdato",
}
STATUS_SHORT = {"new": "ny", "in_progress": "i gang", "done": "færdig", "manual": "manuel", "cancelled": "annulleret"}


def key_label(key: Any) -> str:
    """A data key in Danish where it is known (``cpr`` -> 'CPR-nummer'), else the key."""
    return KEY_LABELS.get(str(key), str(key))


def status_short(value: Any) -> str:
    return STATUS_SHORT.get(str(value), "" if value is None else str(value))


ALERT_RULES = {"run_failed": "Kørsel fejlet eller stoppet", "sla_breach": "Servicemål overskredet",
               "manual_rate": "Mange sager til manuel behandling", "scheduler_missed": "Planlagt kørsel sprunget over"}


def alert_rule(value: Any) -> str:
    """An alert rule's code in Danish (the code itself when unknown)."""
    return ALERT_RULES.get(str(value), str(value))


FILTERS = {
    "kr": kr, "kr_rounded": kr_rounded, "number": number, "dato": dato, "tid": tid, "month": month,
    "age": age, "cpr": cpr, "masked": masked, "key_label": key_label, "status_short": status_short,
    "alert_rule": alert_rule,
}
