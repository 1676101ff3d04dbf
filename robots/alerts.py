"""Alerts: telling the people who run the robots that something needs them, once.

Rules (``conf/alerts.toml``, every one on by default):

- ``run_failed``: a run that failed or stopped (e.g. on consecutive application errors);
  subject: the process; resolved by its next successful run.
- ``sla_breach``: a queue whose oldest new item is older than the queue's SLA (``sla_hours`` in
  conf/queues.toml); subject: the queue; resolved when the backlog is back within the SLA.
- ``manual_rate``: more than ``max_items`` items entering manual within ``window_minutes``;
  subject: the queue.
- ``scheduler_missed``: raised by the scheduler for a run it missed; subject: the schedule.

An alert is a row in ``alerts`` (the dashboard lists and acknowledges them) and a message through
the configured channels (e-mail over SMTP, the digital-post outbox). No storm: while an alert for
a rule and subject is open (neither acknowledged nor resolved), a repeat only counts an occurrence
and sends nothing. Raising, acknowledging and resolving are audit events. A channel that fails
is logged and recorded with the alert; it never fails the run that raised it.
"""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .config import read_toml, validate
from .cpr import mask
from .logs import get_logger
from .paths import conf_dir
from .queue import QueueBackend, _rows
from .queue.runs import RunRecord
from .queue.sql import queries

ACTOR = "alerts"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    enabled: bool = True


class ManualRateRule(Rule):
    max_items: int = Field(50, ge=1)
    window_minutes: int = Field(60, ge=1)


class Rules(_Strict):
    run_failed: Rule = Rule()
    sla_breach: Rule = Rule()
    manual_rate: ManualRateRule = ManualRateRule()
    scheduler_missed: Rule = Rule()


class EmailChannel(_Strict):
    enabled: bool = False
    host: str = "localhost"
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    sender: str = "robots@localhost"
    recipients: list[str] = Field(default_factory=list)
    credential: str = ""  # a credential-store name with the SMTP login, if the server needs one


class PostChannel(_Strict):
    enabled: bool = False
    recipient_cpr: str = ""  # the operations lead's digital-post address (CPR)


class Channels(_Strict):
    email: EmailChannel = EmailChannel()
    post: PostChannel = PostChannel()


class AlertConfig(_Strict):
    rules: Rules = Rules()
    channels: Channels = Channels()


def load_config() -> AlertConfig:
    """conf/alerts.toml, validated; defaults (rules on, no channels) when there is none."""
    path = conf_dir() / "alerts.toml"
    return validate(AlertConfig, read_toml(path), path) if path.exists() else AlertConfig()


@dataclass(frozen=True)
class Alert:
    id: int
    rule: str
    subject: str
    message: str
    opened_at: datetime
    last_seen_at: datetime
    occurrences: int
    notified: list[dict[str, Any]]
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None and self.resolved_at is None

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()} | {
            "open": self.open}


# -- storage -------------------------------------------------------------------------------------


def _sql(backend: QueueBackend) -> dict[str, str]:
    return queries(f"alerts_{backend.dialect}")  # type: ignore[attr-defined]


def _sqlite(backend: QueueBackend) -> bool:
    return backend.dialect == "sqlite"  # type: ignore[attr-defined]


def _params(backend: QueueBackend, now: datetime, **values: Any) -> dict[str, Any]:
    return {**values, "now": _rows.utc_text(now)} if _sqlite(backend) else values


def _time(backend: QueueBackend, value: Any) -> datetime | None:
    return _rows.parse_utc_text(value) if _sqlite(backend) else _rows.aware(value)


def _alert(backend: QueueBackend, row: Any) -> Alert:
    r = dict(row)
    return Alert(int(r["id"]), r["rule"], r["subject"], r["message"], _time(backend, r["opened_at"]),  # type: ignore[arg-type]
                 _time(backend, r["last_seen_at"]), int(r["occurrences"]), json.loads(r["notified"]),  # type: ignore[arg-type]
                 _time(backend, r["acknowledged_at"]), r["acknowledged_by"], _time(backend, r["resolved_at"]))


def _read(backend: QueueBackend, name: str, params: dict[str, Any]) -> list[Any]:
    with backend._lock:  # type: ignore[attr-defined]
        return backend._conn.execute(_sql(backend)[name], params).fetchall()  # type: ignore[attr-defined]


