"""The operations dashboard (/drift): its figures match the database on both backends; operators
stop runs and acknowledge alerts (audited, with their name); auditors look; caseworkers are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from robots import alerts
from robots.queue import ErrorKind, NewItem, QueueBackend, QueueSpec, _rows
from robots.queue.runs import RunStore
from robots.timeutil import COPENHAGEN, now
from robots.web.dashboard import Dashboard

from .conftest import PASSWORD, Desk, csrf_of

QUEUE = "flex_wage.citizens"
QUIET = alerts.AlertConfig()  # no channels: nothing is sent from a test


def activity(backend: QueueBackend) -> dict[str, int]:
    """Ten items: four done by the robot, two to manual, one application error retried, three new."""
    backend.define_queue(QueueSpec(QUEUE, max_attempts=3, backoff_seconds=3600, sla_seconds=1800))
    backend.add(QUEUE, [NewItem(f"2026-11:dash{n}", {"n": n}) for n in range(10)])
    worker = "test-worker"
    for _ in range(4):
        item = backend.claim_one(QUEUE, worker)
        backend.complete(item.id, worker, {"ok": True})
    for code in ("several_employers", "watch_list"):
        item = backend.claim_one(QUEUE, worker)
        backend.fail(item.id, worker, ErrorKind.BUSINESS, code, "to a person")
    item = backend.claim_one(QUEUE, worker)
    backend.fail(item.id, worker, ErrorKind.APPLICATION, "http_500", "payroll answered 500")
    return {"done": 4, "manual": 2, "failed": 1}


def test_the_figures_are_the_databases(any_backend: QueueBackend) -> None:
    expected = activity(any_backend)
    board = Dashboard(any_backend)
    at = now()
    (row,) = [q for q in board.queues(at) if q.name == QUEUE]
    stats = any_backend.stats(QUEUE)[QUEUE]
    assert (row.new, row.in_progress, row.manual) == (stats["new"], stats["in_progress"], stats["manual"]) == (4, 0, 2)
    assert (row.done_today, row.failed_today) == (expected["done"], expected["failed"])
    assert row.oldest_new_at is not None and not row.sla_breached(at)
    assert row.sla_breached(at + timedelta(hours=1))  # the SLA is 30 minutes

    *_, today = board.outcomes_per_day(at)
    assert today == (at.astimezone(COPENHAGEN).date(), 4, 2, 1) and len(board.outcomes_per_day(at)) == 30
    months, rates = board.automation_per_month(at)
    assert len(months) == 6 and rates == {"flex_wage": {months[-1]: pytest.approx(100 * 4 / 6)}}
    times = dict(board.processing_times(at))
    assert sum(times.values()) == 4 and times["< 1 s"] == 4  # claimed and completed at once


def stop_form(html: str, run_id: str) -> bool:
    return f'action="/drift/koersler/{run_id}/stop"' in html


def test_operator_stops_a_run_and_acknowledges_an_alert(desk: Desk, signed_in) -> None:
    activity(desk.backend)
    store = RunStore(desk.backend)
    run = store.start("flex_wage", None, trigger="operator", started_by="drift")
    alert_id, _ = alerts.raise_alert(desk.backend, "sla_breach", QUEUE, "The oldest new item waited 2.0 hours",
                                     QUIET)
    operator = signed_in("drift")
    page = operator.get("/drift")
    assert page.status_code == 200
    html = page.text
    for text in ("Køer", "Kørsler", "Alarmer", "Færdige i dag (robot)", "overholdt (0.5 t)", "Kvitter", "Stop kørsel",
                 "Servicemål overskredet"):
        assert text in html, text
    assert html.count("<svg") == 3 and "Automatiseringsgrad" in html
    row = re.search(r'<tr id="koe-flex_wage-citizens".*?</tr>', html, re.S).group(0)
    figures = [int(n) for n in re.findall(r'<td class="num">(?:<a [^>]*>)?(\d+)', row)]
    assert figures == [4, 0, 2 + 1, 4, 1]  # new, in progress, manual (+ the desk's sample case), done, failed
    assert stop_form(html, run.id)

    token = csrf_of(html)
    assert operator.post(f"/drift/koersler/{run.id}/stop").status_code == 403  # no CSRF token
    assert not store.get(run.id).stop_requested
    reply = operator.post(f"/drift/koersler/{run.id}/stop", data={"csrf_token": token})
    assert reply.status_code == 303 and store.get(run.id).stop_requested
    event = [e for e in desk.backend.events() if e.action == "run_stop_requested"][-1]
    assert event.actor == "desk:drift" and run.id in (event.reason or "")
    assert not stop_form(operator.get("/drift").text, run.id)  # asked once; the page says it is stopping

    reply = operator.post(f"/drift/alarmer/{alert_id}/kvitter", data={"csrf_token": token})
    assert reply.status_code == 303
    (alert,) = [a for a in alerts.alerts(desk.backend) if a.id == alert_id]
    assert alert.acknowledged_by == "desk:drift" and alert.acknowledged_at is not None
    assert "Kvitteret af desk:drift" in operator.get("/drift").text
    assert operator.post(f"/drift/alarmer/{alert_id}/kvitter", data={"csrf_token": token}).status_code == 409

    store.update(run.id, {}, status="succeeded")
    assert operator.post(f"/drift/koersler/{run.id}/stop", data={"csrf_token": token}).status_code == 409
    assert operator.post("/drift/koersler/no-such-run/stop", data={"csrf_token": token}).status_code == 404


def test_a_running_run_shows_its_steps_counts(any_backend: QueueBackend) -> None:
    store = RunStore(any_backend)
    run = store.start("flex_wage", None, trigger="operator", started_by="drift")
    produce = store.start("flex_wage", "produce", trigger="operator", started_by="drift", parent_id=run.id)
    calculate = store.start("flex_wage", "calculate", trigger="operator", started_by="drift", parent_id=run.id)
    store.update(produce.id, {"added": 10}, status="succeeded")
    store.update(calculate.id, {"done": 7, "manual": 3})
    (view,) = Dashboard(any_backend).runs()
    assert view.counts == {"added": 10, "done": 7, "manual": 3}
    store.update(run.id, {"added": 10, "done": 8, "manual": 2}, status="succeeded")
    (view,) = Dashboard(any_backend).runs()
    assert view.counts == {"added": 10, "done": 8, "manual": 2}  # finished: the run's own totals


def test_auditor_looks_caseworker_is_refused_stranger_signs_in(desk: Desk, signed_in) -> None:
    run = RunStore(desk.backend).start("flex_wage", None, trigger="operator", started_by="drift")
    auditor = signed_in("revisor")
    html = auditor.get("/drift").text
    assert "Kørsler" in html and not stop_form(html, run.id)  # read-only
    reply = auditor.post(f"/drift/koersler/{run.id}/stop", data={"csrf_token": csrf_of(html)})
    assert reply.status_code == 403 and not RunStore(desk.backend).get(run.id).stop_requested

    caseworker = signed_in("kmj")
    assert caseworker.get("/drift").status_code == 403
    assert 'href="/drift"' not in caseworker.get("/").text
    with desk.client() as stranger:
        reply = stranger.get("/drift")
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login")


# -- in Chromium ------------------------------------------------------------------------------


@pytest.mark.browser
def test_operator_at_the_dashboard_in_chromium(desk: Desk, page: Page) -> None:
    activity(desk.backend)
    run = RunStore(desk.backend).start("flex_wage", "calculate", trigger="schedule", started_by="scheduler@host")
    alert_id, _ = alerts.raise_alert(desk.backend, "run_failed", "negative_pay", "Run x of negative_pay failed",
                                     QUIET)
    page.goto(desk.url + "/drift")
    page.get_by_label("Brugernavn").fill("drift")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(desk.url + "/drift")
    expect(page.get_by_role("heading", name="Køer")).to_be_visible()
    expect(page.locator("#koe-flex_wage-citizens")).to_contain_text("4")
    expect(page.locator("svg.chart")).to_have_count(3)
    assert page.locator("svg.chart").first.bounding_box()["height"] > 100  # drawn, not collapsed

    page.locator(f"#alarm-{alert_id}").get_by_role("button", name="Kvitter").click()
    expect(page.get_by_role("status")).to_contain_text("kvitteret")
    expect(page.locator(f"#alarm-{alert_id}")).to_contain_text("Kvitteret af desk:drift")

    page.locator(f"#koersel-{run.id}").get_by_role("button", name="Stop kørsel").click()
    expect(page.get_by_role("status")).to_contain_text("stopper")
    expect(page.locator(f"#koersel-{run.id}")).to_contain_text("stopper efter aktuel sag")
    assert RunStore(desk.backend).get(run.id).stop_requested


def test_a_month_begins_at_copenhagen_midnight(any_backend: QueueBackend) -> None:
    """Finished 30 Nov 23:30 UTC is 1 Dec 00:30 in Copenhagen: December's, on both backends."""
    sqlite = any_backend.dialect == "sqlite"  # type: ignore[attr-defined]
    insert = ("INSERT INTO audit_events (queue, at, actor, action, from_status, to_status) VALUES "
              + ("(?, ?, 'w', ?, 'in_progress', ?)" if sqlite else "(%s, %s, 'w', %s, 'in_progress', %s)"))
    for at, action, to in ((datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "completed", "done"),
                           (datetime(2026, 11, 30, 22, 30, tzinfo=UTC), "failed", "manual")):
        with any_backend._write() as tx:  # type: ignore[attr-defined]
            tx.conn.execute(insert, (QUEUE, _rows.utc_text(at) if sqlite else at, action, to))
    months, rates = Dashboard(any_backend).automation_per_month(datetime(2026, 12, 15, 12, tzinfo=COPENHAGEN))
    assert months[-2:] == ["2026-11", "2026-12"]
    assert rates == {"flex_wage": {"2026-11": 0.0, "2026-12": 100.0}}  # 23:30 in November: its manual item


def test_a_stop_and_its_audit_event_commit_together(any_backend: QueueBackend) -> None:
    store = RunStore(any_backend)
    run = store.start("flex_wage", None, trigger="operator", started_by="drift")
    store.start("flex_wage", "calculate", trigger="operator", started_by="drift", parent_id=run.id)
    assert store.request_stop(run.id, actor="desk:drift") == 2  # the run and its running step
    (event,) = [e for e in any_backend.events() if e.action == "run_stop_requested"]
    assert event.actor == "desk:drift" and event.detail == {"run_id": run.id, "process": "flex_wage"}
    store.update(run.id, {}, status="stopped")
    for child in store.children(run.id):
        store.update(child.id, {}, status="stopped")
    assert store.request_stop(run.id, actor="desk:drift") == 0  # nothing running: nothing recorded
    assert len([e for e in any_backend.events() if e.action == "run_stop_requested"]) == 1
