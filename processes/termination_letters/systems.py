"""The systems this process touches: the payroll UI, and the inbox, ESDH and digital-post APIs.

Only screens, fields and requests live here; the decisions are in rules.py. Every write looks
first and acts inside one retry unit: a lost answer (HTTP 500 after the action was done) is
retried by looking again, which finds the action done and records it instead of repeating it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from robots.cpr import normalise
from robots.runtime import ApplicationError, BusinessError
from robots.systems import ApiClient, LegacyWebApp, NotFound, Screen, parse


@dataclass(frozen=True)
class SixthWeekBalance:
    earning_year: int
    hours: Decimal
    paid: bool


@dataclass(frozen=True)
class EmployeeCard:
    """What the payroll employee card says (Medarbejderkort)."""

    employee_no: str
    cpr: str
    name: str
    address: str
    organisation: str
    position: str
    hourly: bool  # Aflønningsform Timeløn (else Månedsløn)
    wage_ore: int  # the monthly salary, or the hourly rate for the hourly-paid
    start_date: date
    active: bool
    leaving_date: date | None
    civil_servant: bool
    manager: str  # "100123 Navn", or "" when none is registered
    sixth_week: tuple[SixthWeekBalance, ...]

    @property
    def manager_name(self) -> str:
        """The manager's name without the employee number."""
        number, _, name = self.manager.partition(" ")
        return name.strip() if number.isdigit() else self.manager.strip()


@dataclass(frozen=True)
class TerminationResult:
    """Payroll after registering: the receipt (None when the date was registered already) and the date shown."""

    receipt_no: str | None
    leaving_date: date | None


def read_card(employee_no: str, screen: Screen) -> EmployeeCard:
    """The employee card's facts; a card we cannot read is the system misbehaving (application error)."""
    card = screen.card()
    try:
        hourly = card["Aflønningsform"] == "Timeløn"
        wage = "Timeløn (kr.)" if hourly else "Månedsløn (kr.)"
        if card["Aflønningsform"] not in ("Timeløn", "Månedsløn"):
            raise ValueError(f"feltet »Aflønningsform« viser {card['Aflønningsform']!r}, som ikke er Timeløn eller "
                             "Månedsløn")
        sixth = tuple(
            SixthWeekBalance(parse.field("6. ferieuge: Optjeningsår", row["Optjeningsår"], int, "et årstal"),
                             parse.field("6. ferieuge: Saldo (timer)", row["Saldo (timer)"], parse.hours),
                             parse.field("6. ferieuge: Udbetalt", row["Udbetalt"], parse.yes_no))
            for row in screen.table("6. ferieuge").rows
        )
        start = parse.field("Ansættelsesdato", card["Ansættelsesdato"], parse.danish_date)
        if start is None:
            raise ValueError("feltet »Ansættelsesdato« er tomt")
        return EmployeeCard(
            employee_no=card["Medarbejdernr."],
            cpr=normalise(card["CPR-nr."]),
            name=card["Navn"],
            address=card["Adresse"],
            organisation=card["Organisation"],
            position=card["Stilling"],
            hourly=hourly,
            wage_ore=parse.field(wage, card[wage], parse.kroner_to_ore),
            start_date=start,
            active=card["Status"] == "Aktiv",
            leaving_date=parse.field("Fratrædelsesdato", card.get("Fratrædelsesdato", ""), parse.danish_date),
            civil_servant=parse.field("Tjenestemand", card["Tjenestemand"], parse.yes_no),
            manager=card.get("Leder", ""),
            sixth_week=sixth,
        )
    except KeyError as exc:
        raise ApplicationError("page_unexpected", f"Medarbejderkort {employee_no} i lønsystemet: {exc} findes ikke "
                                                  "på siden.") from None
    except ValueError as exc:  # parse.field names the field, what it shows and what it should be
        raise ApplicationError("page_unexpected", f"Medarbejderkort {employee_no} i lønsystemet: {exc}.") from None


