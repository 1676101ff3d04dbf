"""The desk's pure parts: Danish formatting, corrections typed by a caseworker, the flex wage layout."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from robots.queue import Resolution, Status, WorkItem
from robots.web import cases, fmt, sample
from robots.web.case_views import flex_wage_context


@pytest.mark.parametrize(("ore", "text"), [
    (1_303_275, "13.032,75 kr."), (0, "0,00 kr."), (-50, "-0,50 kr."), (-123_456, "-1.234,56 kr."),
    ("489690.00", "4.896,90 kr."), ("202235.5", "2.022,355 kr."), ("-202235.25", "-2.022,3525 kr."),
    (None, ""), ("", ""), ("abc", ""), (123_456_789, "1.234.567,89 kr."),
])
def test_amounts_in_danish(ore: object, text: str) -> None:
    assert fmt.kr(ore) == text


def test_dates_and_months_in_danish() -> None:
    summer = datetime(2026, 5, 31, 12, 5, tzinfo=UTC)  # 14:05 in Copenhagen
    assert fmt.dato(summer) == "31-05-2026" and fmt.tid(summer) == "31-05-2026 14:05"
    assert fmt.dato(datetime(2026, 5, 31, 22, 30, tzinfo=UTC)) == "01-06-2026"  # after midnight in Copenhagen
    assert fmt.dato("2024-09-01") == "01-09-2024" and fmt.dato(date(2024, 2, 29)) == "29-02-2024"
    assert fmt.month("2026-05") == "maj 2026" and fmt.month("2026-13") == "2026-13" and fmt.month(None) == ""
    assert fmt.cpr("450377-1234") == "450377-XXXX" and fmt.cpr("450377-1234", full=True) == "450377-1234"
    assert fmt.number("0.30") == "0,30" and fmt.number("12345.5") == "12.345,50"


def _item(payload: dict, output: dict | None = None) -> WorkItem:
    now = datetime(2026, 5, 31, tzinfo=UTC)
    return WorkItem(1, "flex_wage.citizens", "r", payload, 0, Status.MANUAL, 1, 3, None, None, None, None, now,
                    "robot", now, None, output, None, "x", "y", None, None, "x", None, None, now)


def test_corrections_keep_the_types_and_read_kroner() -> None:
    item = _item({"cpr": "450377-1234", "income_ore": 2_000_000, "months": 3, "note": "a", "ok": True})
    assert [k for k, _ in cases.correctable(item.payload)] == ["cpr", "income_ore", "months", "note"]
    retry = cases.view_for("flex_wage").decision("retry")
    assert retry is not None and retry.resolution is Resolution.RETRY and not retry.comment_required
    unchanged = {"cpr": "450377-1234", "income_ore": "20.000,00", "months": "3", "note": "a"}
    assert cases.corrected_payload(item, retry, unchanged) is None
    changed = cases.corrected_payload(item, retry, {**unchanged, "income_ore": "19.876,5", "months": "4"})
    assert changed == {**item.payload, "income_ore": 1_987_650, "months": 4}
    with pytest.raises(ValueError, match="income_ore"):
        cases.corrected_payload(item, retry, {"income_ore": "12,345"})
    with pytest.raises(ValueError, match="helt tal"):
        cases.corrected_payload(item, retry, {"months": "tre"})


def test_negative_pay_decisions_carry_the_decision_to_the_robot() -> None:
    view = cases.view_for("negative_pay")
    assert [d.key for d in view.decisions] == ["invoice", "carry_forward", "done", "cancel"]
    item = _item({"employee_no": "E1", "amount_ore": -1000})
    for key in ("invoice", "carry_forward"):
        decision = view.decision(key)
        assert decision is not None and decision.resolution is Resolution.RETRY and decision.comment_required
        assert cases.corrected_payload(item, decision, {}) == {"employee_no": "E1", "amount_ore": -1000,
                                                               "decision": key}
    assert cases.view_for("no_such_process").decisions == (cases.DONE, cases.RETRY, cases.CANCEL)
    assert cases.reason_label("negative_pay", "recurring") == "Negativ igen (også ved sidste lønkørsel)"
    assert cases.reason_label("x", "abandoned") == "Robotten stoppede midt i sagen"
    assert cases.reason_label("x", "some_code") == "some_code"


def test_flex_wage_calculation_laid_out_from_the_robots_record() -> None:
    """RULES.md's worked example L = 20.000 kr. (2024): R = 6.919,25 kr., subsidy 13.032,75 kr."""
    lines = [sample.income_line("2024-08", 1_200_000), sample.income_line("2024-09", 2_000_000)]
    facts = sample.flex_wage_facts("2024-09", lines, wage_ceiling_ore=3_000_000, checks={
        "income_deviation": "hit", "subsidy_change": "not applicable: intet tilskud registreret for 2024-09",
        "first_payment": "off (would have hit)"})
    context = flex_wage_context(facts, _item({"income_month": "2024-09"}))
    steps = {s["label"]: s for s in context["steps"]}
    assert steps["Lønindkomst L for september 2024"]["ore"] == 2_000_000
    assert steps["Fradrag af lønnen op til T"]["ore"] == Decimal("489690.00")
    assert steps["Fradrag af lønnen op til T"]["base"] == 1_632_300
    assert steps["Fradrag af lønnen over T"]["ore"] == Decimal("202235.00")
    assert steps["Fradrag af lønnen over T"]["base"] == 367_700
    assert steps["Fradrag R i alt"]["ore"] == Decimal("691925.00")
    assert steps["Tilskud før lønloft"]["ore"] == 1_303_275
    assert steps["Tilskud"]["ore"] == 1_000_000 and steps["Tilskud"]["kind"] == "result"  # cut by the ceiling
    assert steps["L + tilskud før lønloft"]["ore"] == 3_303_275 and steps["L + tilskud før lønloft"]["flag"] == "over"
    assert facts["calculation"]["subsidy_ore"] == 1_000_000  # 30.000 (ceiling) - 20.000 (L)
    assert [line["month"] for line in context["lines"]] == ["2024-09"]
    assert context["earlier"] == [("2024-08", 1_200_000)]
    statuses = {code: (cls, text) for code, _, cls, text in context["checks"]}
    assert statuses["income_deviation"] == ("hit", "Ramt")
    assert statuses["subsidy_change"] == ("na", "Ikke relevant: intet tilskud registreret for 2024-09")
    assert statuses["first_payment"] == ("off", "Slået fra (ville være ramt)")


def test_facts_of_another_shape_fall_back_to_the_list() -> None:
    view = cases.view_for("flex_wage")
    assert view.context({"calculation": {"income_ore": "abc", "max_ore": 1, "threshold_ore": 1}},
                        _item({})) == {"prepare_failed": True}
    assert flex_wage_context({"something": 1}, _item({}))["steps"] == []
