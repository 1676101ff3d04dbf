"""Users, roles and sessions on both backends, and ``robots users add|ls|disable``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from robots.cli import cli
from robots.queue import QueueBackend, connect
from robots.timeutil import now
from robots.web import users


def test_add_authenticate_and_roles(any_backend: QueueBackend) -> None:
    kmj = users.add(any_backend, "kmj", "hemmelig-kode", ["caseworker"], ["flex_wage"], "Karen M. Jensen", "cli:test")
    assert kmj.roles == {"caseworker"} and kmj.processes == {"flex_wage"} and kmj.active
    assert kmj.can_decide("flex_wage") and not kmj.can_view("negative_pay") and not kmj.sees_all
    auditor = users.add(any_backend, "revisor", "hemmelig-kode", ["auditor"])
    assert auditor.can_view("negative_pay") and not auditor.can_decide("flex_wage")
    assert not auditor.can_assign("flex_wage")
    operator = users.add(any_backend, "drift", "hemmelig-kode", ["operator"])
    assert operator.can_assign("flex_wage") and not operator.can_decide("flex_wage")
    admin = users.add(any_backend, "admin", "hemmelig-kode", ["admin", "auditor"])
    assert admin.can_decide("anything") and admin.roles == {"admin", "auditor"}
    assert users.authenticate(any_backend, "kmj", "hemmelig-kode") == kmj
    assert users.authenticate(any_backend, "KMJ ", "hemmelig-kode") == kmj
    assert users.authenticate(any_backend, "kmj", "forkert-kode") is None
    assert users.authenticate(any_backend, "nobody", "hemmelig-kode") is None
    stored = users.Db(any_backend).read("user_by_name", {"name": "kmj"})[0]["password_hash"]
    assert stored.startswith("$argon2id$") and "hemmelig" not in stored
    assert [u.name for u in users.ls(any_backend)] == ["admin", "drift", "kmj", "revisor"]
    added = [e for e in any_backend.events(None) if e.action == "user_added"]
    assert added[0].actor == "cli:test" and added[0].detail == {"roles": ["caseworker"], "processes": ["flex_wage"]}


@pytest.mark.parametrize(("name", "password", "roles", "processes", "problem"), [
    ("Kmj", "hemmelig-kode", ["caseworker"], ["flex_wage"], "invalid user name"),
    ("kmj", "kort", ["caseworker"], ["flex_wage"], "at least 8"),
    ("kmj", "hemmelig-kode", ["boss"], [], "unknown role boss"),
    ("kmj", "hemmelig-kode", [], [], "unknown role"),
    ("kmj", "hemmelig-kode", ["caseworker"], [], "needs at least one --process"),
    ("kmj", "hemmelig-kode", ["caseworker"], ["Flex Wage"], "invalid process name"),
])
def test_bad_users_are_refused(any_backend: QueueBackend, name: str, password: str, roles: list[str],
                               processes: list[str], problem: str) -> None:
    with pytest.raises(users.UserError, match=problem):
        users.add(any_backend, name, password, roles, processes)
    assert users.ls(any_backend) == []


def test_sessions_expire_and_end_with_the_user(any_backend: QueueBackend) -> None:
    kmj = users.add(any_backend, "kmj", "hemmelig-kode", ["caseworker"], ["flex_wage"])
    token, started = users.start_session(any_backend, kmj)
    found = users.session(any_backend, token, now())
    assert found is not None and found.user == kmj and found.csrf_token == started.csrf_token
    assert users.session(any_backend, token + "x", now()) is None
    assert users.session(any_backend, token, now() + users.SESSION_IDLE + timedelta(minutes=1)) is None
    assert users.Db(any_backend).read("session_user", {"token_hash": token, "now": users.Db(any_backend).time_param(
        now())}) == []  # the cookie's token itself is not what is stored
    with pytest.raises(users.UserError, match="already exists"):
        users.add(any_backend, "kmj", "hemmelig-kode", ["caseworker"], ["flex_wage"])
    users.disable(any_backend, "kmj", actor="cli:test")
    assert users.session(any_backend, token, now()) is None
    assert users.authenticate(any_backend, "kmj", "hemmelig-kode") is None
    assert not users.get(any_backend, "kmj").active


def test_cli_users_add_ls_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("ROBOTS_DATABASE_URL", url)
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "kmj", "--role", "caseworker", "--process", "flex_wage",
                                "--process", "negative_pay", "--full-name", "Karen M. Jensen", "--password-stdin",
                                "--json"], input="hemmelig-kode\n")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["processes"] == ["flex_wage", "negative_pay"]
    again = runner.invoke(cli, ["users", "add", "kmj", "--role", "auditor", "--password-stdin"], input="x" * 9 + "\n")
    assert again.exit_code == 1 and again.output.strip() == "robots: error: user 'kmj' already exists"
    prompted = runner.invoke(cli, ["users", "add", "revisor", "--role", "auditor"],
                             input="hemmelig-kode\nhemmelig-kode\n")
    assert prompted.exit_code == 0 and "user revisor added: auditor" in prompted.output
    listed = json.loads(runner.invoke(cli, ["users", "ls", "--json"]).output)
    assert [(u["name"], u["roles"], u["active"]) for u in listed] == [
        ("kmj", ["caseworker"], True), ("revisor", ["auditor"], True)]
    assert "password" not in json.dumps(listed) and "argon2" not in json.dumps(listed)
    disabled = runner.invoke(cli, ["users", "disable", "kmj"])
    assert disabled.exit_code == 0 and disabled.output.strip() == "user kmj disabled"
    assert runner.invoke(cli, ["users", "disable", "kmj"]).output.strip() == \
        "user kmj was already disabled; nothing changed"
    unknown = runner.invoke(cli, ["users", "disable", "nobody"])
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.output
    with connect(url) as backend:
        assert users.authenticate(backend, "kmj", "hemmelig-kode") is None
        assert users.authenticate(backend, "revisor", "hemmelig-kode") is not None
        assert [e.action for e in backend.events(None) if e.action.startswith("user_")] == [
            "user_added", "user_added", "user_disabled"]


def test_cli_web_help_names_the_options() -> None:
    result = CliRunner().invoke(cli, ["web", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "--host" in result.output
