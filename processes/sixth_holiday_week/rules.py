"""The sixth holiday week rules (RULES.md section 3) as pure functions: facts in, decisions out. No I/O.

KL's agreement: 37 hours a year at full time (pro rata for part time) are earned 1 January to
31 December and taken 1 May to 30 April of the following year. Untaken hours are paid out only on
the employee's request, received by the municipality's deadline (default 1 October of the holiday
year), with the first pay after 30 April; on leaving, the untaken hours of the current and the
previous earning year are paid with the final pay. Amount = hours x the current hourly rate:
monthly salary / 160.33 for the monthly-paid, the agreed rate for the hourly-paid, computed in
exact Decimal øre and rounded half up to a whole øre once, at the end.

Sentences are for a caseworker and in Danish, as the desk is: they name the employee number
(never the CPR number) and show dates, hours and kroner the Danish way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from robots.systems.parse import decimal_comma

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
PAY_ELEMENT = "0620"  # 6. ferieuge, udbetaling
FIRST_PAYOUT_MONTH = 5  # "with the first pay after 30 April" of the holiday year
DEFAULT_DIVISOR = Decimal("160.33")

# The checks of a payout request, in the order RULES.md lists them (the first failed one is the code).
INACTIVE, LATE, ALREADY_PAID, NO_BALANCE, EXCEEDS_BALANCE = (
    "inactive", "late", "already_paid", "no_balance", "exceeds_balance")


# -- facts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SixthWeekYear:
    """One row of the employee card's "6. ferieuge" table."""

    earning_year: int
    balance_hours: Decimal
    paid: bool


@dataclass(frozen=True)
class PayLine:
    """A pay line registered in payroll (the card's "Registrerede løndele", or a receipt)."""

    receipt_no: str
    pay_element: str
    period: str  # åååå-mm
    hours: Decimal | None
    amount_ore: int
    earning_year: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"receipt_no": self.receipt_no, "pay_element": self.pay_element, "period": self.period,
                "hours": None if self.hours is None else str(self.hours), "amount_ore": self.amount_ore,
                "earning_year": self.earning_year}


@dataclass(frozen=True)
class Employee:
    """What the payroll employee card says about one employee."""

    employee_no: str
    cpr: str
    active: bool  # Status "Aktiv" (not "Fratrådt")
    leaving_date: date | None
    pay_type: str  # "monthly" | "hourly"
    monthly_salary_ore: int | None
    hourly_rate_ore: int | None
    weekly_hours: Decimal
    sixth_week: tuple[SixthWeekYear, ...] = ()
    pay_lines: tuple[PayLine, ...] = ()

    def year(self, earning_year: int) -> SixthWeekYear | None:
        """The card's row for ``earning_year``, if it has one."""
        return next((y for y in self.sixth_week if y.earning_year == earning_year), None)


@dataclass(frozen=True)
class Request:
    """A payout request from the self-service inbox."""

    case_id: str
    employee_no: str
    cpr: str
    earning_year: int
    hours: Decimal
    received_at: datetime  # timezone-aware


@dataclass(frozen=True)
class Problem:
    """A failed check: ``code`` names it, ``sentence`` tells a caseworker the facts."""

    code: str
    sentence: str


# -- display -------------------------------------------------------------------------------------


