"""The systems the flex wage robot touches: the benefits system's UI (KY) and eIndkomst's API.

Only screens, fields and formats live here; the decisions are in rules.py. Data a system holds
that the robot cannot read (an amount that is no amount) raises :class:`BadData`, which the step
turns into a manual reason: it is a problem for a person, not something a retry cures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from robots.runtime import ApplicationError
from robots.systems import ApiClient, LegacyWebApp, Screen, parse

from .rules import IncomeLine, Payment, month_add

AMOUNT_LABELS = {  # the API's amount field -> what a caseworker calls it
    "a_income_ore": "A-indkomst", "pension_own_ore": "egen pension", "pension_employer_ore": "arbejdsgivers pension",
    "holiday_pay_ore": "feriepenge", "holiday_allowance_ore": "ferietillæg", "sickness_benefit_ore": "sygedagpenge",
    "maternity_benefit_ore": "barselsdagpenge",
}
AMOUNT_FIELDS = tuple(AMOUNT_LABELS)
REGISTERED_TITLE = "Udbetaling registreret"


class BadData(Exception):
    """A record the robot cannot use: ``code`` is the manual reason, ``message`` says what and where."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class CitizenRow:
    case_no: str
    cpr: str
    name: str
    employer_cvr: str


@dataclass(frozen=True)
class BenefitCase:
    """The citizen's card in the benefits system."""

    case_no: str
    cpr: str
    employer_name: str
    employer_cvr: str
    wage_ceiling_ore: int
    payments: tuple[Payment, ...]

    def payment(self, month: str) -> Payment | None:
        """The subsidy registered for ``month`` (åååå-mm), if any."""
        return next((p for p in self.payments if p.month == month), None)


class Benefits(LegacyWebApp):
    """KY Ydelse: citizens in flexjob, their card with earlier payments, the payment form."""

    system = "benefits"

    def citizens(self) -> Iterator[CitizenRow]:
        """Every citizen in flexjob (all pages of the list)."""
        for row in self.rows("citizens"):
            yield CitizenRow(row["Sagsnr."], row["CPR-nr."], row["Navn"], row["CVR-nr."])

    def case(self, case_no: str) -> BenefitCase:
        """The citizen's card; BadData('citizen_not_found') when the system has no such case."""
        return self.retry(lambda: self._case(case_no), what=f"borgerkortet for {case_no}")

    def _case(self, case_no: str) -> BenefitCase:
        """The card, read once (for use inside a larger retried unit)."""
        try:
            screen = self.visit(f"citizens/{case_no}")
        except ApplicationError as exc:
            if exc.code == "http_404":
                raise BadData("citizen_not_found", f"ydelsessystemet har ingen sag {case_no} "
                                                   "(Siden findes ikke)") from None
            raise
        return read_case(case_no, screen)

    def ensure_payment(self, case_no: str, month: str, income_ore: int, subsidy_ore: int,
                       note: str) -> tuple[Payment, bool]:
        """Register the month's subsidy unless it is registered already: (the payment, whether we made it).

        Look and act are one retried unit: after an HTTP 500 the registration may have been made
        (the answer was lost), so the retry looks at the card again before it registers.
        """
        def look_then_register() -> tuple[Payment, bool]:
            existing = self._case(case_no).payment(month)
            if existing is not None:
                return existing, False
            self.visit(f"citizens/{case_no}/payments/new")
            self.fill({"Udbetalingsmåned": month, "Beregningsgrundlag (kr.)": parse.ore_to_kroner(income_ore),
                       "Fleksløntilskud (kr.)": parse.ore_to_kroner(subsidy_ore), "Bemærkning": note})
            screen = self.submit("Registrér")
            if screen.title != REGISTERED_TITLE:
                raise ApplicationError("page_unexpected", f"ydelsessystemet: efter registreringen af {case_no} "
                                                          f"{month} viser siden {screen.title!r}")
            receipt = screen.card()
            voucher = receipt.get("Bilagsnr.", "")
            if not voucher:
                raise ApplicationError("page_unexpected", f"ydelsessystemet: kvitteringen for {case_no} har "
                                                          "intet Bilagsnr.")
            return Payment(month, month_add(month, -1), income_ore, subsidy_ore, voucher), True

        return self.retry(look_then_register, what=f"udbetalingen for {case_no} {month}")


