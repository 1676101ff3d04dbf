"""Page objects for the two systems negative pay touches: the payroll UI (run result lists, the
marking form, employee cards) and the debtor UI (debtors, invoices).

Only screens and fields live here; the decisions are in rules.py. Writes look before they act,
inside one retried unit: an HTTP 500 may come after the system did what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from robots.cpr import mask
from robots.runtime import ApplicationError, TransientError
from robots.systems import FormRejected, LegacyWebApp, parse
from robots.systems.web import Screen

from .rules import APERIODIC, CARRY_FORWARD, HOLIDAY_PAY, INVOICE, NET_PAY, ORDINARY, InvoiceLine, PayElement, RunInfo

KIND_BY_TEXT = {"Negativ nettoløn": NET_PAY, "Negative feriepenge": HOLIDAY_PAY}
PAY_TYPE_BY_TEXT = {"Månedsløn": "monthly", "Timeløn": "hourly"}
RUN_KIND_BY_TEXT = {"Ordinær": ORDINARY, "Aperiodisk": APERIODIC}
MARKING_BY_TEXT = {"": None, "Fremført": CARRY_FORWARD, "Faktura": INVOICE}


def _page_unexpected(what: str, exc: Exception) -> ApplicationError:
    """The page does not look as expected (``what`` names it in Danish: the message may reach a caseworker)."""
    return ApplicationError("page_unexpected", mask(f"{what} ser ikke ud som ventet ({exc})"))


def split_address(text: str) -> tuple[str, str, str]:
    """'Storegade 12, 1. th., 8000 Aarhus C' -> ('Storegade 12, 1. th.', '8000', 'Aarhus C')."""
    street, sep, town = text.strip().rpartition(",")
    postcode, _, city = town.strip().partition(" ")
    if not sep or not street.strip() or not (len(postcode) == 4 and postcode.isdigit()) or not city.strip():
        raise ValueError(f"not an address with postcode and town: {text!r}")
    return street.strip(), postcode, city.strip()


# -- payroll ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRow:
    run: RunInfo
    negatives: int
    pending: int


@dataclass(frozen=True)
class ResultLine:
    """One row of a run's result list. ``problem`` says what could not be read (the rest is as shown)."""

    line_id: str
    employee_no: str
    cpr: str
    name: str
    organisation: str  # "2101 Østre Skole"
    pay_type: str  # "monthly" | "hourly" | the text shown when unknown
    kind: str  # "net_pay" | "holiday_pay" | the text shown when unknown
    amount_ore: int | None
    marking: str | None
    problem: str = ""

    @property
    def org_code(self) -> str:
        return self.organisation.split(" ", 1)[0]


@dataclass(frozen=True)
class NegativeCard:
    """A negative result's own page: the line, the employee's status, the marking and the pay elements."""

    line_id: str
    run_id: str
    employee_no: str
    kind: str
    amount_ore: int
    marking: str | None
    elements: list[PayElement]


@dataclass(frozen=True)
class EmployeeCard:
    employee_no: str
    name: str
    left: bool
    leaving_date: date | None
    address: str  # as shown: "street, postcode town"


class AlreadyMarked(Exception):
    """The line carries another marking than the one the robot would set (a person marked it)."""

    def __init__(self, line_id: str, marking: str) -> None:
        super().__init__(f"line {line_id} is already marked {marking}")
        self.line_id = line_id
        self.marking = marking