def kroner(ore: int) -> str:
    """123456 -> '1.234,56 kr.' (as people read amounts)."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100:,}".replace(",", ".") + f",{abs(ore) % 100:02d} kr."


def hours_text(hours: Decimal) -> str:
    """Decimal('9.86') -> '9,86'."""
    return decimal_comma(hours.quantize(Decimal("0.01")))


def date_text(value: date) -> str:
    """date(2024, 10, 1) -> '01.10.2024'."""
    return value.strftime("%d.%m.%Y")


# -- deadline ------------------------------------------------------------------------------------


def request_deadline(earning_year: int, month: int = 10, day: int = 1) -> date:
    """The last day a request for ``earning_year``'s hours may arrive: by default 1 October of the
    holiday year, which is the year after the earning year (municipal policy, conf)."""
    return date(earning_year + 1, month, day)


def received_on(received_at: datetime) -> date:
    """The day a request arrived, in Copenhagen (a deadline is a Danish calendar day)."""
    if received_at.tzinfo is None:
        raise ValueError(f"received_at must be timezone-aware, got {received_at!r}")
    return received_at.astimezone(COPENHAGEN).date()


# -- the amount ----------------------------------------------------------------------------------


def round_ore(value: Decimal) -> int:
    """Half up to a whole øre (RULES.md: rounded once, at the end)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Calculation:
    """hours x the current hourly rate, kept with the item so a person can check it by hand."""

    employee_no: str
    earning_year: int
    hours: Decimal
    pay_type: str
    monthly_salary_ore: int | None
    divisor: Decimal | None
    hourly_rate_ore: Decimal  # exact: the agreed rate, or monthly salary / divisor unrounded
    exact_amount_ore: Decimal
    amount_ore: int

    def rate_field_ore(self) -> int | None:
        """The rate to type into payroll's "Sats" field, which takes whole øre only: the rate when it
        is a whole number of øre, else None. A rounded rate would state a different amount than
        the one computed (payroll checks amount = hours x rate)."""
        return int(self.hourly_rate_ore) if self.hourly_rate_ore == self.hourly_rate_ore.to_integral_value() else None

    def describe(self) -> str:
        """'9,86 t x 32.300,00 kr. / 160,33 = 1.986,40 kr.' (monthly) or '5,64 t x 192,04 kr. = ...'."""
        if self.pay_type == "monthly":
            rate = f"{kroner(self.monthly_salary_ore or 0)} / {str(self.divisor).replace('.', ',')}"
        else:
            rate = kroner(int(self.hourly_rate_ore))
        return f"{hours_text(self.hours)} t × {rate} = {kroner(self.amount_ore)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "employee_no": self.employee_no, "earning_year": self.earning_year, "hours": str(self.hours),
            "pay_type": self.pay_type, "monthly_salary_ore": self.monthly_salary_ore,
            "divisor": None if self.divisor is None else str(self.divisor),
            "hourly_rate_ore": str(self.hourly_rate_ore.quantize(Decimal("0.000001"))),
            "exact_amount_ore": str(self.exact_amount_ore.quantize(Decimal("0.000001"))),
            "amount_ore": self.amount_ore, "rounding": "afrundet halvt op til hele øre, én gang, til sidst",
            "formula": self.describe(),
        }


def calculate(employee: Employee, earning_year: int, hours: Decimal, divisor: Decimal = DEFAULT_DIVISOR) -> Calculation:
    """The payout: hours x the current hourly rate. Monthly-paid: monthly salary / ``divisor``
    (RULES.md: 160.33), hourly-paid: the agreed rate. The product is computed exactly
    (hours x salary / divisor, a single division) and rounded half up to whole øre at the end."""
    if employee.pay_type == "monthly":
        if employee.monthly_salary_ore is None:
            raise ValueError(f"Medarbejder {employee.employee_no} er månedslønnet, men lønsystemet viser ingen "
                             "månedsløn")
        salary = Decimal(employee.monthly_salary_ore)
        exact = hours * salary / divisor
        rate = salary / divisor
        return Calculation(employee.employee_no, earning_year, hours, "monthly", employee.monthly_salary_ore, divisor,
                           rate, exact, round_ore(exact))
    if employee.pay_type == "hourly":
        if employee.hourly_rate_ore is None:
            raise ValueError(f"Medarbejder {employee.employee_no} er timelønnet, men lønsystemet viser ingen timeløn")
        rate = Decimal(employee.hourly_rate_ore)
        exact = hours * rate
        return Calculation(employee.employee_no, earning_year, hours, "hourly", None, None, rate, exact,
                           round_ore(exact))
    raise ValueError(f"Medarbejder {employee.employee_no} har en ukendt aflønningsform ({employee.pay_type!r})")


# -- pay lines -----------------------------------------------------------------------------------


def payout_line(employee: Employee, earning_year: int) -> PayLine | None:
    """The 0620 line registered for ``earning_year``, if any (payroll allows one payout per year)."""
    return next((p for p in employee.pay_lines if p.pay_element == PAY_ELEMENT and p.earning_year == earning_year),
                None)


def is_this_payout(line: PayLine, calc: Calculation) -> bool:
    """Is ``line`` the payout ``calc`` describes (same year, hours and amount)? Then it was registered
    already (by an earlier attempt whose answer got lost) and must be recorded, not registered again."""
    return (line.pay_element == PAY_ELEMENT and line.earning_year == calc.earning_year
            and line.hours == calc.hours and line.amount_ore == calc.amount_ore)


