"""The steps of the flex wage process, as robocorp tasks (robot.yaml lists them).

``produce``: one item per citizen in flexjob for the month (reference ``<month>:<case no.>``, so
a second run adds nothing). ``calculate``: watch list, rates, the card, the income, the criteria,
the subsidy, and the registration in the benefits system (look first, register once).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NoReturn

from robots import watchlist
from robots.cpr import normalise
from robots.queue import NewItem, WorkItem
from robots.runtime import BusinessError, StepContext
from robots.systems import ApiRejected, FormRejected
from robots.timeutil import local, now, show

from . import PROCESS, QUEUE, Config
from .rules import Assessment, CaseFacts, Payment, Rates, assess, kr, manual_reason, month_add, rates_for
from .systems import BadData, BenefitCase, Benefits, IncomeRegister


@PROCESS.producer(output=QUEUE, browser=True)
def produce(ctx: StepContext) -> Iterable[NewItem]:
    """One item per citizen in flexjob in the benefits system, for the configured income month."""
    config: Config = ctx.config  # type: ignore[assignment]
    month = config.month(local(now()).date())  # type: ignore[union-attr]
    for row in Benefits(ctx).citizens():
        yield NewItem(f"{month}:{row.case_no}", {
            "case_no": row.case_no, "cpr": row.cpr, "employer_cvr": row.employer_cvr,
            "income_month": month, "payment_month": month_add(month, 1),
        })


@PROCESS.consumer(queue=QUEUE, browser=True)
def calculate(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Compute the citizen's subsidy and register it, or hand the case to a caseworker with the reason."""
    config: Config = ctx.config  # type: ignore[assignment]
    case_no, cpr, month = item.payload["case_no"], item.payload["cpr"], item.payload["income_month"]
    pay_month = month_add(month, 1)
    try:
        cpr = normalise(cpr)
    except ValueError:
        raise BusinessError("cpr_malformed", f"Sag {case_no}: ydelsessystemet viser borgerens CPR-nummer i et andet "
                                             "format end DDMMÅÅ-XXXX; robotten kan ikke slå borgeren op.") from None
    entry = watchlist.get(ctx.backend, cpr)  # before any look-up in the systems
    if entry is not None:
        raise BusinessError("watch_list", f"Sag {case_no}: borgeren står på obslisten siden {show(entry.added_at)} "
                                          f"({entry.added_by}: {entry.reason}); robotten har ikke behandlet sagen.")
    rates = rates_for(int(pay_month[:4]), config.rates)
    if rates is None:
        year = pay_month[:4]
        raise BusinessError("rates_missing", f"Sag {case_no}: der er ingen satser for fleksløntilskud for {year} i "
                                             f"conf/processes/flex_wage.toml ([rates.{year}]), så tilskuddet for "
                                             f"{pay_month} kan ikke beregnes.")
    benefits = Benefits(ctx)
    first = month_add(month, -config.criteria.income_deviation.months)  # the months the average needs
    try:
        case = benefits.case(case_no)
        if case.cpr.replace("-", "") != cpr.replace("-", ""):
            raise BadData("citizen_mismatch", "sagen i ydelsessystemet har et andet CPR-nummer end det, "
                                              "robotten fik med opgaven")
        lines = IncomeRegister(ctx).lines(cpr, first, month)
    except BadData as exc:
        raise BusinessError(exc.code, f"Sag {case_no}: {exc.message}.") from None
    except ApiRejected as exc:  # eIndkomst refused the question itself (not a hiccup: retrying won't help)
        raise BusinessError("income_lookup_refused", f"Sag {case_no}: eIndkomst afviste opslaget af indkomsten for "
                                                     f"{first} til {month} (HTTP {exc.status} {exc.code}: "
                                                     f"{exc.message}).") from None
    facts = CaseFacts(case_no=case_no, income_month=month, employer_cvr=case.employer_cvr,
                      employer_name=case.employer_name, wage_ceiling_ore=case.wage_ceiling_ore,
                      lines=lines, payments=case.payments)
    assessment = assess(facts, rates, config.criteria)
    record = calculation_record(facts, rates, assessment)
    if assessment.hits:
        code, sentence = manual_reason(assessment.hits)
        _to_caseworker(ctx, record, code, f"Sag {case_no}: {sentence}")
    amount = assessment.calculation.subsidy_ore
    payment, made = _register(ctx, benefits, case, pay_month, assessment, config.payment_note, record)
    if not made and payment.subsidy_ore != amount:
        _to_caseworker(ctx, record, "registered_differently",
                       f"Sag {case_no}: der er allerede registreret {kr(payment.subsidy_ore)} for {pay_month} "
                       f"(bilag {payment.voucher_no}), men robotten beregner {kr(amount)}; robotten har ikke "
                       f"ændret noget.")
    ctx.log.info("subsidy registered" if made else "subsidy was already registered", case_no=case_no,
                 month=pay_month, subsidy_ore=payment.subsidy_ore, voucher=payment.voucher_no)
    return {**record, "outcome": "registered" if made else "already_registered", "payment": payment.to_dict()}