class Payroll(LegacyWebApp):
    system = "payroll"

    def runs(self) -> list[RunRow]:
        """Every payroll run in the run list, with its count of negative and unhandled lines."""
        result = []
        for row in self.rows("runs"):
            try:
                run = RunInfo(row["Kørsel"], RUN_KIND_BY_TEXT[row["Type"]], row["Lønperiode"],
                              parse.danish_date(row["Kørselsdato"]))  # type: ignore[arg-type]
                result.append(RunRow(run, int(row["Negative"]), int(row["Ubehandlede"])))
            except (KeyError, ValueError, TypeError) as exc:
                raise _page_unexpected("Lønsystemets liste over lønkørsler", exc) from None
        return result

    def result_lines(self, run_id: str, status: str = "") -> list[ResultLine]:
        """A run's result list (``status``: "" all, "pending" unhandled), every page."""
        lines = []
        for row in self.rows(f"runs/{run_id}", status=status):
            try:
                line_id, employee_no = row["Linje"], row["Medarbejdernr."]
                kind_text, pay_text, amount_text = row["Type"], row["Aflønningsform"], row["Beløb (kr.)"]
                cpr, name, org, marking_text = row["CPR-nr."], row["Navn"], row["Organisation"], row["Markering"]
            except KeyError as exc:
                raise _page_unexpected(f"Resultatlisten for lønkørsel {run_id}", exc) from None
            problems = []
            amount: int | None = None
            try:
                amount = parse.kroner_to_ore(amount_text)
            except ValueError:
                problems.append(f"beløbet {amount_text!r} kan ikke læses")
            if kind_text not in KIND_BY_TEXT:
                problems.append(f"typen {kind_text!r} er ukendt")
            if pay_text not in PAY_TYPE_BY_TEXT:
                problems.append(f"aflønningsformen {pay_text!r} er ukendt")
            lines.append(ResultLine(line_id, employee_no, cpr, name, org, PAY_TYPE_BY_TEXT.get(pay_text, pay_text),
                                    KIND_BY_TEXT.get(kind_text, kind_text), amount,
                                    MARKING_BY_TEXT.get(marking_text, marking_text), mask("; ".join(problems))))
        return lines

    def negative(self, line_id: str) -> NegativeCard:
        """The negative result's page: its card and its pay element lines."""
        return self._negative(self.open(f"negatives/{line_id}"), line_id)

    def _negative(self, screen: Screen, line_id: str) -> NegativeCard:
        card = screen.card()
        try:
            elements = [PayElement(row["Lønperiode"], row["Lønart"], row["Tekst"],
                                   parse.kroner_to_ore(row["Beløb (kr.)"]))
                        for row in screen.table("Lønarter").rows]
            return NegativeCard(card["Linje"], card["Kørsel"].split(" ", 1)[0], card["Medarbejdernr."],
                                KIND_BY_TEXT[card["Type"]], parse.kroner_to_ore(card["Beløb (kr.)"]),
                                MARKING_BY_TEXT[card["Markering"]], elements)
        except (KeyError, ValueError) as exc:
            raise _page_unexpected(f"Siden for negativt resultat {line_id}", exc) from None

    def employee(self, employee_no: str) -> EmployeeCard:
        """The facts of the employee card the policy and the invoice need."""
        card = self.open(f"employees/{employee_no}").card()
        try:
            return EmployeeCard(card["Medarbejdernr."], card["Navn"], card["Status"] == "Fratrådt",
                                parse.danish_date(card["Fratrædelsesdato"]), card["Adresse"])
        except (KeyError, ValueError) as exc:
            raise _page_unexpected(f"Medarbejderkort {employee_no}", exc) from None

    def mark(self, line_id: str, handling: str, comment: str) -> bool:
        """Mark the line (``carry_forward`` | ``invoice``); False when it already carried that marking.

        Look, then act, in one retried unit: after a lost response the retry finds the marking set.
        AlreadyMarked when a person marked it otherwise; FormRejected when the system refuses.
        """
        def unit() -> bool:
            current = self._negative(self.visit(f"negatives/{line_id}"), line_id).marking
            if current == handling:
                return False
            if current is not None:
                raise AlreadyMarked(line_id, current)
            self.fill({"Behandling": handling, "Bemærkning": comment})
            screen = self.submit("Gem markering")
            if screen.title != "Markering gemt":
                raise TransientError(f"Lønsystemet viste ingen kvittering efter markering af linje {line_id} "
                                     f"({screen.title})",
                                     code="no_confirmation")
            return True

        return self.retry(unit, what=f"payroll mark {line_id}")


# -- debtor ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    cpr: str
    name: str
    address: str
    postcode: str
    city: str


@dataclass(frozen=True)
class InvoiceRequest:
    reference: str
    text: str
    due_date: date
    note: str
    lines: list[InvoiceLine]


@dataclass(frozen=True)
class InvoiceFound:
    invoice_no: str
    debtor_no: str
    reference: str
    amount_ore: int
    due_date: date | None
    created: bool  # True: created now; False: it was there already (recorded, not created again)
    debtor_created: bool = False


