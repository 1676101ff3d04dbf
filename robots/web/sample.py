"""Realistic manual items for the desk's tests, benchmark, screenshots and demos.

Items are made the way the robots make them: added, claimed, the facts kept as an attached JSON
file (flex wage's ``calculation.json``, same shape as processes/flex_wage/tasks.py writes; a
screenshot where there is one), then failed with a business error and a sentence; payloads have
the shape the processes' producers give them (plus a name and an organisation for the list). The
flex wage calculation follows RULES.md section 1 on its own (Decimal, half up once), so what the
case page shows can be checked against the rules' worked examples, not against the process's code.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..cpr import synthetic
from ..queue import Attachment, ErrorKind, QueueBackend, QueueSpec, WorkItem
from ..systems.parse import ore_to_display

FLEX_QUEUE = "flex_wage.citizens"
NEGATIVE_QUEUE = "negative_pay.employees"
RATES_2024 = {"year": 2024, "max_ore": 1_995_200, "threshold_ore": 1_632_300, "source": "union guidance"}
ORGANISATIONS = ("Jobcenter Thisted", "Thisted Kommune, Børn og Familie", "Sorø Kommune, Løn og Personale",
                 "Københavns Kommune, BIF", "Ældre og Sundhed")
FIRST = ("Mette", "Lars", "Anne", "Jens", "Hanne", "Søren", "Kirsten", "Peter", "Lone", "Niels", "Birgit", "Ole")
LAST = ("Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen")


def define_queues(backend: QueueBackend) -> None:
    backend.define_queue(QueueSpec(FLEX_QUEUE, description="Citizens in flexjob (flex wage subsidy)"))
    backend.define_queue(QueueSpec(NEGATIVE_QUEUE, description="Employees with negative pay"))


def manual_item(backend: QueueBackend, queue: str, reference: str, payload: dict[str, Any], code: str,
                message: str, facts: dict[str, Any] | None = None, files: Sequence[Attachment] = (),
                worker: str = "robot@sample", facts_name: str = "calculation.json") -> WorkItem:
    """Add an item and take it through a robot's hands to the manual queue with ``code`` and ``message``."""
    item_id = backend.add_one(queue, reference, payload, actor=worker)
    if item_id is None:
        found = backend.find(queue, reference)
        assert found is not None
        return found
    claimed = backend.claim_one(queue, worker)
    assert claimed is not None and claimed.id == item_id, "the sample queue must hold no other new items"
    if facts is not None:
        backend.attach(item_id, Attachment(facts_name, json.dumps(facts, ensure_ascii=False).encode(),
                                           "application/json"), actor=worker)
    for attachment in files:
        backend.attach(item_id, attachment, actor=worker)
    return backend.fail(item_id, worker, ErrorKind.BUSINESS, code, message)


# -- flex wage -------------------------------------------------------------------------------------


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def income_line(month: str, a_income_ore: int, employer: str = "Thisted Maskinfabrik ApS", cvr: str = "29403473",
                pension_own_ore: int = 0, pension_employer_ore: int = 0, line_id: str = "", **other: int) -> dict:
    """One eIndkomst line as the flex wage robot keeps it (øre)."""
    year, mon = int(month[:4]), int(month[5:7])
    last_day = 30 if mon in (4, 6, 9, 11) else 28 if mon == 2 else 31
    line = {"line_id": line_id or f"E{year}{mon:02d}{a_income_ore % 9973:04d}", "cvr": cvr, "employer_name": employer,
            "month": month, "period_start": f"{month}-01", "period_end": f"{month}-{last_day:02d}",
            "a_income_ore": a_income_ore, "pension_own_ore": pension_own_ore,
            "pension_employer_ore": pension_employer_ore, "holiday_pay_ore": 0, "holiday_allowance_ore": 0,
            "sickness_benefit_ore": 0, "maternity_benefit_ore": 0, **other}
    line["wage_ore"] = (line["a_income_ore"] + line["pension_own_ore"] + line["pension_employer_ore"]
                        + line["holiday_allowance_ore"])
    return line