def _register(ctx: StepContext, benefits: Benefits, case: BenefitCase, pay_month: str, assessment: Assessment,
              note: str, record: dict[str, Any]) -> tuple[Payment, bool]:
    """Look, then register (one retried unit); the system's refusals become manual reasons."""
    calc = assessment.calculation
    try:
        return benefits.ensure_payment(case.case_no, pay_month, calc.income_ore, calc.subsidy_ore, note)
    except FormRejected as exc:
        if exc.code == "217":  # the month is closed, or someone registered it a moment ago: look again
            existing = benefits.case(case.case_no).payment(pay_month)
            if existing is not None:
                return existing, False
            _to_caseworker(ctx, record, "payment_month_closed",
                           f"Sag {case.case_no}: ydelsessystemet tager ikke imod en udbetaling for {pay_month} "
                           f"(Fejl 217: kun sidste, denne og næste måned er åbne).")
        _to_caseworker(ctx, record, "payment_refused",
                       f"Sag {case.case_no}: ydelsessystemet afviste tilskuddet {kr(calc.subsidy_ore)} for "
                       f"{pay_month}, beregnet ud fra lønnen {kr(calc.income_ore)} (Fejl {exc.code}: {exc.text}).")


def _to_caseworker(ctx: StepContext, record: dict[str, Any], code: str, sentence: str) -> NoReturn:
    """Keep the calculation with the item (calculation.json) and send it to a caseworker."""
    ctx.attach("calculation.json", json.dumps({**record, "manual_reason": code}, ensure_ascii=False,
                                              indent=2).encode(), "application/json")
    raise BusinessError(code, sentence)


def calculation_record(facts: CaseFacts, rates: Rates, assessment: Assessment) -> dict[str, Any]:
    """Everything the robot used and computed, for the caseworker and the auditor (amounts in øre)."""
    calc = assessment.calculation
    months = sorted({line.month for line in facts.lines} | {facts.income_month})
    last = next((p for p in facts.payments if p.month == month_add(facts.payment_month, -1)), None)
    return {
        "case_no": facts.case_no,
        "income_month": facts.income_month,
        "payment_month": facts.payment_month,
        "inputs": {
            "income_lines": [line.to_dict() for line in facts.lines],
            "wage_income_by_month_ore": {m: sum(ln.wage_ore for ln in facts.month_lines(m)) for m in months},
            "registered_employer": {"cvr": facts.employer_cvr, "name": facts.employer_name},
            "wage_ceiling_ore": facts.wage_ceiling_ore,
            "last_payment": last.to_dict() if last else None,
            "earlier_payments": len([p for p in facts.payments if p.month < facts.payment_month]),
        },
        "rates": {"year": rates.year, "max_ore": rates.max_ore, "threshold_ore": rates.threshold_ore,
                  "source": rates.source},
        "calculation": calc.to_dict(),
        "criteria": assessment.checks,
        "result": {"subsidy_ore": calc.subsidy_ore, "subsidy": kr(calc.subsidy_ore)},
    }