class Debtor(LegacyWebApp):
    system = "debtor"

    def _rows_once(self, path: str, **params: str) -> list[dict[str, str]]:
        """Every row of a paged list, without retries of its own (for use inside a retried unit)."""
        screen = self.visit(path, **params)
        rows, seen = list(screen.table().rows), set()
        while screen.next_page and screen.next_page not in seen:
            seen.add(screen.next_page)
            screen = self._visit_url(screen.next_page)
            rows.extend(screen.table().rows)
        return rows

    def invoices_with_reference(self, reference: str) -> list[dict[str, str]]:
        """The invoices whose reference is exactly ``reference`` (the search finds "contains")."""
        return [row for row in self._rows_once("invoices", reference=reference)
                if row.get("Reference", "").strip().lower() == reference.lower()]

    def debtor_no(self, cpr: str) -> str | None:
        """The debtor number of the debtor with this CPR number, or None."""
        rows = [r for r in self._rows_once("debtors", cpr=cpr) if r.get("CPR-nr.", "").replace("-", "")
                == cpr.replace("-", "")]
        return rows[0]["Debitornr."] if rows else None

    def create_debtor(self, person: Person) -> str:
        """Create the debtor (one try; the caller looked first); its debtor number."""
        self.visit("debtors/new")
        self.fill({"CPR-nr.": person.cpr, "Navn": person.name, "Adresse": person.address,
                   "Postnr.": person.postcode, "By": person.city})
        return self._receipt(self.submit("Opret"), "Debitor oprettet", "Debitornr.")

    def create_invoice(self, debtor_no: str, invoice: InvoiceRequest) -> tuple[str, int]:
        """Create the invoice (one try; the caller looked first): (invoice number, total in øre)."""
        self.visit(f"debtors/{debtor_no}/invoices/new")
        values = {"Reference": invoice.reference, "Fordringstekst": invoice.text,
                  "Forfaldsdato": f"{invoice.due_date:%d.%m.%Y}", "Bemærkning": invoice.note}
        for i, line in enumerate(invoice.lines, start=1):
            values[f"Periode linje {i}"] = line.period
            values[f"Lønart linje {i}"] = line.element
            values[f"Beløb linje {i}"] = parse.ore_to_kroner(line.amount_ore)
        self.fill(values)
        screen = self.submit("Opret regning")
        number = self._receipt(screen, "Regning oprettet", "Fakturanr.")
        try:
            return number, parse.kroner_to_ore(screen.card()["Beløb i alt (kr.)"])
        except (KeyError, ValueError) as exc:
            raise _page_unexpected("Kvitteringen for fakturaen", exc) from None

    @staticmethod
    def _receipt(screen: Screen, title: str, label: str) -> str:
        if screen.title != title:
            raise TransientError(f"Debitorsystemet viste {screen.title!r} i stedet for {title!r}",
                                 code="no_confirmation")
        try:
            return screen.card()[label]
        except KeyError as exc:
            raise _page_unexpected(f"Kvitteringen {title!r}", exc) from None

    def ensure_invoice(self, person: Person, invoice: InvoiceRequest) -> InvoiceFound:
        """The invoice with ``invoice.reference``: found, or created (with the debtor when there is none).

        Look before you act, all in one retried unit: an invoice (or a debtor) created by an
        attempt whose answer was lost is found by the next attempt and recorded, never created
        twice. More than one invoice with the reference already: DuplicateInvoices (for a person).
        """
        def unit() -> InvoiceFound:
            found = self.invoices_with_reference(invoice.reference)
            if len(found) > 1:
                raise DuplicateInvoices(invoice.reference, [row["Fakturanr."] for row in found])
            if found:
                row = found[0]
                try:
                    return InvoiceFound(row["Fakturanr."], row["Debitornr."], row["Reference"],
                                        parse.kroner_to_ore(row["Beløb (kr.)"]),
                                        parse.danish_date(row["Forfaldsdato"]), created=False)
                except (KeyError, ValueError) as exc:
                    raise _page_unexpected("Debitorsystemets fakturasøgning", exc) from None
            debtor_no, debtor_created = self.debtor_no(person.cpr), False
            if debtor_no is None:
                try:
                    debtor_no, debtor_created = self.create_debtor(person), True
                except FormRejected as exc:
                    if exc.code != "D-0042":  # D-0042: the debtor exists (an earlier answer was lost)
                        raise
                    debtor_no = self.debtor_no(person.cpr)
                    if debtor_no is None:
                        raise ApplicationError("debtor_missing", "Debitorsystemet svarer D-0042 (debitoren "
                                               "findes), men søgningen finder ingen debitor med CPR-nummeret"
                                               ) from None
            number, total = self.create_invoice(debtor_no, invoice)
            return InvoiceFound(number, debtor_no, invoice.reference, total, invoice.due_date, created=True,
                                debtor_created=debtor_created)

        return self.retry(unit, what=f"debtor invoice {invoice.reference}")


class DuplicateInvoices(Exception):
    """The debtor system already holds more than one invoice with the reference: a person cancels one."""

    def __init__(self, reference: str, numbers: list[str]) -> None:
        super().__init__(f"{len(numbers)} invoices with reference {reference}: {', '.join(numbers)}")
        self.reference = reference
        self.numbers = numbers
