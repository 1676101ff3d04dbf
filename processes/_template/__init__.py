"""Template process: check the working hours of employees in the payroll system.

A working example to copy (``robots new-process <name>``), read-only against the simulated
payroll UI: the producer searches the payroll system and queues one item per employee; the
consumer opens each employee card, and the rules decide whether a person must look at it.
Replace the rules, the page object and the steps with your own case; keep the shape.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from robots.queue import QueueSpec
from robots.runtime import Process, ProcessConfig

from .reasons import REASONS


class Config(ProcessConfig):
    """conf/processes/_template.toml: what the producer looks for and the rule's threshold."""

    search_terms: list[str] = Field(default_factory=lambda: ["Jensen"], min_length=1)
    max_weekly_hours: Decimal = Field(Decimal("37"), gt=0, le=80)


PROCESS = Process(
    "_template", "Template process",
    reasons=REASONS,
    config_model=Config,
    queues=[
        QueueSpec("_template.employees", description="Employees whose working hours are checked",
                  max_attempts=3, lease_seconds=120, backoff_seconds=1, backoff_max_seconds=30),
    ],
    schedule="0 7 * * 1-5",  # weekdays 07:00 Europe/Copenhagen; conf/schedules.toml may override it
)
