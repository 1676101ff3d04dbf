"""What the scheduler keeps in the database, on both backends: last fires, loaded schedules, the overview."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from robots.queue import NewItem, QueueBackend, QueueSpec
from robots.scheduling import load_schedules, overview, state
from robots.scheduling.lock import open_lock
from robots.timeutil import now

from .conftest import ECHO


def test_last_fires_and_runs(store: QueueBackend) -> None:
    at = now() - timedelta(hours=5)
    state.mark_fired(store, "nightly", at, "scheduler-a")
    state.mark_run(store, "nightly", "20261122T220000-echo-abcdef")
    state.mark_fired(store, "nightly", at + timedelta(hours=1), "scheduler-b")  # the run id stays until the next
    state.mark_fired(store, "weekly", at, "scheduler-b")
    known = state.load_state(store)
    assert set(known) == {"nightly", "weekly"}
    nightly = known["nightly"]
    assert nightly.last_fire_at == at + timedelta(hours=1) and nightly.updated_by == "scheduler-b"
    assert nightly.last_run_id == "20261122T220000-echo-abcdef" and known["weekly"].last_run_id is None


def test_loaded_schedules_and_their_changes(store: QueueBackend) -> None:
    assert state.loaded_config(store) is None
    before = {"schedules": {"a": {"when": "cron '0 7 * * *'"}, "b": {"when": "x"}}, "retention": {"keep_days": 30}}
    state.store_config(store, "1" * 64, before, "scheduler-a")
    loaded = state.loaded_config(store)
    assert loaded is not None and loaded["sha256"] == "1" * 64 and loaded["definitions"] == before
    after = {"schedules": {"a": {"when": "cron '0 8 * * *'"}, "c": {"when": "y"}}, "retention": {"keep_days": 40}}
    assert state.config_changes(before, after) == {
        "added": ["schedules.c"], "removed": ["schedules.b"], "changed": ["retention", "schedules.a"]}
    state.store_config(store, "2" * 64, after, "scheduler-b")
    assert state.loaded_config(store)["loaded_by"] == "scheduler-b"  # type: ignore[index]


def test_overview_with_the_database(store: QueueBackend, store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "schedules.toml"
    path.write_text(f'[schedules.nightly]\nprocess = "{ECHO}"\nrule = "every_business_day"\ntime = "22:00"\n'
                    f'[queue_triggers.echo]\nprocess = "{ECHO}"\nqueue = "test_echo.input"\nmin_items = 2\n')
    schedules = load_schedules(path)
    store.define_queue(QueueSpec("test_echo.input"))
    store.add("test_echo.input", [NewItem("a"), NewItem("b"), NewItem("later", not_before=now() + timedelta(hours=1))])
    state.mark_fired(store, "nightly", now() - timedelta(days=1), "scheduler-a")
    lock = open_lock(store_url, "scheduler-a", 30)
    try:
        assert lock.acquire()
        data = overview(schedules, store, count=3)
    finally:
        lock.close()
    (nightly,) = data["schedules"]
    assert len(nightly["next"]) == 3 and nightly["last_fire_at"] is not None
    assert data["queue_triggers"][0]["due"] == 2  # the deferred item is not due yet
    assert data["scheduler"]["holder"] == "scheduler-a" and data["scheduler"]["active"] is True
    assert data["config"]["up_to_date"] is True and data["retention"]["keep_days"] == 395
