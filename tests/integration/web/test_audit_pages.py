"""The auditor pages (/revision): the event search filters and pages right on both backends, a real
run's page shows its items, outcomes, log and files, files outside the run's directory are refused,
CPR numbers are masked, a changed event is named, and only auditors and admins may search."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from robots import audit
from robots.queue import ErrorKind, NewItem, QueueBackend, QueueSpec
from robots.queue.runs import RunStore
from robots.runtime import load_process
from robots.runtime.runner import RunSummary, run_process
from robots.timeutil import COPENHAGEN, now
from robots.web import run_views
from robots.web.audit_views import EventFilters, EventSearch
from robots.web.desk import Desk as DeskReads
from robots.web.server import DeskServer

from .conftest import Desk, sign_in

SYNTHETIC_CPR = "4605011234"  # day 46 of a month: no person has it (RULES.md)
MASKED_CPR = "460501-XXXX"
FLEX, NEGATIVE = "flex_wage.citizens", "negative_pay.cases"


def activity(backend: QueueBackend) -> dict[str, object]:
    """Items of two processes worked by a run's worker and by a stray worker, and desk events."""
    backend.define_queue(QueueSpec(FLEX, max_attempts=2))
    backend.define_queue(QueueSpec(NEGATIVE, max_attempts=2))
    flex = backend.add(FLEX, [NewItem(f"2026-11:{SYNTHETIC_CPR}", {"n": 1}), NewItem("2026-11:other", {"n": 2}),
                              NewItem("2026-10:late", {"n": 3})]).added
    negative = backend.add(NEGATIVE, [NewItem("run-77:neg", {"n": 4})]).added
    run = RunStore(backend).start("flex_wage", None, trigger="operator", started_by="drift")
    worker = f"{run.id}/robot-host:4242"
    done = backend.claim_one(FLEX, worker)
    backend.complete(done.id, worker, {"subsidy_ore": 1_635_200})
    manual = backend.claim_one(FLEX, worker)
    backend.fail(manual.id, worker, ErrorKind.BUSINESS, "several_employers", "two employers reported for 2026-11")
    retried = backend.claim_one(FLEX, worker)
    backend.fail(retried.id, worker, ErrorKind.APPLICATION, "http_500", "benefits answered 500")
    stray = backend.claim_one(NEGATIVE, "someone-else/host:1")
    backend.complete(stray.id, "someone-else/host:1", {})
    RunStore(backend).update(run.id, {"done": 1, "manual": 1}, status="succeeded")
    backend.comment(manual.id, "desk:kmj", f"ringede til borgeren {SYNTHETIC_CPR}")
    backend.record("desk:kmj", "watch_list_added", "særlige forhold", {"process": "flex_wage", "entry_id": 1})
    return {"run": run, "flex": flex, "negative": negative, "done": done.id, "manual": manual.id,
            "retried": retried.id, "stray": stray.id}


def ids(backend: QueueBackend, **filters: object) -> list[int]:
    page = EventSearch(backend, DeskReads(backend)).page(EventFilters(**filters), size=1000)  # type: ignore[arg-type]
    return [row.item_id for row in page.rows]  # type: ignore[misc]


def test_the_search_filters_by_process_reference_user_and_period(any_backend: QueueBackend) -> None:
    made = activity(any_backend)
    events = any_backend.events()
    search = EventSearch(any_backend, DeskReads(any_backend))
    everything = search.page(EventFilters(), size=1000).rows
    assert [r.id for r in everything] == sorted((e.id for e in events), reverse=True)  # newest first, all of them

    flex_events = [e for e in events if e.queue == FLEX or (e.item_id is None and e.action == "watch_list_added")]
    assert sorted(r.id for r in search.page(EventFilters(process="flex_wage"), size=1000).rows) == \
        sorted(e.id for e in flex_events)
    assert set(ids(any_backend, process="negative_pay")) == {made["stray"]}

    cpr_item = made["flex"][f"2026-11:{SYNTHETIC_CPR}"]  # type: ignore[index]
    assert set(ids(any_backend, reference=f"2026-11:{SYNTHETIC_CPR}")) == {cpr_item}
    assert set(ids(any_backend, reference="2026-11:")) == {cpr_item, made["flex"]["2026-11:other"]}  # type: ignore[index]
    assert ids(any_backend, reference="2026-12:") == []

    by_kmj = search.page(EventFilters(actor="kmj"), size=1000).rows
    assert {r.action for r in by_kmj} == {"commented", "watch_list_added"}
    assert all(r.actor == "desk:kmj" for r in by_kmj)
    run_id = made["run"].id  # type: ignore[attr-defined]
    by_run = ids(any_backend, actor=run_id)
    assert set(by_run) == {made["done"], made["manual"], made["retried"]} and len(by_run) == 6  # claim + outcome each
    assert ids(any_backend, actor=run_id[:-1]) == []  # a run id is matched whole, not as a prefix

    today = now().astimezone(COPENHAGEN).date()
    assert len(search.page(EventFilters(start=today, end=today), size=1000).rows) == len(events)  # "til" is inclusive
    assert search.page(EventFilters(end=today - timedelta(days=1)), size=1000).rows == []
    assert search.page(EventFilters(start=today + timedelta(days=1)), size=1000).rows == []

    # CPR masked in what the page shows: the reference and the comment.
    texts = " ".join(f"{r.reference} {r.reason} {r.detail}" for r in everything)
    assert SYNTHETIC_CPR not in texts and MASKED_CPR in texts