class Payroll(LegacyWebApp):
    system = "payroll"

    def _card_once(self, employee_no: str) -> EmployeeCard:
        try:
            screen = self.visit(f"employees/{employee_no}")
        except ApplicationError as exc:
            if exc.code == "http_404":
                raise BusinessError("employee_not_found",
                                    f"Medarbejder {employee_no} findes ikke i lønsystemet.") from None
            raise
        return read_card(employee_no, screen)

    def employee(self, employee_no: str) -> EmployeeCard:
        """The employee card (retrying busy pages, 500s and ended sessions)."""
        return self.retry(lambda: self._card_once(employee_no), what=f"payroll employee {employee_no}")

    def register_termination(self, employee_no: str, leaving: date, last_day: date, reason_code: str
                             ) -> TerminationResult:
        """Register the termination, unless the card already shows a leaving date (then report that date).

        Look and act are one retry unit: after a lost answer the card shows the date and nothing is
        submitted twice. A refusal comes out as FormRejected (L-520 registered, L-521 bad date).
        """
        def once() -> TerminationResult:
            card = self._card_once(employee_no)
            if card.leaving_date is not None:
                return TerminationResult(None, card.leaving_date)
            self.visit(f"employees/{employee_no}/termination")
            self.fill({"Fratrædelsesdato": f"{leaving:%d.%m.%Y}", "Sidste arbejdsdag": f"{last_day:%d.%m.%Y}",
                       "Fratrædelsesårsag": reason_code})
            screen = self.submit("Registrér fratrædelse")
            receipt = screen.card().get("Kvitteringsnr.", "")
            if screen.title != "Fratrædelse registreret" or not receipt:
                raise ApplicationError("page_unexpected", f"payroll answered {screen.title!r} to the termination "
                                       f"of employee {employee_no}")
            return TerminationResult(receipt, leaving)

        return self.retry(once, what=f"payroll termination {employee_no}")


class JsonApi(ApiClient):
    """What the three JSON clients share: one-shot reads for use inside a look-then-act unit."""

    def _json_once(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._json(self.send(method, path, **kwargs))

    def _all_once(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list, without retrying (the caller's unit retries)."""
        found: list[dict[str, Any]] = []
        page: int | None = 1
        while page is not None:
            body = self._json_once("GET", path, params={**params, "page": page})
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise ApplicationError("api_nonsense", f"{self.system}: {path.split('/')[0]} answered without items")
            found.extend(body["items"])
            page = body.get("next_page")
        return found


class Inbox(JsonApi):
    system = "inbox"

    def open_resignations(self) -> Iterator[dict[str, Any]]:
        """Every open resignation case, oldest first."""
        return self.pages("api/v1/cases", type="resignation", status="open", page_size=100)

    def case(self, case_id: str) -> dict[str, Any]:
        """One case as the inbox shows it now."""
        return self.get(f"api/v1/cases/{case_id}")

    def mark_handled(self, case_id: str, note: str) -> dict[str, Any]:
        """Mark the case handled with a note (the inbox makes this idempotent)."""
        return self._json(self.request("POST", f"api/v1/cases/{case_id}/handled", json={"note": note}))


class Esdh(JsonApi):
    system = "esdh"

    def _letter_once(self, cpr: str, doc_type: str, key: str) -> dict[str, Any] | None:
        docs = self._all_once(f"api/v1/personnel-files/{cpr}/documents", doc_type=doc_type, page_size=100)
        return next((d for d in docs if key in str(d.get("title", ""))), None)

    def file_letter(self, cpr: str, *, title: str, key: str, doc_type: str, pdf: bytes, filename: str,
                    doc_date: date) -> tuple[dict[str, Any], bool]:
        """Journalise the letter in the personnel file unless a document of that type with ``key`` in its title
        is there already. Returns (the document's metadata, whether it was there already)."""
        def once() -> tuple[dict[str, Any], bool]:
            found = self._letter_once(cpr, doc_type, key)
            if found is not None:
                return found, True
            doc = self._json_once(
                "POST", f"api/v1/personnel-files/{cpr}/documents",
                data={"title": title, "doc_type": doc_type, "date": doc_date.isoformat()},
                files={"file": (filename, pdf, "application/pdf")})
            return doc, False

        return self.retry(once, what="esdh file letter")

    def content(self, doc_id: str) -> bytes:
        """A document's bytes."""
        return self.request("GET", f"api/v1/documents/{doc_id}/content").content


class DigitalPost(JsonApi):
    system = "post"

    def send_letter(self, cpr: str, *, subject: str, reference: str, pdf: bytes, filename: str
                    ) -> tuple[dict[str, Any], bool]:
        """Send the PDF unless a message with this reference went to this CPR number already.
        Returns (the message's metadata, whether it was sent already)."""
        def once() -> tuple[dict[str, Any], bool]:
            sent = self._all_once("api/v1/messages", cpr=cpr, reference=reference)
            if sent:
                return sent[0], True
            message = self._json_once("POST", "api/v1/messages",
                                      data={"cpr": cpr, "subject": subject, "reference": reference},
                                      files={"file": (filename, pdf, "application/pdf")})
            return message, False

        return self.retry(once, what="post send letter")


__all__ = ["DigitalPost", "EmployeeCard", "Esdh", "Inbox", "NotFound", "Payroll", "SixthWeekBalance",
           "TerminationResult", "read_card"]
