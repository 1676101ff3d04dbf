"""Generate the population of all simulated systems from a seed (same settings, same data).

Each part draws from its own random stream (``sub_rng(seed, part)``), so the parts stay stable
when another part changes. Nothing here iterates over a set, so the output does not depend on
hash randomisation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from robots.cpr import synthetic

from . import names
from .model import (
    Case,
    Citizen,
    Debtor,
    Document,
    Employee,
    Employer,
    IncomeLine,
    Invoice,
    NegativeLine,
    PayrollRun,
    Termination,
)
from .settings import SimSettings
from .util import make_cvr, month_add, month_first, month_of, sub_rng


@dataclass
class Population:
    """Everything generated: the records of every system and the ground truth of what was planted."""

    settings: SimSettings
    municipality_cvr: str
    orgs: dict[str, names.Org]
    employees: list[Employee]
    employers: list[Employer] = field(default_factory=list)
    citizens: list[Citizen] = field(default_factory=list)
    income: list[IncomeLine] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    runs: list[PayrollRun] = field(default_factory=list)
    negatives: list[NegativeLine] = field(default_factory=list)
    debtors: list[Debtor] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    terminations: list[Termination] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)


class People:
    """Unique synthetic CPR numbers with names and addresses that fit them."""

    def __init__(self) -> None:
        self.used: dict[str, None] = {}

    def cpr(self, rng: random.Random, born: date, female: bool) -> str:
        """A synthetic CPR number not used before, whose last digit gives the sex (even: female)."""
        while True:
            cpr = synthetic(rng, born)
            if (int(cpr[-1]) % 2 == 0) == female and cpr not in self.used:
                self.used[cpr] = None
                return cpr

    def person(self, rng: random.Random, today: date, min_age: int, max_age: int, foreign: float = 0.0
               ) -> dict[str, Any]:
        """A person: first/last name, CPR, address, birth date, sex and whether the name is foreign."""
        age = rng.randint(min_age, max_age)
        born = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < foreign:
            first, last, sex = rng.choice(names.FOREIGN)
            female, is_foreign = sex == "F", True
        else:
            female = rng.random() < 0.5
            first = rng.choice(names.FEMALE if female else names.MALE)
            if rng.random() < 0.12:
                first = f"{first} {rng.choice(names.MIDDLE)}"
            last, is_foreign = rng.choice(names.LAST), False
        postcode, city = rng.choice(names.TOWNS)
        return {
            "first_name": first,
            "last_name": last,
            "cpr": self.cpr(rng, born, female),
            "born": born,
            "female": female,
            "foreign": is_foreign,
            "address": f"{rng.choice(names.STREETS)} {rng.randint(1, 120)}",
            "postcode": postcode,
            "city": city,
        }


def _pick_orgs(n_employees: int) -> list[names.Org]:
    """All units for a full population; for a small one, one unit of each kind and then the biggest."""
    wanted = min(len(names.ORGS), max(len(names.KINDS), n_employees // 20))
    chosen: list[names.Org] = []
    for kind in names.KINDS:
        chosen.append(max((o for o in names.ORGS if o.kind == kind), key=lambda o: o.weight))
    for org in sorted(names.ORGS, key=lambda o: (-o.weight, o.code)):
        if len(chosen) >= wanted:
            break
        if org not in chosen:
            chosen.append(org)
    return sorted(chosen, key=lambda o: o.code)


def _sixth_week(rng: random.Random, hours: Decimal, start: date, today: date) -> tuple[dict[int, Decimal], list[int]]:
    """Sixth-week balances per earning year (hours) and the years already paid out."""
    balance: dict[int, Decimal] = {}
    paid: list[int] = []
    for year in (today.year - 2, today.year - 1, today.year):
        first = max(start, date(year, 1, 1))
        last = min(date(year, 12, 31), today) if year == today.year else date(year, 12, 31)
        if first > last:
            continue
        months = Decimal((last.year - first.year) * 12 + last.month - first.month + 1)
        earned = (hours * months / 12).quantize(Decimal("0.01"))
        if year == today.year:
            balance[year] = earned
            continue
        roll = rng.random()
        if year == today.year - 2:  # holiday year over: mostly taken, some transferred, some paid
            if roll < 0.62:
                left = Decimal("0.00")
            elif roll < 0.90:
                left = (earned * Decimal(rng.randint(10, 100)) / 100).quantize(Decimal("0.01"))
            else:
                left, paid = Decimal("0.00"), [*paid, year]
        else:  # the running holiday year: some taken already
            if roll < 0.30:
                left = Decimal("0.00")
            elif roll < 0.55:
                left = (earned * Decimal(rng.randint(20, 90)) / 100).quantize(Decimal("0.01"))
            elif roll < 0.96:
                left = earned
            else:
                left, paid = Decimal("0.00"), [*paid, year]
        balance[year] = left
    return balance, paid


def _employee(rng: random.Random, people: People, today: date, org: names.Org, number: str,
              manager_no: str | None) -> Employee:
    """One employee of ``org``; a manager when ``manager_no`` is None."""
    is_manager = manager_no is None
    person = people.person(rng, today, 30 if is_manager else 19, 66, foreign=0.04)
    age = today.year - person["born"].year
    if is_manager:
        pos = names.Position(names.MANAGER_TITLE[org.kind], 1, children=org.kind in ("school", "daycare"),
                             salary=(48000, 62000))
    else:
        options = names.POSITIONS[org.kind]
        pos = rng.choices(options, weights=[p.weight for p in options])[0]
    hourly = pos.hourly
    if hourly:
        hours = Decimal(rng.choice((2, 3, 3, 5, 6, 8, 10, 12, 15, 18, 20))).quantize(Decimal("0.01"))
    else:
        choice = 37 if rng.random() < 0.68 else rng.choice((20, 25, 28, 30, 32, 34))
        hours = Decimal(choice).quantize(Decimal("0.01"))
    max_tenure = max(0, age - 19)
    tenure_days = int(min(max_tenure * 365, rng.expovariate(1 / (9 * 365))))
    start = today - timedelta(days=tenure_days + rng.randint(20, 60))
    if rng.random() < 0.8:
        start = start.replace(day=1)
    salary = rate = None
    if hourly:
        rate = rng.randint(pos.rate[0] * 100, pos.rate[1] * 100)
    else:
        full = rng.randint(pos.salary[0] // 100, pos.salary[1] // 100) * 100 * 100
        salary = int(Decimal(full) * hours / 37)
    senior_post = pos.title == "Lærer" or is_manager
    civil = (not hourly) and (
        (senior_post and start.year < 2010 and rng.random() < 0.5) or (start.year < 2002 and rng.random() < 0.2)
    )
    balance, paid = _sixth_week(rng, hours, start, today)
    return Employee(
        employee_no=number,
        cpr=person["cpr"],
        first_name=person["first_name"],
        last_name=person["last_name"],
        address=person["address"],
        postcode=person["postcode"],
        city=person["city"],
        org_code=org.code,
        position=pos.title,
        pay_type="hourly" if hourly else "monthly",
        monthly_salary_ore=salary,
        hourly_rate_ore=rate,
        hours_per_week=hours,
        start_date=start,
        leaving_date=None,
        civil_servant=civil,
        manager_no=manager_no,
        is_manager=is_manager,
        contact_with_children=pos.children,
        authorised_health=pos.health,
        criminal_record_required=pos.record,
        sixth_week_balance=balance,
        sixth_week_paid=paid,
        digital_post_exempt=rng.random() < 0.03 or (person["foreign"] and rng.random() < 0.2),
    )


def _employees(settings: SimSettings, people: People, orgs: list[names.Org]) -> list[Employee]:
    """The payroll population: a manager per unit, the rest spread over units by size."""
    rng = sub_rng(settings.seed, "employees")
    today = settings.today
    result: list[Employee] = []
    number = 100100
    managers: dict[str, str] = {}
    for org in orgs:
        number += rng.randint(1, 7)
        emp = _employee(rng, people, today, org, str(number), None)
        managers[org.code] = emp.employee_no
        result.append(emp)
    weights = [o.weight for o in orgs]
    while len(result) < settings.employees:
        org = rng.choices(orgs, weights=weights)[0]
        number += rng.randint(1, 7)
        result.append(_employee(rng, people, today, org, str(number), managers[org.code]))
    # Leavers: some left in the last half year, a few have a registered leaving date ahead.
    for emp in result:
        if emp.is_manager:
            continue
        roll = rng.random()
        if roll < 0.065:
            month = month_add(month_of(today), -rng.randint(1, 6))
            leaving = month_first(month_add(month, 1)) - timedelta(days=1)
            if rng.random() < 0.3:
                leaving = month_first(month) + timedelta(days=rng.randint(0, 25))
            if leaving > emp.start_date:
                emp.leaving_date = leaving
        elif roll < 0.075:
            emp.leaving_date = month_first(month_add(month_of(today), rng.randint(1, 3))) - timedelta(days=1)
    return result


def generate(settings: SimSettings) -> Population:
    """The whole population for ``settings`` (deterministic)."""
    from . import gen_files, gen_flex, gen_payroll

    people = People()
    orgs = _pick_orgs(settings.employees)
    municipality_cvr = make_cvr(sub_rng(settings.seed, "municipality"))
    pop = Population(
        settings=settings,
        municipality_cvr=municipality_cvr,
        orgs={o.code: o for o in orgs},
        employees=_employees(settings, people, orgs),
    )
    gen_flex.generate_flex(pop, people)
    gen_files.generate_files(pop)
    gen_payroll.generate_payroll(pop, people)
    return pop
