"""The flex wage watch list on both backends: changes, their audit events (CPR masked), the CLI.

The PostgreSQL database is created for each test and dropped after it (the server must run on
127.0.0.1:5432, or at ROBOTS_TEST_PG_URL; deselect with -m "not postgres").
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from click.testing import CliRunner

from robots import watchlist
from robots.cli import cli
from robots.cpr import mask
from robots.queue import QueueBackend, connect

PG_ADMIN_URL = os.environ.get("ROBOTS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CPR = "450377-1234"  # synthetic (day + 40)
OTHER = "610590-4321"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, upgraded database: an SQLite file, or a PostgreSQL database made and dropped here."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'watch.sqlite3'}"
        with connect(url) as backend:
            backend.upgrade()
        yield url
        return
    name = f"robots_wl_{uuid.uuid4().hex[:12]}"
    base = PG_ADMIN_URL.rpartition("/")[0]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with connect(f"{base}/{name}") as backend:
                assert "0005_watch_list" in backend.upgrade()
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def backend(db_url: str) -> Iterator[QueueBackend]:
    with connect(db_url) as b:
        yield b


def _audit_text(backend: QueueBackend) -> str:
    return json.dumps([e.to_dict() for e in backend.events()], default=str)


def test_add_contains_and_ls(backend: QueueBackend) -> None:
    assert not watchlist.contains(backend, CPR)
    change = watchlist.add(backend, "4503771234", "working hours under review", actor="desk:kmj")
    assert change.changed and change.entry.cpr == CPR  # 10 digits in, DDMMYY-SSSS stored
    assert watchlist.contains(backend, CPR) and watchlist.contains(backend, "4503771234")
    assert not watchlist.contains(backend, OTHER)
    watchlist.add(backend, OTHER, "new employer coming", actor="desk:abc")
    entries = watchlist.ls(backend)
    assert [(e.cpr, e.reason, e.added_by) for e in entries] == [
        (CPR, "working hours under review", "desk:kmj"), (OTHER, "new employer coming", "desk:abc")]
    assert entries[0].added_at.tzinfo is not None
    got = watchlist.get(backend, CPR)
    assert got is not None and got.id == change.entry.id


def test_every_change_is_audited_with_the_cpr_masked(backend: QueueBackend) -> None:
    added = watchlist.add(backend, CPR, f"sibling case {OTHER} decides it", actor="desk:kmj").entry
    watchlist.remove(backend, CPR, actor="desk:xyz", reason="settled")
    events = [e for e in backend.events() if e.action.startswith("watch_list_")]
    assert [(e.action, e.actor, e.item_id) for e in events] == [
        ("watch_list_added", "desk:kmj", None), ("watch_list_removed", "desk:xyz", None)]
    assert events[0].detail == {"cpr": "450377-XXXX", "entry_id": added.id}
    assert events[0].reason == "sibling case 610590-XXXX decides it"
    assert events[1].reason == "settled" and events[1].detail == {"cpr": "450377-XXXX", "entry_id": added.id}
    text = _audit_text(backend)
    assert CPR not in text and "4503771234" not in text and OTHER not in text


def test_adding_twice_changes_nothing_and_audits_once(backend: QueueBackend) -> None:
    first = watchlist.add(backend, CPR, "first", actor="desk:a")
    again = watchlist.add(backend, CPR, "second", actor="desk:b")
    assert not again.changed and again.entry == first.entry and again.entry.reason == "first"
    assert [e.action for e in backend.events()].count("watch_list_added") == 1


def test_remove_then_add_again_keeps_the_history(backend: QueueBackend, db_url: str) -> None:
    first = watchlist.add(backend, CPR, "first", actor="desk:a").entry
    removed = watchlist.remove(backend, CPR, actor="desk:b", reason="done")
    assert removed.id == first.id and not watchlist.contains(backend, CPR)
    with pytest.raises(watchlist.WatchListError, match=r"450377-XXXX is not on the watch list"):
        watchlist.remove(backend, CPR, actor="desk:b", reason="again")
    second = watchlist.add(backend, CPR, "back again", actor="desk:c").entry
    assert second.id != first.id and watchlist.get(backend, CPR) == second
    with connect(db_url) as other:  # the table keeps the removed entry with who removed it and why
        rows = watchlist._read(other, "list_active", {})
        assert [dict(r)["id"] for r in rows] == [second.id]
        conn = other._conn  # type: ignore[attr-defined]
        removed_rows = conn.execute("SELECT removed_by, removed_reason FROM watch_list WHERE id = "
                                    f"{first.id}").fetchall()
        assert [tuple(dict(r).values()) for r in removed_rows] == [("desk:b", "done")]
    assert [e.action for e in backend.events()].count("watch_list_removed") == 1


@pytest.mark.parametrize(("cpr", "reason", "actor", "message"), [
    ("45037-1234", "x", "a", "not a CPR number"),
    (CPR, "  ", "a", "needs a reason"),
    (CPR, "x", "", "needs an actor"),
])
def test_bad_input_is_refused_and_nothing_is_written(backend: QueueBackend, cpr: str, reason: str, actor: str,
                                                     message: str) -> None:
    with pytest.raises((ValueError, watchlist.WatchListError), match=message):
        watchlist.add(backend, cpr, reason, actor=actor)
    assert watchlist.ls(backend) == [] and not any(e.action.startswith("watch_list") for e in backend.events())


def test_two_connections_adding_at_once_make_one_entry(db_url: str) -> None:
    results: list[watchlist.Change] = []
    barrier = threading.Barrier(4)

    def add(n: int) -> None:
        with connect(db_url) as b:
            barrier.wait()
            results.append(watchlist.add(b, CPR, f"from {n}", actor=f"desk:{n}"))

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.changed for r in results) == [False, False, False, True]
    assert len({r.entry.id for r in results}) == 1
    with connect(db_url) as b:
        assert len(watchlist.ls(b)) == 1
        assert [e.action for e in b.events()].count("watch_list_added") == 1


# -- the command line ------------------------------------------------------------------------------


def _cli(db_url: str, monkeypatch: pytest.MonkeyPatch, *args: str, code: int = 0) -> str:
    monkeypatch.setenv("ROBOTS_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["watchlist", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    assert CPR not in result.output and "4503771234" not in result.output  # never the full number
    return result.output


def test_cli_add_ls_remove(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _cli(db_url, monkeypatch, "add", "4503771234", "--reason", "særlige forhold", "--by", "desk:kmj", "--json")
    added = json.loads(out)
    assert added["cpr"] == "450377-XXXX" and added["added"] is True and added["added_by"] == "desk:kmj"
    again = json.loads(_cli(db_url, monkeypatch, "add", CPR, "--reason", "igen", "--json"))
    assert again["added"] is False and again["id"] == added["id"]
    assert "already on it" in _cli(db_url, monkeypatch, "add", CPR, "--reason", "igen")
    listed = json.loads(_cli(db_url, monkeypatch, "ls", "--json"))
    assert [(e["cpr"], e["reason"], e["added_by"]) for e in listed] == [("450377-XXXX", "særlige forhold", "desk:kmj")]
    assert "450377-XXXX" in _cli(db_url, monkeypatch, "ls")
    removed = json.loads(_cli(db_url, monkeypatch, "remove", CPR, "--reason", "afklaret", "--json"))
    assert removed["removed"] is True and removed["id"] == added["id"] and removed["cpr"] == "450377-XXXX"
    assert json.loads(_cli(db_url, monkeypatch, "ls", "--json")) == []
    with connect(db_url) as b:
        events = [e for e in b.events() if e.action.startswith("watch_list_")]
        assert [e.action for e in events] == ["watch_list_added", "watch_list_removed"]
        assert events[1].actor.startswith("cli:")


def test_cli_errors_are_one_line(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _cli(db_url, monkeypatch, "remove", CPR, "--reason", "x", code=1)
    assert out.strip() == "robots: error: 450377-XXXX is not on the watch list; nothing changed"
    out = _cli(db_url, monkeypatch, "add", "12345", "--reason", "x", code=1)
    assert out.strip().startswith("robots: error: not a CPR number") and len(out.strip().splitlines()) == 1
    _cli(db_url, monkeypatch, "add", CPR, code=2)  # --reason is required (click's usage error)



def test_the_demo_seeds_the_simulators_watch_list_candidates_once(make_simulators: Any, tmp_path: Path) -> None:
    from robots.demo import DemoWatchList, seed_watch_list

    sims = make_simulators(citizens=30)
    candidates = httpx.get(f"{sims.base_url}/_sim/truth/flex").json()["watch_list_candidates"]
    assert candidates
    with connect(f"sqlite:///{tmp_path / 'demo.sqlite3'}") as backend:
        backend.upgrade()
        said = seed_watch_list(backend, sims.base_url, DemoWatchList())
        assert said == f"{len(candidates)} citizens from the simulator ({len(candidates)} added now)"
        assert {e.masked_cpr for e in watchlist.ls(backend)} == {mask(c) for c in candidates}
        assert all(e.added_by == "robots demo" for e in watchlist.ls(backend))
        assert seed_watch_list(backend, sims.base_url, DemoWatchList()).endswith("(0 added now)")
        assert "not seeded" in seed_watch_list(backend, sims.base_url, DemoWatchList(from_simulator=False))
        assert "gives no simulator ground truth" in seed_watch_list(backend, f"{sims.base_url}/nowhere",
                                                                    DemoWatchList())