def flex_wage_facts(income_month: str, lines: list[dict], rates: dict[str, Any] | None = None,
                    wage_ceiling_ore: int | None = None, checks: dict[str, str] | None = None,
                    payments: list[dict] | None = None) -> dict[str, Any]:
    """The flex wage robot's calculation.json: inputs, rates, L, R step by step, the subsidy (RULES.md 1)."""
    rates = rates or RATES_2024
    current = [line for line in lines if line["month"] == income_month]
    income = sum(line["wage_ore"] for line in current)
    top, threshold = rates["max_ore"], rates["threshold_ore"]
    low = Decimal("0.30") * min(income, threshold)
    high = Decimal("0.55") * max(0, income - threshold)
    before = max(0, _half_up(Decimal(top) - low - high))
    amount, hit = before, False
    if wage_ceiling_ore is not None and income + before > wage_ceiling_ore:
        amount, hit = max(0, wage_ceiling_ore - income), True
    year, mon = int(income_month[:4]), int(income_month[5:7])
    payment_month = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
    by_month: dict[str, int] = {}
    for line in lines:
        by_month[line["month"]] = by_month.get(line["month"], 0) + line["wage_ore"]
    return {
        "case_no": "", "income_month": income_month, "payment_month": payment_month,
        "inputs": {"income_lines": lines, "wage_income_by_month_ore": dict(sorted(by_month.items())),
                   "registered_employer": {"cvr": "29403473", "name": "Thisted Maskinfabrik ApS"},
                   "wage_ceiling_ore": wage_ceiling_ore, "last_payment": (payments or [None])[-1],
                   "earlier_payments": len(payments or [])},
        "rates": rates,
        "calculation": {
            "income_ore": income, "max_ore": top, "threshold_ore": threshold,
            "reduction_low_ore": str(low), "reduction_high_ore": str(high), "reduction_ore": str(low + high),
            "subsidy_before_ceiling_ore": before, "wage_ceiling_ore": wage_ceiling_ore,
            "ceiling_room_ore": None if wage_ceiling_ore is None else wage_ceiling_ore - income,
            "ceiling_hit": hit, "subsidy_ore": amount,
        },
        "criteria": checks or {}, "result": {"subsidy_ore": amount},
    }


