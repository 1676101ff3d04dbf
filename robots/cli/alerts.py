"""``robots alerts``: what needs the operators' attention."""

from __future__ import annotations

import click

from .. import alerts as alerting
from ..timeutil import show
from ._common import Failure, emit_json, friendly_errors, json_option, open_queue, table
from .queue import _actor


@click.group("alerts")
def alerts_group() -> None:
    """Alerts: failed runs, SLA breaches, manual-rate spikes, missed schedules."""


@alerts_group.command("ls")
@click.option("--all", "show_all", is_flag=True, help="Acknowledged and resolved ones too.")
@json_option
@friendly_errors
def ls(show_all: bool, as_json: bool) -> None:
    """Open alerts, newest first."""
    with open_queue() as backend:
        found = alerting.alerts(backend, open_only=not show_all)
    if as_json:
        emit_json([a.to_dict() for a in found])
        return
    table("alerts", ["id", "rule", "subject", "since", "times", "state", "message"], [
        [a.id, a.rule, a.subject, show(a.opened_at), a.occurrences,
         "open" if a.open else ("acknowledged by " + (a.acknowledged_by or "") if a.acknowledged_at else "resolved"),
         a.message] for a in found])


@alerts_group.command("ack")
@click.argument("alert_id", type=int)
@friendly_errors
def ack(alert_id: int) -> None:
    """Acknowledge an open alert (a new occurrence then opens a new one)."""
    with open_queue() as backend:
        if not alerting.acknowledge(backend, alert_id, _actor()):
            raise Failure(f"alert {alert_id} is not open")
    click.echo(f"alert {alert_id} acknowledged")


@alerts_group.command("check")
@json_option
@friendly_errors
def check(as_json: bool) -> None:
    """Evaluate the queue rules now (SLA, manual rate); the scheduler does this every few minutes."""
    with open_queue() as backend:
        raised = alerting.check_queues(backend)
    if as_json:
        emit_json({"alerts": raised})
    else:
        click.echo(f"{len(raised)} alerts open from this check" if raised else "nothing to alert")
