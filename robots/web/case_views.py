"""The case views of the processes (registered in robots.web.cases on import).

Flex wage lays out the calculation of RULES.md section 1 line by line, as a caseworker does it on
paper; negative pay shows the negative lines per period and pay element and offers "invoice" and
"carry forward". They read the facts tolerantly: a key that is missing leaves its line out, and
facts of another shape fall back to the generic list.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from processes.flex_wage import PROCESS as FLEX_WAGE
from processes.negative_pay import PROCESS as NEGATIVE_PAY
from processes.personnel_files import PROCESS as PERSONNEL_FILES
from processes.sixth_holiday_week import PROCESS as SIXTH_HOLIDAY_WEEK
from processes.termination_letters import PROCESS as TERMINATION_LETTERS

from ..queue import Resolution, WorkItem
from .cases import CANCEL, DONE, RETRY, CaseView, Decision, register
from .fmt import month as month_name

# -- flex wage -------------------------------------------------------------------------------------


CRITERIA_LABELS = {
    "no_income": "Indkomst indberettet",
    "several_employers": "Én arbejdsgiver",
    "other_employer": "Fleksjobbets arbejdsgiver",
    "non_wage_income": "Kun løn (ingen andre ydelser)",
    "correction": "Ingen rettelser af tidligere måneder",
    "income_deviation": "Indkomst tæt på gennemsnittet",
    "subsidy_change": "Tilskuddets ændring inden for grænsen",
    "wage_ceiling": "Under lønloftet",
    "first_payment": "Ikke første udbetaling",
}

INCOME_COLUMNS = (  # field in an income line -> column heading; the wage parts of L first
    ("a_income_ore", "A-indkomst"),
    ("pension_own_ore", "Egen pension"),
    ("pension_employer_ore", "Arbejdsgivers pension"),
    ("holiday_allowance_ore", "Ferietillæg"),
)
NON_WAGE_COLUMNS = (
    ("holiday_pay_ore", "Feriepenge"),
    ("sickness_benefit_ore", "Sygedagpenge"),
    ("maternity_benefit_ore", "Barselsdagpenge"),
)


def _ore(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return Decimal(str(value))


def _check_status(text: str) -> tuple[str, str]:
    """'hit' / 'ok' / 'off' / 'not applicable: why' -> (css class, Danish text)."""
    head, _, why = str(text).partition(":")
    head = head.strip()
    if head == "hit":
        return "hit", "Ramt" + (f": {why.strip()}" if why else "")
    if head == "ok":
        return "ok", "OK"
    if head.startswith("off"):
        return "off", "Slået fra" + (" (ville være ramt)" if "would have hit" in head else "")
    if head == "not applicable":
        return "na", "Ikke relevant" + (f": {why.strip()}" if why else "")
    return "", str(text)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def flex_wage_context(facts: dict[str, Any], item: WorkItem) -> dict[str, Any]:
    """The calculation as lines on paper: L from the income lines, MAX and T, R, the subsidy, the ceiling.

    Reads the flex wage robot's ``calculation.json`` (``inputs``, ``rates``, ``calculation``,
    ``criteria``) and a flatter shape (``lines``, ``checks``, ``payments``) alike.
    """
    calc = _dict(facts.get("calculation")) or facts
    rates = _dict(facts.get("rates"))
    inputs = _dict(facts.get("inputs"))
    income, top, threshold = _ore(calc.get("income_ore")), _ore(calc.get("max_ore")), _ore(calc.get("threshold_ore"))
    month = facts.get("income_month") or item.payload.get("income_month") or item.payload.get("period")
    lines_all = [line for line in facts.get("lines") or inputs.get("income_lines") or [] if isinstance(line, dict)]
    current = [line for line in lines_all if not month or line.get("month") in (None, month)]
    earlier: dict[str, Decimal] = {}
    for line in lines_all:
        if month and line.get("month") and line.get("month") != month:
            earlier[line["month"]] = earlier.get(line["month"], Decimal(0)) + (_ore(line.get("wage_ore")) or 0)
    for earlier_month, ore in _dict(inputs.get("wage_income_by_month_ore")).items():
        if earlier_month != month and _ore(ore) is not None:
            earlier[earlier_month] = _ore(ore)  # type: ignore[assignment]
    steps: list[dict[str, Any]] = []
    if income is not None and top is not None and threshold is not None:
        low_base, high_base = min(income, threshold), max(Decimal(0), income - threshold)
        before = _ore(calc.get("subsidy_before_ceiling_ore"))
        year = rates.get("year") or (str(facts.get("payment_month") or "")[:4] or "")
        steps = [
            {"label": f"Lønindkomst L for {month_name(month) if month else 'måneden'}",
             "formula": "summen af lønlinjerne nedenfor", "ore": income},
            {"label": f"MAX: højeste tilskud pr. måned ({year})".replace(" ()", ""),
             "formula": "0,98 × højeste dagpengesats", "ore": top},
            {"label": f"T: fradragsgrænse pr. måned ({year})".replace(" ()", ""), "formula": "", "ore": threshold},
            {"label": "Fradrag af lønnen op til T", "formula": "0,30 × min(L; T) = 0,30 ×", "base": low_base,
             "ore": _ore(calc.get("reduction_low_ore"))},
            {"label": "Fradrag af lønnen over T", "formula": "0,55 × maks(0; L − T) = 0,55 ×", "base": high_base,
             "ore": _ore(calc.get("reduction_high_ore"))},
            {"label": "Fradrag R i alt", "formula": "0,30 × min(L; T) + 0,55 × maks(0; L − T)",
             "ore": _ore(calc.get("reduction_ore")), "kind": "sum"},
            {"label": "Tilskud før lønloft", "formula": "maks(0; MAX − R)", "ore": before, "kind": "sum"},
        ]
        ceiling = _ore(calc.get("wage_ceiling_ore") or facts.get("wage_ceiling_ore") or inputs.get("wage_ceiling_ore"))
        if ceiling is not None:
            steps.append({"label": "Lønloft for stillingen", "formula": "", "ore": ceiling})
            if before is not None:
                steps.append({"label": "L + tilskud før lønloft", "formula": "skal være højst lønloftet",
                              "ore": income + before, "flag": "over" if calc.get("ceiling_hit") else "ok"})
        steps.append({"label": "Tilskud", "formula": "lønloftet skærer tilskuddet ned" if calc.get("ceiling_hit")
                      else "", "ore": _ore(calc.get("subsidy_ore")), "kind": "result"})
        steps = [s for s in steps if s["ore"] is not None]
    columns = [c for c in INCOME_COLUMNS if any(line.get(c[0]) for line in current)] or list(INCOME_COLUMNS[:1])
    others = [c for c in NON_WAGE_COLUMNS if any(line.get(c[0]) for line in current)]
    checks = [(code, CRITERIA_LABELS.get(code, code), *_check_status(status))
              for code, status in _dict(facts.get("checks") or facts.get("criteria")).items()]
    payments = [p for p in facts.get("payments") or [inputs.get("last_payment")] if isinstance(p, dict)]
    return {
        "month": month, "payment_month": facts.get("payment_month"), "rates": rates, "steps": steps,
        "lines": current, "income_columns": columns, "other_columns": others,
        "earlier": sorted(earlier.items()), "checks": checks, "payments": payments[-6:],
        "employer": _dict(facts.get("employer") or inputs.get("registered_employer")),
    }


register(CaseView(
    "flex_wage", "Fleksløntilskud", facts_template="facts/flex_wage.html",
    decisions=(
        Decision("done", "Beregnet og udbetalt manuelt", Resolution.DONE,
                 "Du har beregnet og registreret tilskuddet selv; robotten gør ikke mere ved sagen.",
                 style="primary"),
        RETRY,
        Decision("cancel", "Intet tilskud denne måned", Resolution.CANCELLED,
                 "Der skal ikke udbetales tilskud for måneden (skriv hvorfor).", style="danger"),
    ),
    prepare=flex_wage_context, reasons=FLEX_WAGE.reasons,
))

# -- negative pay ----------------------------------------------------------------------------------



def negative_pay_context(facts: dict[str, Any], item: WorkItem) -> dict[str, Any]:
    """The negative lines per pay period and pay element, their sum, and the facts the policy looks at."""
    source = {**item.payload, **facts}
    lines = [line for line in source.get("lines") or [] if isinstance(line, dict)]
    total = sum((_ore(line.get("amount_ore")) or Decimal(0) for line in lines), Decimal(0))
    net = _ore(source.get("net_ore") if source.get("net_ore") is not None else source.get("amount_ore"))
    previous = source.get("negative_in_previous_run", source.get("previous_negative"))
    facts_shown = [
        ("Ansat nu", source.get("employed")),
        ("Fremtidig løn i systemet", source.get("future_pay")),
        ("Negativ ved sidste lønkørsel", previous),
    ]
    run = source.get("run") or " ".join(str(source[k]) for k in ("run_id", "run_kind") if source.get(k)) or None
    return {"lines": lines, "total": total if lines else None, "net": net, "pay_type": source.get("pay_type"),
            "run": run, "kind": KINDS.get(source.get("kind") or "", source.get("kind")),
            "next_period": source.get("next_pay_period_start"),
            "flags": [(label, value) for label, value in facts_shown if value is not None]}


KINDS = {"net_pay": "Negativ nettoløn", "holiday_pay": "Negative feriepenge"}


register(CaseView(
    "negative_pay", "Negativ løn", facts_template="facts/negative_pay.html",
    decisions=(
        Decision("invoice", "Opkræv med faktura", Resolution.RETRY,
                 "Robotten sender en faktura gennem debitorsystemet (beløb pr. periode og løndel, "
                 "betalingsfrist og mulighed for afdragsordning).",
                 payload_change={"decision": "invoice"}, style="primary"),
        Decision("carry_forward", "Modregn i næste løn", Resolution.RETRY,
                 "Robotten overfører beløbet til næste lønkørsel (aldrig i feriepenge).",
                 payload_change={"decision": "carry_forward"}),
        DONE,
        CANCEL,
    ),
    prepare=negative_pay_context, reasons=NEGATIVE_PAY.reasons, facts_in_payload=True,
))

# -- the other processes: generic facts, their Danish names ---------------------------------------




for _process, _title in ((SIXTH_HOLIDAY_WEEK, "6. ferieuge"), (TERMINATION_LETTERS, "Fratrædelsesbreve"),
                        (PERSONNEL_FILES, "Personalesager")):
    register(CaseView(_process.name, _title, reasons=_process.reasons))
register(CaseView("demo", "Demo"))