def test_pages_go_by_event_id_both_ways(any_backend: QueueBackend) -> None:
    activity(any_backend)
    search = EventSearch(any_backend, DeskReads(any_backend))
    every = [r.id for r in search.page(EventFilters(), size=1000).rows]
    first = search.page(EventFilters(), size=4)
    assert [r.id for r in first.rows] == every[:4] and first.newer is None and first.older == every[3]
    second = search.page(EventFilters(), before=first.older, size=4)
    assert [r.id for r in second.rows] == every[4:8] and second.newer == every[4]
    back = search.page(EventFilters(), after=second.newer, size=4)
    assert [r.id for r in back.rows] == every[:4]
    pages, before = [], None
    while True:
        page = search.page(EventFilters(), before=before, size=4)
        pages.extend(r.id for r in page.rows)
        if page.older is None:
            break
        before = page.older
    assert pages == every


def test_a_runs_items_are_those_its_workers_touched(any_backend: QueueBackend) -> None:
    made = activity(any_backend)
    run = made["run"]
    outcomes = {i.id: i for i in run_views.run_items(any_backend, RunStore(any_backend).get(run.id))}  # type: ignore[attr-defined]
    assert set(outcomes) == {made["done"], made["manual"], made["retried"]}  # not the stray worker's item
    assert outcomes[made["done"]].outcome == "Færdig"
    assert outcomes[made["manual"]].outcome == "Til manuel behandling"
    assert outcomes[made["manual"]].reason  # the reason's label, not empty
    assert outcomes[made["retried"]].outcome == "Systemfejl: nyt forsøg planlagt"
    assert MASKED_CPR in outcomes[made["done"]].reference

    runs = run_views.list_runs(any_backend, run_views.RunFilters(process="flex_wage", status="succeeded"))
    assert [r.id for r in runs] == [run.id]  # type: ignore[attr-defined]
    assert run_views.list_runs(any_backend, run_views.RunFilters(status="failed")) == []


@pytest.fixture()
def echo_run(env: Path, echo_backend: QueueBackend) -> Iterator[tuple[Desk, RunSummary]]:
    """A real run of the echo process (robocorp subprocesses, log.html, run.jsonl), and the desk on its database."""
    echo_backend.add("test_echo.input", [NewItem("plain", {}), NewItem("watch", {"business": "watch_list"}),
                                         NewItem("cpr", {"cpr_error": SYNTHETIC_CPR})])
    summary = run_process(load_process("tests.processes.echo"), echo_backend)
    server = DeskServer(echo_backend).start()
    try:
        yield Desk(echo_backend, server), summary
    finally:
        server.stop()