def read_case(case_no: str, screen: Screen) -> BenefitCase:
    """The card's facts from the screen (card fields by label, payments by column name)."""
    card = screen.card()
    missing = [label for label in ("Sagsnr.", "CPR-nr.", "Arbejdsgivers CVR-nr.", "Lønloft (kr. pr. måned)")
               if label not in card]
    if missing:
        raise ApplicationError("page_unexpected", f"borgerkortet for {case_no} mangler {', '.join(missing)}")
    if not card["Lønloft (kr. pr. måned)"].strip():
        raise BadData("wage_ceiling_missing", f"borgerkortet for {case_no} har intet lønloft (Lønloft)")
    try:
        payments = tuple(
            Payment(month=row.get("Udbetalingsmåned", ""), income_month=row.get("Indkomstmåned", ""),
                    income_ore=parse.field("Udbetalinger: Beregningsgrundlag (kr.)",
                                           row.get("Beregningsgrundlag (kr.)", ""), parse.kroner_to_ore),
                    subsidy_ore=parse.field("Udbetalinger: Tilskud (kr.)", row.get("Tilskud (kr.)", ""),
                                            parse.kroner_to_ore),
                    voucher_no=row.get("Bilagsnr.", ""))
            for row in screen.table("Udbetalinger").rows
        )
        ceiling = parse.field("Lønloft (kr. pr. måned)", card["Lønloft (kr. pr. måned)"], parse.kroner_to_ore)
    except ValueError as exc:  # parse.field names the field, what it shows and what it should be
        raise BadData("benefits_amount_malformed", f"borgerkortet for {case_no}: {exc}") from None
    return BenefitCase(
        case_no=card["Sagsnr."], cpr=card["CPR-nr."], employer_name=card.get("Arbejdsgiver", ""),
        employer_cvr=card["Arbejdsgivers CVR-nr."], wage_ceiling_ore=ceiling, payments=payments,
    )


class IncomeRegister(ApiClient):
    """eIndkomst: the income lines reported for a person, per month."""

    system = "eincome"

    def lines(self, cpr: str, first: str, last: str) -> list[IncomeLine]:
        """Every line for the months ``first``..``last`` (åååå-mm); BadData on a malformed line."""
        return [parse_income_line(raw) for raw in self.pages("api/v1/income", cpr=cpr, page_size=50,
                                                             **{"from": first, "to": last})]


def _amount(raw: dict[str, Any], name: str) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        field = f"{AMOUNT_LABELS[name]} ({name})"
        problem = f"{field} er {value!r}, hvilket ikke er et helt antal øre" if name in raw else f"{field} mangler"
        raise BadData("income_malformed", f"eIndkomst-linje {raw.get('line_id', '?')} ({raw.get('month', '?')}, "
                                          f"{raw.get('employer_name', '?')}, CVR {raw.get('cvr', '?')}): {problem}")
    return value


def parse_income_line(raw: dict[str, Any]) -> IncomeLine:
    """One line of the API's answer, every amount checked: present, and a whole number of øre."""
    try:
        line_id, cvr, month = str(raw["line_id"]), str(raw["cvr"]), str(raw["month"])
        start, end = date.fromisoformat(raw["period_start"]), date.fromisoformat(raw["period_end"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadData("income_malformed", f"eIndkomst-linje {raw.get('line_id', '?')} for {raw.get('month', '?')} "
                                          f"har ikke et læsbart linje-id, CVR-nummer, måned eller lønperiode "
                                          f"({exc})") from None
    amounts = {name: _amount(raw, name) for name in AMOUNT_FIELDS}
    return IncomeLine(line_id=line_id, cvr=cvr, employer_name=str(raw.get("employer_name", "")), month=month,
                      period_start=start, period_end=end, **amounts)