def alerts(backend: QueueBackend, *, open_only: bool = False, limit: int = 200) -> list[Alert]:
    """Newest first."""
    return [_alert(backend, r) for r in _read(backend, "list", {"open_only": int(open_only), "limit": limit})]


def raise_alert(backend: QueueBackend, rule: str, subject: str, message: str,
                config: AlertConfig | None = None) -> tuple[int, bool]:
    """Open an alert (and notify) or count a repeat of the open one; (alert id, notified now)."""
    config = config or load_config()
    message = mask(message)[:2000]
    with backend._write() as tx:  # type: ignore[attr-defined]
        row = tx.conn.execute(_sql(backend)["open"], _params(backend, tx.now, rule=rule, subject=subject,
                                                             message=message)).fetchone()
        alert_id, occurrences = int(row["id"]), int(row["occurrences"])
        if occurrences == 1:
            tx.insert_event(None, ACTOR, "alert_raised", None, None, f"{rule}: {subject}",
                            {"alert_id": alert_id, "message": message})
    if occurrences > 1:
        return alert_id, False
    notified = notify(config.channels, rule, subject, message, backend)
    with backend._write() as tx:  # type: ignore[attr-defined]
        tx.conn.execute(_sql(backend)["set_notified"], {"id": alert_id, "notified": json.dumps(notified)})
    get_logger("robots.alerts").warning("alert raised", rule=rule, subject=subject, alert_message=message,
                                        channels=notified)
    return alert_id, True


def acknowledge(backend: QueueBackend, alert_id: int, actor: str) -> bool:
    """A person has seen it; False when it was not open."""
    with backend._write() as tx:  # type: ignore[attr-defined]
        row = tx.conn.execute(_sql(backend)["acknowledge"],
                              _params(backend, tx.now, id=alert_id, actor=actor)).fetchone()
        if row is not None:
            tx.insert_event(None, actor, "alert_acknowledged", None, None, f"alert {alert_id}", {"alert_id": alert_id})
    return row is not None


def resolve(backend: QueueBackend, rule: str, subject: str) -> bool:
    """The condition is over: close the open alert, if any."""
    with backend._write() as tx:  # type: ignore[attr-defined]
        row = tx.conn.execute(_sql(backend)["resolve"], _params(backend, tx.now, rule=rule, subject=subject)).fetchone()
        if row is not None:
            tx.insert_event(None, ACTOR, "alert_resolved", None, None, f"{rule}: {subject}", None)
    return row is not None


# -- channels ------------------------------------------------------------------------------------


def notify(channels: Channels, rule: str, subject: str, message: str, backend: QueueBackend) -> list[dict[str, Any]]:
    """Send the alert through every enabled channel; what happened per channel."""
    results: list[dict[str, Any]] = []
    title = f"[robots] {rule}: {subject}"
    if channels.email.enabled:
        results.append(_safely("email", lambda: send_email(channels.email, title, message, backend)))
    if channels.post.enabled:
        results.append(_safely("post", lambda: send_post(channels.post, title, message, backend)))
    return results


def _safely(channel: str, send: Any) -> dict[str, Any]:
    try:
        send()
        return {"channel": channel, "ok": True}
    except Exception as exc:  # a broken channel must not break the run that raised the alert
        get_logger("robots.alerts").error("alert channel failed", channel=channel, error=str(exc))
        return {"channel": channel, "ok": False, "error": mask(str(exc))[:300]}


def send_email(cfg: EmailChannel, title: str, body: str, backend: QueueBackend) -> None:
    if not cfg.recipients:
        raise ValueError("conf/alerts.toml: channels.email.recipients is empty")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg.sender, ", ".join(cfg.recipients), title
    msg.set_content(body)
    with smtplib.SMTP(cfg.host, cfg.port, timeout=10) as smtp:
        if cfg.starttls:
            smtp.starttls()
        if cfg.credential:
            from .credentials import credential

            login = credential(cfg.credential, ACTOR, backend)
            smtp.login(login.username, login.secret)
        smtp.send_message(msg)


