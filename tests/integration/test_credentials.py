"""The credential store on both backends: encrypted at rest, granted per process, audited, rotatable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from robots import logs
from robots.cli import cli
from robots.credentials import (
    CredentialDenied,
    KeyMissing,
    credential,
    list_credentials,
    new_key,
    rotate_key,
    set_credential,
)
from robots.queue import QueueBackend

SECRET = "Kodeord-7f3a9c-æøå"


def raw_rows(store: QueueBackend) -> str:
    return json.dumps([dict(r) for r in store._conn.execute("SELECT * FROM credentials").fetchall()], default=str)


def events(store: QueueBackend, action: str) -> list:
    return [e for e in store.events(None, limit=10_000) if e.action == action]


def test_secret_is_encrypted_granted_and_every_read_audited(store: QueueBackend, secret_key: Path) -> None:
    assert secret_key.stat().st_mode & 0o777 == 0o600
    set_credential(store, "payroll", "robot", SECRET, ["flex_wage"], actor="cli:admin")
    assert SECRET not in raw_rows(store) and "robot" in raw_rows(store)
    (entry,) = list_credentials(store)
    assert (entry.name, entry.username, entry.allowed, entry.changed_by) == ("payroll", "robot", ["flex_wage"],
                                                                           "cli:admin")
    assert SECRET not in json.dumps(entry.to_dict())

    got = credential("payroll", "flex_wage", store, run_id="run-1")
    assert (got.username, got.secret) == ("robot", SECRET) and SECRET not in repr(got)
    (read,) = events(store, "credential_read")
    assert (read.actor, read.reason, read.detail) == ("process:flex_wage", "payroll",
                                                      {"process": "flex_wage", "run_id": "run-1"})
    assert SECRET not in json.dumps([e.__dict__ for e in store.events(None)], default=str)
    # The decrypted secret is masked in every log line from now on.
    assert logs.mask_personal_data(None, "", {"event": f"login with {SECRET}"})["event"] == "login with ********"

    with pytest.raises(CredentialDenied, match="'negative_pay' is not granted the credential 'payroll'"):
        credential("payroll", "negative_pay", store)
    assert len(events(store, "credential_read")) == 1


def test_without_a_key_nothing_is_read_or_written(store: QueueBackend, secret_key: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    set_credential(store, "debtor", "robot", SECRET, ["*"], actor="cli:admin")
    monkeypatch.setenv("ROBOTS_SECRET_KEY_FILE", str(secret_key.parent / "absent.key"))
    with pytest.raises(KeyMissing, match="no encryption key"):
        credential("debtor", "negative_pay", store)
    with pytest.raises(KeyMissing):
        set_credential(store, "benefits", "robot", SECRET, ["*"], actor="cli:admin")
    monkeypatch.setenv("ROBOTS_SECRET_KEY", Fernet.generate_key().decode())  # a different key
    with pytest.raises(KeyMissing, match="wrong key"):
        credential("debtor", "negative_pay", store)


def test_key_rotation_keeps_every_secret_readable(store: QueueBackend, secret_key: Path) -> None:
    secrets = {f"system{n}": f"{SECRET}-{n}" for n in range(5)}
    for name, secret in secrets.items():
        set_credential(store, name, "robot", secret, ["*"], actor="cli:admin")
    before, old_key = raw_rows(store), secret_key.read_bytes()
    assert rotate_key(store, actor="cli:admin") == 5
    assert raw_rows(store) != before and secret_key.read_bytes() != old_key
    assert (secret_key.parent / "secret.key.old").read_bytes() == old_key
    assert {n: credential(n, "any", store).secret for n in secrets} == secrets
    assert len(events(store, "credential_key_rotated")) == 1


def test_key_file_inside_the_repository_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROBOTS_SECRET_KEY", raising=False)
    monkeypatch.setenv("ROBOTS_SECRET_KEY_FILE", str(Path(__file__).resolve().parents[2] / "secret.key"))
    with pytest.raises(KeyMissing, match="inside the project directory"):
        new_key()


def test_cli_set_and_ls_never_print_the_secret(store_url: str, secret_key: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOTS_DATABASE_URL", store_url)
    runner = CliRunner()
    done = runner.invoke(cli, ["credentials", "set", "payroll", "--username", "robot", "--allow", "flex_wage",
                               "--secret-stdin", "--json"], input=SECRET + "\n")
    assert done.exit_code == 0, done.output
    listed = runner.invoke(cli, ["credentials", "ls", "--json"])
    assert json.loads(listed.output)[0]["allowed"] == ["flex_wage"]
    people = runner.invoke(cli, ["credentials", "ls"])
    for output in (done.output, listed.output, people.output):
        assert SECRET not in output
    refused = runner.invoke(cli, ["credentials", "set", "debtor", "--username", "robot", "--allow", "x",
                                  "--secret-stdin"], input="\n")
    assert refused.exit_code == 1 and "needs a name, a username and a secret" in refused.output
