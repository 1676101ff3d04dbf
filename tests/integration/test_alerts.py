"""Alerts on both backends: one open alert per rule and subject, one message per alert, audited."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from typing import Any

from robots import alerts
from robots.queue import ErrorKind, NewItem, QueueBackend, QueueSpec
from robots.queue.runs import RunStore
from robots.testing import SmtpInbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def config(port: int, **rules: Any) -> alerts.AlertConfig:
    return alerts.AlertConfig.model_validate({
        "rules": rules,
        "channels": {"email": {"enabled": True, "host": "127.0.0.1", "port": port, "sender": "robots@test",
                               "recipients": ["drift@test"]}},
    })


def test_one_open_alert_per_rule_and_subject(store: QueueBackend, smtp_inbox: SmtpInbox) -> None:
    inbox, port = smtp_inbox, smtp_inbox.port
    cfg = config(port)
    first, sent = alerts.raise_alert(store, "run_failed", "flex_wage", "run X stopped: CPR 450377-1234 broke", cfg)
    again, sent_again = alerts.raise_alert(store, "run_failed", "flex_wage", "run Y stopped", cfg)
    other, _ = alerts.raise_alert(store, "run_failed", "negative_pay", "run Z failed", cfg)
    assert (first == again != other) and (sent, sent_again) == (True, False)
    assert len(inbox.messages) == 2
    mail = inbox.messages[0]
    assert mail["Subject"] == "[robots] run_failed: flex_wage" and "450377-XXXX" in mail.get_payload()
    assert "450377-1234" not in mail.get_payload()
    (flex,) = [a for a in alerts.alerts(store, open_only=True) if a.subject == "flex_wage"]
    assert (flex.occurrences, flex.notified) == (2, [{"channel": "email", "ok": True}])

    assert alerts.acknowledge(store, first, "cli:anna") and not alerts.acknowledge(store, first, "cli:anna")
    reopened, sent = alerts.raise_alert(store, "run_failed", "flex_wage", "run W stopped", cfg)
    assert reopened != first and sent and len(inbox.messages) == 3
    assert alerts.resolve(store, "run_failed", "negative_pay")
    assert not alerts.resolve(store, "run_failed", "negative_pay")  # resolved already
    actions = [e.action for e in store.events(None, limit=1000)]
    assert (actions.count("alert_raised"), actions.count("alert_acknowledged"), actions.count("alert_resolved")) == (
        3, 1, 1)


def test_a_broken_channel_is_recorded_and_does_not_raise(store: QueueBackend) -> None:
    alert_id, sent = alerts.raise_alert(store, "run_failed", "p", "m", config(free_port()))  # nobody listens
    (alert,) = alerts.alerts(store)
    assert alert.id == alert_id and sent and alert.notified[0]["ok"] is False and alert.notified[0]["error"]


def test_run_failed_opens_and_a_good_run_resolves(store: QueueBackend, smtp_inbox: SmtpInbox) -> None:
    inbox, port = smtp_inbox, smtp_inbox.port
    runs = RunStore(store)
    bad = runs.update(runs.start("flex_wage", None, trigger="schedule", started_by="s").id, {}, status="stopped",
                      stop_reason="stopped after 5 application errors in a row")
    assert alerts.after_run(store, bad, config(port)) is not None
    assert alerts.after_run(store, bad, config(port)) is not None and len(inbox.messages) == 1
    good = runs.update(runs.start("flex_wage", None, trigger="schedule", started_by="s").id, {}, status="succeeded")
    assert alerts.after_run(store, good, config(port)) is None
    assert alerts.alerts(store, open_only=True) == []


def test_sla_breach_and_manual_rate(store: QueueBackend, smtp_inbox: SmtpInbox) -> None:
    inbox, port = smtp_inbox, smtp_inbox.port
    store.define_queue(QueueSpec("q.sla", sla_seconds=3600, backoff_seconds=0))
    store.add("q.sla", [NewItem(f"r{n}") for n in range(3)])
    cfg = config(port, manual_rate={"max_items": 2, "window_minutes": 60})
    assert alerts.check_queues(store, cfg) == []  # young items, no manual
    later = datetime.now().astimezone() + timedelta(hours=2)
    (sla,) = alerts.check_queues(store, cfg, now=later)
    for _ in range(2):
        item = store.claim_one("q.sla", "w")
        store.fail(item.id, "w", ErrorKind.BUSINESS, "watch_list", "on the watch list")
    assert alerts.check_queues(store, cfg, now=later) == [sla]  # a repeat of the open alert: no new message
    (manual,) = alerts.check_queues(store, cfg)  # now: two items went to manual within the hour
    assert manual != sla
    assert [m["Subject"] for m in inbox.messages] == ["[robots] sla_breach: q.sla", "[robots] manual_rate: q.sla"]
    assert [m.get_content().strip() for m in inbox.messages] == [
        "Den ældste nye sag i q.sla har ventet 2,0 t; SLA er 1 t.",
        "2 sager gik til manuel behandling i q.sla inden for 60 minutter (grænse 2)."]
    # At the real time the backlog is within its SLA again: that alert resolved itself.
    assert [a.rule for a in alerts.alerts(store, open_only=True)] == ["manual_rate"]