def send_post(cfg: PostChannel, title: str, body: str, backend: QueueBackend) -> None:
    """A one-page PDF to the configured recipient through the digital-post outbox API."""
    import io

    import httpx
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from .config import settings
    from .credentials import credential

    if not cfg.recipient_cpr:
        raise ValueError("conf/alerts.toml: channels.post.recipient_cpr is empty")
    pdf = io.BytesIO()
    page = canvas.Canvas(pdf, pagesize=A4)
    page.setFont("Helvetica-Bold", 13)
    page.drawString(60, 780, title[:90])
    page.setFont("Helvetica", 10)
    for n, line in enumerate(body.splitlines()[:50]):
        page.drawString(60, 750 - 14 * n, line[:110])
    page.save()
    base = settings().systems.post.rstrip("/") + "/"
    login = credential("post", ACTOR, backend)
    with httpx.Client(base_url=base, timeout=10) as client:
        token = client.post("oauth/token", data={"grant_type": "client_credentials", "client_id": login.username,
                                                 "client_secret": login.secret})
        token.raise_for_status()
        sent = client.post("api/v1/messages", headers={"Authorization": f"Bearer {token.json()['access_token']}"},
                           data={"cpr": cfg.recipient_cpr, "subject": title[:120]},
                           files={"file": ("alert.pdf", pdf.getvalue(), "application/pdf")})
        sent.raise_for_status()


# -- the rules -----------------------------------------------------------------------------------
# Messages are in Danish: operations staff read them in mail and digital post.

_RUN_ENDED = {"failed": "fejlede", "stopped": "blev stoppet"}



def after_run(backend: QueueBackend, run: RunRecord, config: AlertConfig | None = None) -> int | None:
    """run_failed for a run that failed or stopped; its next successful run resolves the alert."""
    config = config or load_config()
    if not config.rules.run_failed.enabled:
        return None
    if run.status in ("failed", "stopped"):
        return raise_alert(backend, "run_failed", run.process,
                           f"Kørsel {run.id} af {run.process} {_RUN_ENDED[run.status]}: "
                           f"{run.stop_reason or 'ingen årsag angivet'}",
                           config)[0]
    if run.status == "succeeded":
        resolve(backend, "run_failed", run.process)
    return None


def oldest_new(backend: QueueBackend) -> dict[str, datetime]:
    """When the oldest new item of each queue was added (queues with no new items are left out)."""
    return {r["queue"]: _time(backend, r["oldest"]) for r in _read(backend, "oldest_new", {})}  # type: ignore[misc]


def check_queues(backend: QueueBackend, config: AlertConfig | None = None,
                 now: datetime | None = None) -> list[int]:
    """sla_breach and manual_rate for every queue (run by the scheduler every few minutes)."""
    from .systems.parse import decimal_comma  # on use: the CLI's other commands need no HTTP stack

    config = config or load_config()
    now = now or datetime.now().astimezone()
    raised: list[int] = []
    if config.rules.sla_breach.enabled:
        oldest = oldest_new(backend)
        for spec in backend.queues():
            if not spec.sla_seconds:
                continue
            since = oldest.get(spec.name)
            age = (now - since).total_seconds() if since else 0.0
            if age > spec.sla_seconds:
                waited, sla = decimal_comma(age / 3600, ".1f"), decimal_comma(spec.sla_seconds / 3600, "g")
                raised.append(raise_alert(backend, "sla_breach", spec.name,
                                          f"Den ældste nye sag i {spec.name} har ventet {waited} t; SLA er {sla} t.",
                                          config)[0])
            else:
                resolve(backend, "sla_breach", spec.name)
    rule = config.rules.manual_rate
    if rule.enabled:
        since = now - timedelta(minutes=rule.window_minutes)
        param = _rows.utc_text(since) if _sqlite(backend) else since
        counts = {r["queue"]: int(r["n"]) for r in _read(backend, "manual_since", {"since": param})}
        for queue, n in counts.items():
            if n >= rule.max_items:
                raised.append(raise_alert(backend, "manual_rate", queue,
                                          f"{n} sager gik til manuel behandling i {queue} inden for "
                                          f"{rule.window_minutes} minutter (grænse {rule.max_items}).",
                                          config)[0])
    return raised


__all__ = ["Alert", "AlertConfig", "acknowledge", "after_run", "alerts", "check_queues", "load_config",
           "oldest_new", "raise_alert", "resolve"]