def request_period(open_periods: Sequence[str], earning_year: int) -> str | None:
    """The first pay after 30 April of the holiday year: the earliest open period from May of the
    year after the earning year on; None when payroll has no such period open yet."""
    earliest = f"{earning_year + 1}-{FIRST_PAYOUT_MONTH:02d}"
    return next((p for p in sorted(open_periods) if p >= earliest), None)


def final_pay_period(open_periods: Sequence[str], leaving_date: date) -> str | None:
    """The final pay: the period of the leaving month (the next open one when that has passed);
    None when the leaving month is beyond the periods payroll has open."""
    month = f"{leaving_date.year}-{leaving_date.month:02d}"
    periods = sorted(open_periods)
    if not periods or month > periods[-1]:
        return None
    return month if month in periods else next(p for p in periods if p >= month)


# -- a payout request ----------------------------------------------------------------------------


def check_request(request: Request, employee: Employee, deadline: date) -> list[Problem]:
    """Every check RULES.md lists, in its order: active, in time, not already paid, a balance, the
    hours within it. Empty = the robot may pay. The first problem's code is the manual reason."""
    no, year = employee.employee_no, request.earning_year
    problems: list[Problem] = []
    if not employee.active:
        left = f" (fratrådt {date_text(employee.leaving_date)})" if employee.leaving_date else ""
        problems.append(Problem(INACTIVE, f"Medarbejder {no} er ikke længere aktiv i lønsystemet{left}; 6. ferieuge "
                                          "udbetales kun efter anmodning til aktive medarbejdere."))
    received = received_on(request.received_at)
    if received > deadline:
        problems.append(Problem(LATE, f"Anmodningen fra medarbejder {no} for optjeningsår {year} er modtaget "
                                      f"{date_text(received)}, efter fristen {date_text(deadline)}."))
    row = employee.year(year)
    if row is not None and row.paid:
        problems.append(Problem(ALREADY_PAID, f"6. ferieuge for optjeningsår {year} er allerede udbetalt til "
                                              f"medarbejder {no} (lønsystemet viser Udbetalt = Ja)."))
    balance = row.balance_hours if row is not None else Decimal(0)
    if balance <= 0:
        shown = f"en saldo på {hours_text(balance)} timer" if row is not None else "ingen linje for optjeningsåret"
        problems.append(Problem(NO_BALANCE, f"Medarbejder {no} har ingen timer tilbage af 6. ferieuge for "
                                            f"optjeningsår {year} (lønsystemet viser {shown}); der er anmodet om "
                                            f"{hours_text(request.hours)} timer."))
    elif request.hours > balance:
        problems.append(Problem(EXCEEDS_BALANCE, f"Medarbejder {no} anmoder om {hours_text(request.hours)} timer for "
                                                 f"optjeningsår {year}, men saldoen er {hours_text(balance)} timer."))
    return problems


def request_facts_problem(request: Request, employee: Employee) -> Problem | None:
    """Is the request about this employee, and does it ask for something? (Bad case data: manual.)"""
    if request.cpr and request.cpr.replace("-", "") != employee.cpr.replace("-", ""):
        return Problem("employee_mismatch", f"Sag {request.case_id} nævner medarbejder {request.employee_no}, men "
                                            "CPR-nr. på sagen er ikke medarbejderens CPR-nr. i lønsystemet.")
    if not request.hours.is_finite() or request.hours <= 0 or request.hours != request.hours.quantize(Decimal("0.01")):
        shown = decimal_comma(request.hours)
        return Problem("invalid_request", f"Sag {request.case_id} anmoder om {shown} timer; lønsystemet kræver "
                                          "et positivt antal timer med højst to decimaler.")
    return None


def handled_note(calc: Calculation, line: PayLine) -> str:
    """The note on the inbox case (Danish: the employee and the payroll office read it)."""
    return (f"6. ferieuge, optjeningsår {calc.earning_year}: {calc.describe()} udbetalt med lønnen for "
            f"{line.period} (lønart {PAY_ELEMENT}, kvitteringsnr. {line.receipt_no}).")


# -- a leaver ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaverPlan:
    """What the annual leavers' run does for one employee.

    outcome: "not_leaving" (no leaving date), "nothing_to_pay", "pay" (register ``to_pay``, then hand
    over ``afterwards`` if any), or "manual" (``blocking``: register nothing; or only ``afterwards``).
    """

    outcome: str
    covered_years: tuple[int, ...] = ()
    to_pay: tuple[Calculation, ...] = ()
    registered: tuple[PayLine, ...] = ()
    blocking: Problem | None = None
    afterwards: tuple[Problem, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "covered_years": list(self.covered_years),
                "to_pay": [c.as_dict() for c in self.to_pay], "registered": [p.as_dict() for p in self.registered],
                "blocking": self.blocking.code if self.blocking else None,
                "afterwards": [p.code for p in self.afterwards]}


