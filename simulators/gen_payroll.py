"""Payroll runs with their negative results, the debtor system's history, and the inbox cases."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .model import (
    PAY_ELEMENTS,
    Case,
    Debtor,
    Employee,
    Invoice,
    InvoiceLine,
    NegativeLine,
    PayElementLine,
    PayrollRun,
    Termination,
)
from .util import end_of_month, month_add, month_first, month_last, month_of, round_ore, sub_rng

if TYPE_CHECKING:
    from .generate import People, Population

NEGATIVE_SHARE = 0.025  # of employees negative in an ordinary run
APERIODIC_SHARE = 0.006
LARGE_ORE = 500_000  # 5 000 kr
SIXTH_WEEK_DEADLINE = (10, 1)  # 1 October of the holiday year


def invoice_reference(run_id: str, employee_no: str) -> str:
    """The reference the generated history uses for an invoice on a negative result."""
    return f"NEG-{run_id}-{employee_no}"


def _at(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 21), rng.randint(0, 59), rng.randint(0, 59)))


def _between(rng: random.Random, first: date, last: date) -> date:
    return first if last <= first else first + timedelta(days=rng.randint(0, (last - first).days))


def _runs(today: date) -> list[PayrollRun]:
    cur = month_of(today)
    runs = [PayrollRun(f"L{month_add(cur, -k).replace('-', '')}", "ordinary", month_add(cur, -k),
                       month_first(month_add(cur, -k)) + timedelta(days=21)) for k in range(5, 0, -1)]
    for k, day in ((2, 15), (1, 12), (0, 3)):
        run_date = month_first(month_add(cur, -k)) + timedelta(days=day - 1)
        if run_date < today:
            runs.append(PayrollRun(f"A{run_date:%Y%m%d}", "aperiodic", month_of(run_date), run_date))
    return sorted(runs, key=lambda r: (r.run_date, r.run_id))


def _elements(rng: random.Random, emp: Employee, run: PayrollRun, kind: str, amount: int) -> list[PayElementLine]:
    """Pay element lines that add up to ``amount`` (negative øre)."""
    if kind == "holiday_pay":
        allowance = round_ore(Decimal(amount) * Decimal("0.12"))
        return [
            PayElementLine(run.period, "0560", PAY_ELEMENTS["0560"], amount - allowance),
            PayElementLine(run.period, "0565", PAY_ELEMENTS["0565"], allowance),
        ]
    code = "0101" if emp.pay_type == "monthly" else "0110"
    periods = [month_add(run.period, -k) for k in range(rng.randint(1, 2), 0, -1)]
    gross = round_ore(Decimal(amount) / Decimal("0.55"))
    lines: list[PayElementLine] = []
    remaining = gross
    for i, period in enumerate(periods):
        part = remaining if i == len(periods) - 1 else round_ore(Decimal(gross) * Decimal(rng.randint(30, 70)) / 100)
        remaining -= part
        lines.append(PayElementLine(period, code, f"{PAY_ELEMENTS[code]}, regulering", part))
    am = -round_ore(Decimal(gross) * Decimal("0.08"))
    lines.append(PayElementLine(run.period, "0302", PAY_ELEMENTS["0302"], am))
    lines.append(PayElementLine(run.period, "0301", PAY_ELEMENTS["0301"], amount - gross - am))
    return lines


def _amount(rng: random.Random, large: bool, holiday: bool) -> int:
    if large:
        return -rng.randint(5_001_00, 40_000_00)
    if holiday:
        return -rng.randint(200_00, 4_800_00)
    return -min(4_999_00, max(50_00, int(rng.expovariate(1 / 1_200_00))))


def _negatives(pop: Population, rng: random.Random) -> list[NegativeLine]:
    employees = pop.employees
    result: list[NegativeLine] = []
    previous_ordinary: list[str] = []
    seq = 0
    for run in pop.runs:
        start = month_first(run.period)
        active = [e for e in employees
                  if e.start_date < start and (e.leaving_date is None or e.leaving_date >= start)]
        leavers = [e for e in employees
                   if e.leaving_date and start - timedelta(days=75) <= e.leaving_date < run.run_date]
        share = NEGATIVE_SHARE if run.kind == "ordinary" else APERIODIC_SHARE
        count = max(3 if run.kind == "ordinary" else 1, round(len(employees) * share))
        chosen: list[tuple[Employee, str, bool]] = []  # employee, kind, large

        def take(pool: list[Employee], n: int, kind: str, large: bool = False,
                 _chosen: list[tuple[Employee, str, bool]] = chosen) -> None:
            taken = {e.employee_no for e, _, _ in _chosen}
            pool = [e for e in pool if e.employee_no not in taken]
            for emp in rng.sample(pool, min(n, len(pool))):
                _chosen.append((emp, kind, large))

        n_leavers = round(count * 0.22)
        n_leaver_holiday = round(n_leavers * 0.3)
        take(leavers, n_leaver_holiday, "holiday_pay")
        take(leavers, n_leavers - n_leaver_holiday, "net_pay")
        if run.kind == "ordinary":
            by_no = {e.employee_no: e for e in active}
            take([by_no[n] for n in previous_ordinary if n in by_no], round(count * 0.18), "net_pay")
        take(active, round(count * 0.08), "holiday_pay")
        take(active, round(count * 0.10), "net_pay", large=True)
        take(active, count - len(chosen), "net_pay")
        for emp, kind, large in chosen:
            seq += 1
            amount = _amount(rng, large, kind == "holiday_pay")
            result.append(NegativeLine(f"N{seq:06d}", run.run_id, emp.employee_no, kind, amount,
                                       _elements(rng, emp, run, kind, amount)))
        if run.kind == "ordinary":
            previous_ordinary = [emp.employee_no for emp, _, _ in chosen]
    return result


def negative_truth(pop: Population) -> list[dict[str, Any]]:
    """Per negative line: left, recurring (also negative in the previous ordinary run), large, and the
    decision the default policy of RULES.md section 2 gives."""
    today = pop.settings.today
    emps = {e.employee_no: e for e in pop.employees}
    runs = {r.run_id: r for r in pop.runs}
    ordinary = [r for r in pop.runs if r.kind == "ordinary"]
    in_run: dict[str, set[str]] = {}
    for line in pop.negatives:
        in_run.setdefault(line.run_id, set()).add(line.employee_no)
    truth = []
    for line in pop.negatives:
        run = runs[line.run_id]
        before = [r for r in ordinary if r.run_date < run.run_date]
        prev = before[-1].run_id if before else None
        emp = emps[line.employee_no]
        left = emp.status(today) == "left"
        recurring = prev is not None and line.employee_no in in_run.get(prev, set())
        large = -line.amount_ore > LARGE_ORE
        if left:
            decision, reason = "invoice", "left"
        elif line.kind == "holiday_pay":
            decision, reason = "manual", "negative_holiday_pay"
        elif recurring:
            decision, reason = "manual", "recurring"
        elif large:
            decision, reason = "manual", "large_amount"
        else:
            decision, reason = "carry_forward", "simple"
        truth.append({"line_id": line.line_id, "run_id": line.run_id, "employee_no": line.employee_no,
                      "cpr": emp.cpr, "kind": line.kind, "amount_ore": line.amount_ore, "left": left,
                      "recurring": recurring, "previous_run_id": prev, "large": large,
                      "pay_type": emp.pay_type, "expected_decision": decision, "reason": reason,
                      "pending": line.marking is None})
    return truth


class _Numbers:
    def __init__(self, rng: random.Random):
        self.rng, self.debtor, self.invoice = rng, 400_000, 9_000_000

    def next_debtor(self) -> str:
        self.debtor += self.rng.randint(1, 9)
        return str(self.debtor)

    def next_invoice(self) -> str:
        self.invoice += 1
        return str(self.invoice)


def _debtor_history(pop: Population, people: People, rng: random.Random) -> None:
    """Mark the handled runs, create the debtors and invoices they led to, plus unrelated claims."""
    today = pop.settings.today
    emps = {e.employee_no: e for e in pop.employees}
    truth = {t["line_id"]: t for t in negative_truth(pop)}
    latest = max((r for r in pop.runs if r.kind == "ordinary"), key=lambda r: r.run_date)
    pending_runs = {r.run_id for r in pop.runs if r.run_date >= latest.run_date}
    numbers = _Numbers(rng)
    debtors: dict[str, Debtor] = {}
    runs = {r.run_id: r for r in pop.runs}
    for line in pop.negatives:
        if line.run_id in pending_runs:
            continue
        t = truth[line.line_id]
        decision = t["expected_decision"]
        if decision == "manual":
            decision = "invoice" if rng.random() < 0.5 else "carry_forward"
        if decision == "carry_forward" and line.kind == "holiday_pay":
            decision = "invoice"
        marked = runs[line.run_id].run_date + timedelta(days=rng.randint(1, 4))
        line.marking, line.marked_at, line.marked_by = decision, _at(rng, marked), "lønkonsulent"
        if decision != "invoice":
            continue
        emp = emps[line.employee_no]
        if emp.cpr not in debtors:
            debtors[emp.cpr] = Debtor(numbers.next_debtor(), emp.cpr, emp.name, emp.address, emp.postcode,
                                      emp.city, _at(rng, marked))
        pop.invoices.append(Invoice(
            numbers.next_invoice(), debtors[emp.cpr].debtor_no, invoice_reference(line.run_id, line.employee_no),
            "Tilbagebetaling af for meget udbetalt løn", marked + timedelta(days=30),
            [InvoiceLine(el.period, f"{el.code} {el.text}", -el.amount_ore) for el in line.elements],
            _at(rng, marked + timedelta(days=1)),
        ))
    for i in range(round(len(pop.employees) * 0.05)):
        person = people.person(rng, today, 22, 80)
        created = today - timedelta(days=rng.randint(20, 900))
        debtor = Debtor(numbers.next_debtor(), person["cpr"], f"{person['first_name']} {person['last_name']}",
                        person["address"], person["postcode"], person["city"], _at(rng, created))
        debtors[person["cpr"]] = debtor
        prefix, text = rng.choice((("FPL", "Forældrebetaling, dagtilbud"), ("HJH", "Egenbetaling, hjemmehjælp"),
                                   ("BIB", "Erstatning for bortkomne materialer")))
        pop.invoices.append(Invoice(
            numbers.next_invoice(), debtor.debtor_no, f"{prefix}-{created.year}-{i + 1:05d}", text,
            created + timedelta(days=30),
            [InvoiceLine(month_of(created), text, rng.randint(100_00, 3_500_00))], _at(rng, created),
        ))
    pop.debtors = sorted(debtors.values(), key=lambda d: int(d.debtor_no))
    pop.invoices.sort(key=lambda inv: int(inv.invoice_no))


def _terminations(pop: Population, rng: random.Random) -> None:
    seq = 0
    for emp in pop.employees:
        if emp.leaving_date is None:
            continue
        seq += 1
        reason = rng.choices(("01", "02", "03", "04"), weights=(70, 10, 12, 8))[0]
        pop.terminations.append(Termination(
            f"T{seq:06d}", emp.employee_no, emp.leaving_date, emp.leaving_date, reason,
            _at(rng, emp.leaving_date - timedelta(days=rng.randint(30, 60))), "lønkonsulent",
        ))


def earliest_leaving_date(received: date, civil_servant: bool) -> date:
    """Employee notice: one month (civil servants three) to the end of a month (RULES.md section 4)."""
    return month_last(month_add(month_of(received), 3 if civil_servant else 1))


def sixth_week_deadline(earning_year: int) -> date:
    """The request deadline for the hours earned in ``earning_year``: 1 October of the holiday year."""
    return date(earning_year + 1, *SIXTH_WEEK_DEADLINE)


def _cases(pop: Population, rng: random.Random) -> None:
    today, employees = pop.settings.today, pop.employees
    n = len(employees)
    active = [e for e in employees if e.status(today) == "active" and e.leaving_date is None]
    seq = 0
    cases: list[Case] = []

    def add(emp: Employee, kind: str, received: datetime, data: dict[str, Any], handled: bool) -> None:
        nonlocal seq
        seq += 1
        case = Case(f"SAG-{received.year}-{seq:06d}", kind, emp.cpr, emp.employee_no, emp.name, received, data)
        if handled:
            case.status, case.handled_at = "handled", received + timedelta(days=rng.randint(1, 6))
            case.handled_by, case.note = "lønkonsulent", "Behandlet manuelt"
        cases.append(case)

    # Resignations.
    used: dict[str, None] = {}
    n_open = max(4, round(n * 0.02))
    civil = [e for e in active if e.civil_servant]
    hourly = [e for e in active if e.pay_type == "hourly"]
    monthly = [e for e in active if e.pay_type == "monthly" and not e.civil_servant]
    picks: list[Employee] = []
    for pool, k in ((civil, round(n_open * 0.1)), (hourly, round(n_open * 0.25)), (monthly, n_open)):
        pool = [e for e in pool if e.employee_no not in used]
        for emp in rng.sample(pool, min(len(pool), max(0, min(k, n_open - len(picks))))):
            used[emp.employee_no] = None
            picks.append(emp)
    n_old = round(n_open * 0.5)
    for i, emp in enumerate(picks + rng.sample([e for e in active if e.employee_no not in used],
                                               min(n_old, len(active) - len(used)))):
        old = i >= len(picks)
        received = today - timedelta(days=rng.randint(31, 75) if old else rng.randint(1, 30))
        earliest = earliest_leaving_date(received, emp.civil_servant)
        roll = rng.random()
        if roll < 0.15 and not old:
            requested = _between(rng, received + timedelta(days=7), earliest - timedelta(days=1))
        elif roll < 0.65:
            requested = earliest
        else:
            requested = month_last(month_add(month_of(earliest), rng.randint(1, 3)))
        add(emp, "resignation", _at(rng, received), {
            "requested_leaving_date": requested.isoformat(),
            "position": emp.position,
            "message": f"Jeg opsiger hermed min stilling som {emp.position.lower()} med fratræden "
                       f"{requested:%d.%m.%Y}.",
        }, handled=old)

    # Sixth-week payout requests.
    year = today.year - 1 if today >= date(today.year, 5, 1) else today.year - 2
    deadline = sixth_week_deadline(year)
    if today <= deadline + timedelta(days=1):
        late_window = (today - timedelta(days=20), today - timedelta(days=1))
        late_year = year - 1
    else:
        late_window, late_year = (deadline + timedelta(days=1), today - timedelta(days=1)), year
    ok_window = (max(date(year + 1, 5, 2), deadline - timedelta(days=30)),
                 min(deadline - timedelta(days=1), today - timedelta(days=1)))
    n_open = max(5, round(n * 0.04))
    used = {}

    def with_balance(e: Employee, y: int) -> bool:
        return e.sixth_week_balance.get(y, Decimal(0)) > 0 and y not in e.sixth_week_paid

    pools = {
        "ok": [e for e in active if with_balance(e, year)],
        "late": [e for e in active if with_balance(e, late_year)],
        "exceeds": [e for e in active if with_balance(e, year)],
        "paid": [e for e in active if year in e.sixth_week_paid],
        "inactive": [e for e in employees if e.status(today) == "left" and with_balance(e, year)],
    }
    plan = {"late": round(n_open * 0.12), "exceeds": round(n_open * 0.10), "paid": round(n_open * 0.09),
            "inactive": round(n_open * 0.09)}
    plan["ok"] = n_open - sum(plan.values())
    for shape in ("late", "exceeds", "paid", "inactive", "ok"):
        pool = [e for e in pools[shape] if e.employee_no not in used]
        for emp in rng.sample(pool, min(plan[shape], len(pool))):
            used[emp.employee_no] = None
            y = late_year if shape == "late" else year
            window = late_window if shape == "late" else ok_window
            balance = emp.sixth_week_balance.get(y, Decimal(0))
            if shape == "exceeds":
                hours = balance + Decimal(rng.randint(1, 20))
            elif shape == "paid" or balance <= 0:
                hours = emp.hours_per_week
            else:
                hours = balance if rng.random() < 0.7 else (balance * Decimal(rng.randint(30, 90)) / 100)
            add(emp, "sixth_week_payout", _at(rng, _between(rng, *window)), {
                "earning_year": y,
                "hours": str(hours.quantize(Decimal("0.01"))),
                "message": f"Jeg ønsker mine resterende timer fra 6. ferieuge (optjeningsår {y}) udbetalt.",
            }, handled=False)
    for emp in rng.sample(pools["ok"], min(round(n_open * 0.3), len(pools["ok"]))):
        add(emp, "sixth_week_payout", _at(rng, _between(rng, date(year + 1, 5, 2), date(year + 1, 8, 31))),
            {"earning_year": year, "hours": str(emp.sixth_week_balance[year]), "message": "Udbetaling af 6. ferieuge."},
            handled=True)
    cases.sort(key=lambda c: (c.received_at, c.case_id))
    pop.cases = cases


def case_truth(pop: Population) -> list[dict[str, Any]]:
    """Per inbox case: what a check by the rules of RULES.md sections 3 and 4 finds."""
    today = pop.settings.today
    emps = {e.employee_no: e for e in pop.employees}
    result = []
    for case in pop.cases:
        emp = emps[case.employee_no]
        problems: list[str] = []
        entry: dict[str, Any] = {"case_id": case.case_id, "kind": case.kind, "cpr": case.cpr,
                                 "employee_no": case.employee_no, "status": case.status}
        if case.kind == "resignation":
            earliest = earliest_leaving_date(case.received_at.date(), emp.civil_servant)
            requested = date.fromisoformat(case.data["requested_leaving_date"])
            if requested < earliest:
                problems.append("early_date")
            entry.update(earliest_allowed=earliest.isoformat(), requested=requested.isoformat(),
                         civil_servant=emp.civil_servant, pay_type=emp.pay_type)
        else:
            year, hours = case.data["earning_year"], Decimal(case.data["hours"])
            balance = emp.sixth_week_balance.get(year, Decimal(0))
            if emp.status(today) != "active":
                problems.append("inactive")
            if case.received_at.date() > sixth_week_deadline(year):
                problems.append("late")
            if year in emp.sixth_week_paid:
                problems.append("already_paid")
            if balance <= 0:
                problems.append("no_balance")
            elif hours > balance:
                problems.append("exceeds_balance")
            entry.update(earning_year=year, hours=str(hours), balance=str(balance),
                         deadline=sixth_week_deadline(year).isoformat())
        entry["problems"] = problems
        result.append(entry)
    return result


def generate_payroll(pop: Population, people: People) -> None:
    """Runs, negative results, debtor history, terminations, inbox cases and their truth, into ``pop``."""
    seed = pop.settings.seed
    pop.runs = _runs(pop.settings.today)
    pop.negatives = _negatives(pop, sub_rng(seed, "negatives"))
    _debtor_history(pop, people, sub_rng(seed, "debtors"))
    _terminations(pop, sub_rng(seed, "terminations"))
    _cases(pop, sub_rng(seed, "cases"))
    pop.truth["negative_pay"] = negative_truth(pop)
    pop.truth["inbox"] = case_truth(pop)


__all__ = ["earliest_leaving_date", "end_of_month", "invoice_reference", "sixth_week_deadline"]