def test_a_real_runs_page_shows_items_log_and_files(echo_run: tuple[Desk, RunSummary], tmp_path: Path) -> None:
    desk, summary = echo_run
    run = summary.run
    # The run's length covers its steps (each a robocorp subprocess), not the moment it was summed.
    assert run.counts["seconds"] >= max(s.counts["seconds"] for s in summary.steps) > 0
    auditor = desk.client("revisor")
    html = auditor.get(f"/revision/koersler/{run.id}").text
    for text in ("Sager i kørslen", "Til manuel behandling", "Færdig", "Log", "Artefakter", "work/log.html",
                 "produce/run.jsonl", "Trin"):
        assert text in html, text
    assert SYNTHETIC_CPR not in html and MASKED_CPR in html  # the cpr item's reference and its log lines
    watch = desk.backend.find("test_echo.input", "watch")
    assert f'id="sag-{watch.id}"' in html

    listing = auditor.get("/revision/koersler?proces=echo").text
    assert f'href="/revision/koersler/{run.id}"' in listing

    log = auditor.get(f"/revision/koersler/{run.id}/artefakter/work/log.html?vis=1")
    assert log.status_code == 200 and "sandbox" in log.headers["content-security-policy"]
    download = auditor.get(f"/revision/koersler/{run.id}/artefakter/work/run.jsonl")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert SYNTHETIC_CPR not in download.text

    secret = tmp_path / "outside.txt"
    secret.write_text("not the run's")
    Path(run.artifacts_dir, "work", "link.txt").symlink_to(secret)
    for path in ("../../outside.txt", "..%2F..%2Foutside.txt", "work/link.txt", "/etc/passwd", "work",
                 "work/nothing.txt"):
        reply = auditor.get(f"/revision/koersler/{run.id}/artefakter/{path}")
        assert reply.status_code == 404 and "not the run's" not in reply.text, path
    assert auditor.get("/revision/koersler/no-such-run").status_code == 404


def test_roles_the_chain_and_the_export(echo_run: tuple[Desk, RunSummary]) -> None:
    desk, summary = echo_run
    run = summary.run
    for name in ("kmj", "lone"):  # caseworkers: none of it
        client = desk.client(name)
        for path in ("/revision", "/revision/koersler", f"/revision/koersler/{run.id}",
                     f"/revision/koersler/{run.id}/artefakter/work/run.jsonl", "/revision/haendelser.xlsx"):
            assert client.get(path).status_code == 403, (name, path)
        assert 'href="/revision"' not in client.get("/").text
    operator = desk.client("drift")  # the dashboard links to a run's page, not to the search
    assert operator.get("/revision").status_code == 403
    assert operator.get(f"/revision/koersler/{run.id}").status_code == 200
    assert desk.client().get("/revision").status_code == 303  # not signed in: the sign-in page

    auditor = desk.client("revisor")
    audit.seal(desk.backend)
    first = auditor.get("/revision?kontroller=1").text
    assert "Kæden er intakt til hændelse" in first
    # An event's detail as key and value on the page (users were added with their roles), not as raw JSON.
    assert '<span class="key">roles</span> [&#34;auditor&#34;]' in first and "{&#34;processes" not in first
    victim = desk.backend.find("test_echo.input", "watch")
    (event,) = [e for e in desk.backend.events(victim.id) if e.action == "failed"]
    conn = sqlite3.connect(desk.backend.url.removeprefix("sqlite:///"))  # type: ignore[attr-defined]
    conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    conn.execute("UPDATE audit_events SET reason = 'done' WHERE id = ?", (event.id,))
    conn.commit()
    conn.close()
    html = auditor.get("/revision?kontroller=1").text
    assert f"Kæden er brudt ved hændelse {event.id}." in html

    export = auditor.get("/revision/haendelser.xlsx?reference=cpr")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "cpr" in cells and SYNTHETIC_CPR not in cells


def test_an_auditor_searches_and_opens_a_run_in_the_browser(echo_run: tuple[Desk, RunSummary], page: Page) -> None:
    desk, summary = echo_run
    audit.seal(desk.backend)
    sign_in(page, desk, "revisor")
    page.get_by_role("link", name="Revision").click()
    expect(page.locator("#kaede")).to_contain_text("Kæden er intakt til hændelse")
    page.get_by_label("Reference").fill("watch")
    page.get_by_role("button", name="Søg").click()
    rows = page.locator("table.events tbody tr")
    expect(rows.first).to_contain_text("watch")
    assert all("watch" in text for text in rows.all_inner_texts())
    page.get_by_role("link", name="Kørsler").click()
    page.get_by_role("link", name=summary.run.id).click()
    watch = desk.backend.find("test_echo.input", "watch")
    expect(page.locator(f"#sag-{watch.id} .outcome")).to_have_text("Til manuel behandling")
    expect(page.locator("#koersel-status")).to_have_text("Gennemført")

    page.get_by_role("button", name="Log ud").click()
    sign_in(page, desk, "kmj")
    expect(page.get_by_role("link", name="Revision")).to_have_count(0)
    page.goto(f"{desk.url}/revision")
    expect(page.get_by_role("heading", name="Ingen adgang")).to_be_visible()
