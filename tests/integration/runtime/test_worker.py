"""The worker loop on the echo process: outcomes, retries, stopping, evidence (in-process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from robots.config import ConfigError
from robots.queue import NewItem, QueueBackend, Status
from robots.runtime import WorkerOptions, load_process, run_step
from robots.runtime.hooks import DEFAULT_HOOKS

ECHO = load_process("tests.processes.echo")
INPUT = "test_echo.input"


def add(backend: QueueBackend, queue: str, payloads: dict[str, dict]) -> dict[str, int]:
    return backend.add(queue, [NewItem(ref, p) for ref, p in payloads.items()]).added


def test_every_item_ends_done_or_manual_with_reason(env: Path, echo_backend: QueueBackend) -> None:
    # Eight application errors happen here, some in a row: allow them (the stop rule is tested below).
    (env / "conf" / "processes" / "echo.toml").write_text("max_consecutive_application_errors = 20\n")
    ids = add(echo_backend, INPUT, {
        "plain": {}, "watch": {"business": "watch_list"}, "flaky": {"fail_times": 2},
        "broken": {"fail_times": 99}, "cpr": {"cpr_error": "4605011234"},
    })
    record = run_step(ECHO, "work", echo_backend)
    assert record.status == "succeeded"
    items = {ref: echo_backend.get(i) for ref, i in ids.items()}
    assert items["plain"].status is Status.DONE and items["plain"].output["attempt"] == 1
    assert items["flaky"].status is Status.DONE and items["flaky"].attempts == 3
    assert (items["watch"].status, items["watch"].manual_reason) == (Status.MANUAL, "watch_list")
    assert items["watch"].error_message == "case watch is outside the rules"
    assert (items["broken"].status, items["broken"].manual_reason) == (Status.MANUAL, "retries_exhausted")
    assert items["cpr"].error_message == "employee 460501-XXXX not found in payroll"
    assert record.counts["done"] == 2 and record.counts["manual"] == 3
    assert record.counts["manual_reasons"] == {"watch_list": 1, "retries_exhausted": 2}
    # The retries are in the audit trail: three claims and two scheduled retries for 'flaky'.
    actions = [e.action for e in echo_backend.events(ids["flaky"])]
    assert actions == ["created", "claimed", "retry_scheduled", "claimed", "retry_scheduled", "claimed",
                       "completed"]
    # The consumer's outputs went to the next queue, linked to their parents.
    (child,) = echo_backend.children(ids["plain"])
    assert (child.queue, child.reference, child.run_id) == ("test_echo.output", "plain/out", record.id)


def test_consecutive_application_errors_stop_the_run(env: Path, echo_backend: QueueBackend) -> None:
    (env / "conf" / "processes" / "echo.toml").write_text("max_consecutive_application_errors = 3\n")
    ids = add(echo_backend, INPUT, {f"down-{n}": {"fail_times": 99} for n in range(8)})
    record = run_step(ECHO, "work", echo_backend, options=WorkerOptions(wait_for_retries_seconds=0))
    assert record.status == "stopped"
    assert "stopped after 3 application errors in a row" in record.stop_reason
    assert "the remaining items are untouched" in record.stop_reason
    items = [echo_backend.get(i) for i in ids.values()]
    assert sum(i.attempts for i in items) == 3
    assert sum(1 for i in items if i.attempts == 0 and i.status is Status.NEW) == 5


def test_bad_process_config_fails_the_run_with_the_key(env: Path, echo_backend: QueueBackend) -> None:
    (env / "conf" / "processes" / "echo.toml").write_text("max_consecutive_application_errors = 'many'\n")
    record = run_step(ECHO, "work", echo_backend)
    assert record.status == "failed"
    assert "echo.toml: max_consecutive_application_errors" in record.stop_reason


def test_config_overlay_lays_values_over_the_file_and_names_bad_ones(
        env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (env / "conf" / "processes" / "echo.toml").write_text("retry_attempts = 7\nidle_poll_seconds = 1.5\n")
    monkeypatch.setenv("ROBOTS_PROCESS_CONFIG", '{"echo": {"retry_attempts": 2}, "other": {"x": 1}}')
    config = ECHO.config()
    assert (config.retry_attempts, config.idle_poll_seconds) == (2, 1.5)  # the overlay wins, the file stays
    monkeypatch.setenv("ROBOTS_PROCESS_CONFIG", '{"echo": {"retry_attempts": "twice"}}')
    with pytest.raises(ConfigError, match=r"echo\.toml \(with ROBOTS_PROCESS_CONFIG\): retry_attempts"):
        ECHO.config()
    monkeypatch.setenv("ROBOTS_PROCESS_CONFIG", '{"echo": 2}')
    with pytest.raises(ConfigError, match="ROBOTS_PROCESS_CONFIG: expected"):
        ECHO.config()
    monkeypatch.setenv("ROBOTS_PROCESS_CONFIG", "{echo")
    with pytest.raises(ConfigError, match="ROBOTS_PROCESS_CONFIG: not JSON"):
        ECHO.config()


def test_max_items_and_producer_idempotence(monkeypatch: pytest.MonkeyPatch, echo_backend: QueueBackend) -> None:
    monkeypatch.setenv("ECHO_ITEMS", "12")
    first = run_step(ECHO, "produce", echo_backend)
    again = run_step(ECHO, "produce", echo_backend)
    assert (first.counts["added"], again.counts["added"], again.counts["skipped"]) == (12, 0, 12)
    record = run_step(ECHO, "work", echo_backend, options=WorkerOptions(max_items=5))
    assert record.counts["done"] == 5
    assert echo_backend.stats(INPUT)[INPUT]["new"] == 7


@pytest.mark.browser
def test_application_error_attaches_screenshot_and_html_and_resets_browser(echo_backend: QueueBackend) -> None:
    ids = add(echo_backend, "test_echo.pages", {
        "a": {"title": "first"}, "b": {"title": "broken page", "fail": True}, "c": {"title": "after"},
    })
    record = run_step(ECHO, "browse", echo_backend, options=WorkerOptions(hooks=[h() for h in DEFAULT_HOOKS]))
    assert record.status == "succeeded"
    broken = echo_backend.get(ids["b"])
    assert broken.status is Status.MANUAL and broken.manual_reason == "retries_exhausted"
    files = echo_backend.files(ids["b"])
    assert {f.name for f in files} == {"screenshot.png", "page.html"}
    by_name = {f.name: echo_backend.file_content(f.id) for f in files}
    assert by_name["screenshot.png"].startswith(b"\x89PNG")
    assert b"broken page" in by_name["page.html"]
    # After the error the next item got a fresh page (a new browser context).
    a, c = echo_backend.get(ids["a"]), echo_backend.get(ids["c"])
    assert a.output["title"] == "first" and c.output["title"] == "after"
    assert a.output["page_id"] != c.output["page_id"]