def leaver_years(leaving_date: date) -> tuple[int, int]:
    """RULES.md: on leaving, the current and the previous earning year, current = the leaving year."""
    return leaving_date.year - 1, leaving_date.year


def plan_leaver(employee: Employee, divisor: Decimal = DEFAULT_DIVISOR) -> LeaverPlan:
    """The untaken hours of the leaving year and the year before, each paid once, with the final pay.

    - a year already registered as 0620 (its line is on the card) is recorded, not paid again;
    - a year payroll marks paid with hours left (a partial payout on request) cannot take a second
      0620 line: a person settles the rest (already_paid);
    - hours of older earning years are outside the rule: a person decides (older_balance);
    - an employee who has already left gets no pay line in payroll (inactive): a person pays what
      is computed here with an aperiodic run.
    """
    if employee.leaving_date is None:
        return LeaverPlan("not_leaving")
    no, leaving = employee.employee_no, employee.leaving_date
    covered = leaver_years(leaving)
    to_pay: list[Calculation] = []
    registered: list[PayLine] = []
    afterwards: list[Problem] = []
    for year in covered:
        line = payout_line(employee, year)
        if line is not None:
            registered.append(line)
            continue
        row = employee.year(year)
        if row is None or row.balance_hours <= 0:
            continue
        calc = calculate(employee, year, row.balance_hours, divisor)
        if row.paid:
            afterwards.append(Problem(ALREADY_PAID, f"Optjeningsår {year} er allerede udbetalt én gang, og der er "
                                                    f"{hours_text(row.balance_hours)} timer tilbage "
                                                    f"({calc.describe()}); lønsystemet kan kun registrere én "
                                                    "udbetaling pr. optjeningsår."))
        else:
            to_pay.append(calc)
    for row in employee.sixth_week:
        if row.earning_year < covered[0] and row.balance_hours > 0:
            calc = calculate(employee, row.earning_year, row.balance_hours, divisor)
            afterwards.append(Problem("older_balance", f"Optjeningsår {row.earning_year} har stadig en saldo på "
                                                       f"{hours_text(row.balance_hours)} timer ({calc.describe()}); "
                                                       "det er ældre end de optjeningsår, der udbetales ved "
                                                       f"fratræden ({covered[0]} og {covered[1]})."))
    if not employee.active:
        if not to_pay and not afterwards:
            return LeaverPlan("nothing_to_pay", covered, registered=tuple(registered))
        owed = "; ".join(f"{c.earning_year}: {c.describe()}" for c in to_pay) or \
            "ingen i de optjeningsår, der udbetales ved fratræden"
        sentence = (f"Medarbejder {no} fratrådte {date_text(leaving)}, og lønsystemet kan ikke registrere "
                    "lønlinjer efter fratrædelsen. Ikke afholdte timer af 6. ferieuge, der skal udbetales "
                    f"manuelt: {owed}")
        blocking = Problem(INACTIVE, sentence if sentence.endswith(".") else sentence + ".")
        return LeaverPlan("manual", covered, tuple(to_pay), tuple(registered), blocking, tuple(afterwards))
    if to_pay:
        return LeaverPlan("pay", covered, tuple(to_pay), tuple(registered), None, tuple(afterwards))
    if afterwards:
        return LeaverPlan("manual", covered, (), tuple(registered), None, tuple(afterwards))
    return LeaverPlan("nothing_to_pay", covered, registered=tuple(registered))


def leaver_period_problem(employee: Employee, open_periods: Sequence[str]) -> Problem | None:
    """The final pay must be open in payroll to register the payout with it."""
    if employee.leaving_date is None:
        raise ValueError(f"employee {employee.employee_no} has no leaving date")
    if final_pay_period(open_periods, employee.leaving_date) is not None:
        return None
    shown = ", ".join(sorted(open_periods)) or "ingen"
    return Problem("final_pay_not_open", f"Medarbejder {employee.employee_no} har fratrædelsesdato "
                                         f"{date_text(employee.leaving_date)}, men lønperioden for den sidste løn er "
                                         f"endnu ikke åben i lønsystemet (åbne perioder: {shown}).")