def screenshot_png(title: str, rows: Sequence[tuple[str, str]], size: tuple[int, int] = (900, 420)) -> bytes:
    """A picture of a legacy system's card (the kind of evidence a robot stores), as PNG bytes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (236, 236, 228))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 34), fill=(40, 60, 110))
    draw.text((12, 10), title, fill=(255, 255, 255))
    y = 54
    for label, value in rows:
        draw.text((20, y), label, fill=(60, 60, 60))
        draw.rectangle((260, y - 4, size[0] - 30, y + 16), fill=(255, 255, 255), outline=(150, 150, 150))
        draw.text((266, y), value, fill=(0, 0, 0))
        y += 30
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def flex_wage_deviation_case(backend: QueueBackend, cpr: str = "450377-1234", name: str = "Mette Nielsen",
                             reference: str = "2024-09:450377-1234") -> WorkItem:
    """RULES.md's worked example L = 20.000 kr. at 2024 rates (subsidy 13.032,75 kr.), stopped because the
    income is far above the average of the three months before (12.000 kr.)."""
    lines = [income_line(m, 1_200_000) for m in ("2024-06", "2024-07", "2024-08")]
    lines.append(income_line("2024-09", 1_850_000, pension_own_ore=50_000, pension_employer_ore=100_000))
    checks = {"no_income": "ok", "several_employers": "ok", "other_employer": "ok", "non_wage_income": "ok",
              "correction": "ok", "income_deviation": "hit", "subsidy_change": "hit", "wage_ceiling": "ok",
              "first_payment": "ok"}
    payments = [{"month": m, "income_month": i, "income_ore": 1_200_000, "subsidy_ore": 1_635_200,
                 "voucher_no": f"B-{n}"} for n, (m, i) in enumerate(
                    (("2024-08", "2024-07"), ("2024-09", "2024-08")), start=7781)]
    facts = flex_wage_facts("2024-09", lines, wage_ceiling_ore=3_500_000, checks=checks, payments=payments)
    message = ("Lønnen for 2024-09, 20.000,00 kr., ligger 66,7 % over gennemsnittet af de foregående 3 måneder, "
               "12.000,00 kr. (2024-06: 12.000,00 kr., 2024-07: 12.000,00 kr., 2024-08: 12.000,00 kr.); "
               "grænsen er 20 %. Desuden: Tilskuddet falder med 3.319,25 kr.: 16.352,00 kr. for 2024-09 "
               "(bilag B-7782), 13.032,75 kr. for 2024-10; grænsen er 2.000,00 kr.")
    shot = screenshot_png("Ydelsessystem · Fleksløntilskud · Borgerkort", [
        ("Borger", f"{cpr[:6]}-XXXX {name}"), ("Sag", "FLX-2024-0173"), ("Arbejdsgiver", "Thisted Maskinfabrik ApS"),
        ("Lønloft", "35.000,00"), ("Seneste tilskud (sep. 2024)", "16.352,00"), ("Status", "Aktiv")])
    facts["case_no"] = "FLX-2024-0173"
    payload = {"case_no": "FLX-2024-0173", "cpr": cpr, "employer_cvr": "29403473", "income_month": "2024-09",
               "payment_month": "2024-10", "name": name, "organisation": "Jobcenter Thisted"}
    return manual_item(backend, FLEX_QUEUE, reference, payload, "income_deviation", message, facts,
                       [Attachment("screenshot.png", shot, "image/png")])


def negative_pay_case(backend: QueueBackend, cpr: str = "521190-2345", name: str = "Jens Hansen",
                      reference: str = "2026-05:E10234") -> WorkItem:
    """An employee negative again after the May 2026 run: the policy sends it to a caseworker."""
    return manual_item(backend, NEGATIVE_QUEUE, reference, negative_payload(cpr, name, "E10234", [-412_550, -86_000]),
                       "recurring", "Medarbejder E10234 har negativ nettoløn på 4.985,50 kr. ved lønkørsel "
                                    "L2026-05 og var også negativ ved forrige lønkørsel L2026-04. Et negativt beløb, "
                                    "der gentager sig, overføres ikke igen til næste løn uden en sagsbehandler.")


def negative_payload(cpr: str, name: str, employee_no: str, amounts: list[int], previous: bool = True,
                     organisation: str = "Sorø Kommune, Løn og Personale") -> dict[str, Any]:
    """A negative pay case as processes/negative_pay's producer queues it (a run's result lines)."""
    return {
        "run_id": "L2026-05", "run_kind": "ordinary", "run_period": "2026-05", "run_date": "2026-05-27",
        "employee_no": employee_no, "cpr": cpr, "name": name, "organisation": organisation, "org_code": "4100",
        "pay_type": "monthly", "kind": "net_pay",
        "lines": [{"line_id": f"R{employee_no}-{n}", "amount_ore": a} for n, a in enumerate(amounts, start=1)],
        "amount_ore": sum(amounts), "previous_run_id": "L2026-04", "negative_in_previous_run": previous,
        "next_pay_period_start": "2026-06-01", "problems": [],
    }


FLEX_REASONS = (
    ("watch_list", "Borgeren står på obslisten: {reason}; robotten har ikke behandlet sagen."),
    ("no_income", "Der er endnu ikke indberettet indkomst til eIndkomst for {month} (arbejdsgivernes frist er den "
                  "10. i måneden)."),
    ("several_employers", "To arbejdsgivere har indberettet løn for {month}."),
    ("non_wage_income", "Der er indberettet andre ydelser end løn for {month}: sygedagpenge."),
    ("income_deviation", "Lønnen for {month} afviger mere end 20 % fra gennemsnittet af de foregående 3 måneder."),
    ("subsidy_change", "Tilskuddet ændrer sig mere end 2.000,00 kr. fra sidste måned."),
    ("first_payment", "Første udbetaling: der er ikke registreret tilskud før {month}."),
)


def populate(backend: QueueBackend, flex: int = 40, negative: int = 12, seed: int = 7) -> list[WorkItem]:
    """A desk's worth of varied manual items (flex wage with calculations, negative pay with lines)."""
    rng = random.Random(seed)
    define_queues(backend)
    made = [flex_wage_deviation_case(backend), negative_pay_case(backend)]
    for n in range(flex):
        cpr, who = synthetic(rng), f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        month = rng.choice(("2024-08", "2024-09"))
        code, template = rng.choice(FLEX_REASONS)
        wage = rng.randrange(800_000, 2_600_000, 100)
        lines = [income_line(month, wage)] if code != "no_income" else []
        facts = flex_wage_facts(month, lines) if lines else None
        payload = {"case_no": f"FLX-2024-{n:04d}", "cpr": cpr, "employer_cvr": "29403473", "income_month": month,
                   "name": who, "organisation": rng.choice(ORGANISATIONS[:2])}
        made.append(manual_item(backend, FLEX_QUEUE, f"{month}:{cpr}", payload, code,
                                template.format(month=month, reason="særlige forhold"), facts))
    for n in range(negative):
        cpr, who = synthetic(rng), f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        amount = -rng.randrange(10_000, 900_000, 50)
        code = rng.choice(("recurring", "large_amount", "negative_holiday_pay"))
        payload = negative_payload(cpr, who, f"E{20000 + n}", [amount], code == "recurring",
                                   rng.choice(ORGANISATIONS[2:]))
        made.append(manual_item(backend, NEGATIVE_QUEUE, f"L2026-05:E{20000 + n}:net_pay", payload, code,
                                f"Medarbejder E{20000 + n} har negativ nettoløn på {ore_to_display(-amount)} kr. "
                                f"ved lønkørsel L2026-05."))
    return made
