"""The template process end to end against the simulated payroll system, faults on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from robots.queue import Status

pytestmark = [pytest.mark.browser]

PROCESS = "_template"
QUEUE = "_template.employees"


def test_every_employee_ends_done_or_with_a_person(robot_env, make_simulators) -> None:
    sims = make_simulators(faults={"enabled": True, "error_rate": 0.08, "session_expiry_rate": 0.08,
                                   "busy_rate": 0.05, "seed": 7})
    env = robot_env(sims, process_config={PROCESS: 'search_terms = ["sen"]\nmax_weekly_hours = 30\n'
                                                   "max_consecutive_application_errors = 10\nretry_wait_seconds = 0.1\n"})
    assert env.run(PROCESS, "produce").status == "succeeded"
    with sims.state.lock:  # the simulator's own data: an independent answer to check against
        expected = {e.employee_no: e for e in sims.state.employees.values() if "sen" in e.name.lower()}
    items = env.items(QUEUE)
    assert {i.payload["employee_no"] for i in items} == set(expected) and len(expected) > 25  # more than a page

    record = env.run(PROCESS, "check")
    assert record.status == "succeeded"
    assert env.unfinished(QUEUE) == []
    for item in env.items(QUEUE):
        employee = expected[item.payload["employee_no"]]
        above = employee.status(sims.state.settings.today) != "left" and Decimal(str(employee.hours_per_week)) > 30
        if item.status is Status.MANUAL:
            assert item.manual_reason in ("hours_above_threshold", "retries_exhausted")
            assert above or item.manual_reason == "retries_exhausted"
        else:
            assert not above
    # The faults happened, and the retries they caused are in the audit trail.
    actions = [e.action for item in env.items(QUEUE) for e in env.backend.events(item.id)]
    stats = sims.app.state.faults.stats  # what the injector did
    assert stats.get("error", 0) + stats.get("expire", 0) > 0, stats
    assert actions.count("step_retry") + actions.count("retry_scheduled") > 0
    # A second producer run adds nothing: the references are the employees.
    assert env.run(PROCESS, "produce").counts.get("added", 0) == 0
