"""The systems this process touches: the payroll UI (employee card, pay-line form) and the inbox API.

Only screens, fields and requests live here; the decisions are in rules.py. A pay line is
registered look-first inside one retried unit: an HTTP 500 may come after payroll registered it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from robots.runtime import ApplicationError, TransientError
from robots.systems import ApiClient, LegacyWebApp, Screen, parse
from robots.systems.web import BUSY_TITLE

from .rules import PAY_ELEMENT, Calculation, Employee, PayLine, SixthWeekYear, hours_text, payout_line

PAY_TYPES = {"Månedsløn": "monthly", "Timeløn": "hourly"}
REGISTERED_TITLE = "Løndel registreret"


class NotInPayroll(Exception):
    """Payroll has no employee with that number (HTTP 404 on the card)."""


class UnreadableCard(ValueError):
    """The employee card shows a value that is not what it should be (an amount, a date, hours).

    The message is Danish (a caseworker reads it): which field shows what, and what it should be.
    """


@dataclass(frozen=True)
class EmployeeRow:
    employee_no: str
    name: str
    status: str


class Payroll(LegacyWebApp):
    system = "payroll"

    def search(self, term: str) -> Iterator[EmployeeRow]:
        """Every employee the payroll search finds for ``term`` (all pages)."""
        for row in self.rows("employees", q=term):
            yield EmployeeRow(row["Medarbejdernr."], row["Navn"], row["Status"])

    def employee(self, employee_no: str) -> Employee:
        """The facts the rules need, read from the employee card."""
        return employee_from_card(self._card(employee_no), employee_no)

    def _card(self, employee_no: str) -> Screen:
        try:
            return self.open(f"employees/{employee_no}")
        except ApplicationError as exc:
            if exc.code == "http_404":
                raise NotInPayroll(employee_no) from None
            raise

    def leaving_date(self, employee_no: str) -> date | None:
        """The card's "Fratrædelsesdato", read fast for a scan of the whole register (see CardPeek)."""
        card = self.retry(lambda: self._peek_card(employee_no), what=f"payroll card {employee_no}")
        try:
            return parse.field("Fratrædelsesdato", card.get("Fratrædelsesdato", ""), parse.danish_date)
        except ValueError as exc:
            raise UnreadableCard(str(exc)) from None

    def _peek_card(self, employee_no: str) -> dict[str, str]:
        """One GET of the card with the browser's session (no navigation, no rendering), read in Python.

        The same answers as :meth:`LegacyWebApp.read` are transient: a busy page, HTTP 5xx, the login
        page (the session ended; we sign in again on the retry).
        """
        self._ensure_login()
        response = self.page.request.get(self.url(f"employees/{employee_no}"))
        if response.status == 404:
            raise NotInPayroll(employee_no)
        if response.status >= 500:
            raise TransientError(f"lønsystemet: HTTP {response.status} på medarbejderkort {employee_no}",
                                 code="http_500")
        peek = CardPeek.of(response.text())
        if peek.login:
            self.ctx.session.state.pop(self._logged_in_key, None)
            raise TransientError("lønsystemet: sessionen er udløbet (login-siden blev vist)", code="session_expired")
        if peek.title == BUSY_TITLE:
            raise TransientError(f"lønsystemet: {BUSY_TITLE}", code="system_busy")
        if response.status >= 400 or not peek.card:
            raise ApplicationError("page_unexpected", f"Lønsystemet viste ikke medarbejderkort {employee_no}: "
                                                      f"HTTP {response.status}, siden »{peek.title}«.")
        return peek.card

    def register_payout(self, employee_no: str, calc: Calculation,
                        choose_period: Callable[[list[str]], str]) -> tuple[PayLine, bool]:
        """Register ``calc`` as pay element 0620, unless a 0620 line for its earning year is on the card.

        Returns the line and whether it was found (True) rather than registered now (False).
        ``choose_period`` picks the pay period from the ones the form offers (it may raise).
        FormRejected when payroll refuses the form (its code says why).
        """
        def look_then_act() -> tuple[PayLine, bool]:
            card = self.visit(f"employees/{employee_no}")
            found = payout_line(employee_from_card(card, employee_no), calc.earning_year)
            if found is not None:
                return found, True
            self.visit(f"employees/{employee_no}/payline")
            period = choose_period(self._open_periods())
            rate = calc.rate_field_ore()
            self.fill({
                "Lønart": PAY_ELEMENT, "Lønperiode": period, "Optjeningsår": str(calc.earning_year),
                "Antal timer": hours_text(calc.hours),
                "Sats (kr.)": parse.ore_to_kroner(rate) if rate is not None else "",
                "Beløb (kr.)": parse.ore_to_kroner(calc.amount_ore),
            })
            return receipt_line(self.submit("Registrér")), False

        return self.retry(look_then_act, what=f"payroll 0620 for {employee_no}/{calc.earning_year}")

    def _open_periods(self) -> list[str]:
        field_ = self.page.get_by_label("Lønperiode", exact=True)
        values = field_.locator("option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
        return [str(v) for v in values]


class CardPeek(HTMLParser):
    """The first card (``table.card``: ``th`` label -> ``td`` value) of a page's HTML, its heading and
    whether it is the login page: what a scan of hundreds of employee cards needs, without a browser
    rendering each one."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.login = False
        self.card: dict[str, str] = {}
        self._where = ""  # "h1", "th" or "td" while inside one
        self._text: list[str] = []
        self._label = ""
        self._in_card = self._card_done = False

    @classmethod
    def of(cls, html: str) -> CardPeek:
        peek = cls()
        peek.feed(html)
        peek.close()
        return peek

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and (values.get("type") or "").lower() == "password":
            self.login = True
        elif tag == "table" and "card" in (values.get("class") or "").split() and not self._card_done:
            self._in_card = True
        elif (tag == "h1" and not self.title) or (tag in ("th", "td") and self._in_card):
            self._where, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._where:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != self._where:
            if tag == "table" and self._in_card:
                self._in_card, self._card_done = False, True
            return
        text = " ".join("".join(self._text).split())
        if tag == "h1":
            self.title = text
        elif tag == "th":
            self._label = text
        elif self._label:
            self.card[self._label] = text
            self._label = ""
        self._where = ""


def _year(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(text)
    return int(text)


def employee_from_card(screen: Screen, employee_no: str) -> Employee:
    """The card's fields, hours and amounts as exact values (KeyError: not the page we expected)."""
    try:
        card = screen.card()
        pay_type = PAY_TYPES[card["Aflønningsform"]]
        sixth = tuple(
            SixthWeekYear(parse.field("6. ferieuge: Optjeningsår", row["Optjeningsår"], _year, "et årstal"),
                          parse.field("6. ferieuge: Saldo (timer)", row["Saldo (timer)"], parse.hours),
                          parse.field("6. ferieuge: Udbetalt", row["Udbetalt"], parse.yes_no))
            for row in screen.table("6. ferieuge").rows
        )
        return Employee(
            employee_no=card["Medarbejdernr."],
            cpr=card["CPR-nr."],
            active=parse.field("Status", card["Status"], _status, "Aktiv eller Fratrådt"),
            leaving_date=parse.field("Fratrædelsesdato", card.get("Fratrædelsesdato", ""), parse.danish_date),
            pay_type=pay_type,
            monthly_salary_ore=(parse.field("Månedsløn (kr.)", card["Månedsløn (kr.)"], parse.kroner_to_ore)
                                if pay_type == "monthly" else None),
            hourly_rate_ore=(parse.field("Timeløn (kr.)", card["Timeløn (kr.)"], parse.kroner_to_ore)
                             if pay_type == "hourly" else None),
            weekly_hours=parse.field("Ugentlig arbejdstid (timer)", card["Ugentlig arbejdstid (timer)"], parse.hours),
            sixth_week=sixth,
            pay_lines=tuple(_pay_line(row) for row in screen.table("Registrerede løndele").rows),
        )
    except KeyError as exc:
        raise ApplicationError("page_unexpected", f"Medarbejderkort {employee_no} i lønsystemet: {exc} findes ikke "
                                                  "på siden.") from None
    except ValueError as exc:  # parse.field names the field, what it shows and what it should be
        raise UnreadableCard(str(exc)) from None


def _status(text: str) -> bool:
    if text not in ("Aktiv", "Fratrådt"):
        raise ValueError(f"unknown status {text!r}")
    return text == "Aktiv"


def _pay_line(row: dict[str, str]) -> PayLine:
    hours, year = row.get("Timer", "").strip(), row.get("Optjeningsår", "").strip()
    where = f"Registrerede løndele, {row.get('Kvitteringsnr.', '')}"
    return PayLine(
        receipt_no=row["Kvitteringsnr."], pay_element=row["Lønart"].split(" ", 1)[0], period=row["Lønperiode"],
        hours=parse.field(f"{where}: Timer", hours, parse.hours).quantize(Decimal("0.01"))
        if hours else None,
        amount_ore=parse.field(f"{where}: Beløb (kr.)", row["Beløb (kr.)"], parse.kroner_to_ore),
        earning_year=parse.field(f"{where}: Optjeningsår", year, _year, "et årstal") if year else None,
    )


def receipt_line(screen: Screen) -> PayLine:
    """The pay line from payroll's confirmation page."""
    if screen.title != REGISTERED_TITLE:
        raise ApplicationError("page_unexpected", f"Lønsystemet viste siden »{screen.title}«, ikke "
                                                  f"»{REGISTERED_TITLE}«.")
    receipt = screen.card()
    try:
        hours, year = receipt.get("Antal timer", ""), receipt.get("Optjeningsår", "")
        return PayLine(
            receipt_no=receipt["Kvitteringsnr."], pay_element=receipt["Lønart"].split(" ", 1)[0],
            period=receipt["Lønperiode"],
            hours=parse.field("Antal timer", hours, parse.hours).quantize(Decimal("0.01"))
            if hours else None,
            amount_ore=parse.field("Beløb (kr.)", receipt["Beløb (kr.)"], parse.kroner_to_ore),
            earning_year=parse.field("Optjeningsår", year, _year, "et årstal") if year else None,
        )
    except KeyError as exc:
        raise ApplicationError("page_unexpected", f"Lønsystemets kvittering kan ikke læses: {exc} mangler.") from None
    except ValueError as exc:
        raise ApplicationError("page_unexpected", f"Lønsystemets kvittering kan ikke læses: {exc}.") from None


class Inbox(ApiClient):
    system = "inbox"

    def open_payout_requests(self) -> Iterator[dict[str, Any]]:
        """Every open sixth-week payout case, oldest first (all pages)."""
        yield from self.pages("api/v1/cases", type="sixth_week_payout", status="open")

    def case(self, case_id: str) -> dict[str, Any]:
        return self.get(f"api/v1/cases/{case_id}")

    def mark_handled(self, case_id: str, note: str) -> dict[str, Any]:
        """Mark the case handled with ``note`` (the inbox makes this idempotent)."""
        return self._json(self.request("POST", f"api/v1/cases/{case_id}/handled", json={"note": note}))
