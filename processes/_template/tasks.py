"""The steps of the template process, as robocorp tasks (robot.yaml lists them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from robots.queue import NewItem, WorkItem
from robots.runtime import BusinessError, StepContext

from . import PROCESS, Config
from .rules import decide
from .systems import Payroll


@PROCESS.producer(output="_template.employees", browser=True)
def produce(ctx: StepContext) -> Iterable[NewItem]:
    """One item per employee found by the configured searches (a second run adds nothing)."""
    config: Config = ctx.config  # type: ignore[assignment]
    payroll = Payroll(ctx)
    for term in config.search_terms:
        for row in payroll.search(term):
            yield NewItem(f"employee:{row.employee_no}", {"employee_no": row.employee_no, "search": term})


@PROCESS.consumer(queue="_template.employees", browser=True)
def check(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Read the employee card, decide, and keep the facts and the decision with the item."""
    config: Config = ctx.config  # type: ignore[assignment]
    facts = Payroll(ctx).employee(item.payload["employee_no"])
    decision = decide(facts, config.max_weekly_hours)
    if decision.outcome == "manual":
        raise BusinessError(decision.code, decision.reason)
    return {"outcome": decision.outcome, "reason": decision.reason,
            "facts": {"active": facts.active, "weekly_hours": str(facts.weekly_hours)}}
