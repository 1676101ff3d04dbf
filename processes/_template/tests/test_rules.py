"""The template process's rules on hand-checked cases, at and just past the threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from processes._template.rules import Decision, EmployeeFacts, decide

LIMIT = Decimal("37")


@pytest.mark.parametrize(("active", "hours", "expected"), [
    (True, "37.00", Decision("ok")),  # at the threshold: fine
    (True, "20", Decision("ok")),
    (False, "45", "skip"),  # has left: nothing to check, whatever the hours
])
def test_decisions(active: bool, hours: str, expected: Decision | str) -> None:
    decision = decide(EmployeeFacts("100123", active, Decimal(hours)), LIMIT)
    assert (decision if isinstance(expected, Decision) else decision.outcome) == expected


def test_just_above_the_threshold_goes_to_a_person_with_the_facts() -> None:
    decision = decide(EmployeeFacts("100123", True, Decimal("37.01")), LIMIT)
    assert decision.outcome == "manual"
    assert decision.code == "hours_above_threshold"
    assert decision.reason == "employee 100123 works 37.01 hours a week, above the threshold of 37"
