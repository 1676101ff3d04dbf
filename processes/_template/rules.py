"""The decision, as a pure function: facts about one employee in, a decision out. No I/O.

Rule (an example; yours comes from RULES.md): an active employee whose weekly hours are above
the threshold goes to a person; a former employee needs nothing; everyone else is fine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class EmployeeFacts:
    employee_no: str
    active: bool
    weekly_hours: Decimal


@dataclass(frozen=True)
class Decision:
    outcome: str  # "ok" | "skip" | "manual"
    code: str = ""  # the criterion, when a person must decide
    reason: str = ""  # a sentence a caseworker understands


def decide(facts: EmployeeFacts, max_weekly_hours: Decimal) -> Decision:
    """What happens to one employee's case."""
    if not facts.active:
        return Decision("skip", reason=f"employee {facts.employee_no} has left")
    if facts.weekly_hours > max_weekly_hours:
        return Decision("manual", "hours_above_threshold",
                        f"employee {facts.employee_no} works {facts.weekly_hours} hours a week, "
                        f"above the threshold of {max_weekly_hours}")
    return Decision("ok")
