"""Credentials for the legacy systems: who a robot signs in as, kept encrypted in the database.

The store is the ``credentials`` table (migration 0009): name (the system, e.g. ``payroll``),
username, the secret encrypted with Fernet (cryptography), the processes allowed to read it,
changed-at and changed-by. The key never lives in the database or the repository: it comes from
``ROBOTS_SECRET_KEY`` or from a key file (``ROBOTS_SECRET_KEY_FILE``, default
``~/.config/robots/secret.key``, created by ``robots credentials new-key``). Without a key the
commands that need one refuse with a clear message; there is no plaintext fallback.

A process reads a credential through ``StepContext.credential(name)``: refused unless the process
is granted it, and every read is an audit event (process, run, credential name; never the value).
The secret is registered with the log masker the moment it is decrypted.

For development and tests without a store entry, ``ROBOTS_CREDENTIAL_<NAME>=user:secret`` (or
``ROBOTS_CREDENTIAL_DEFAULT``) in the environment is used; an entry in the store always wins.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from . import logs
from .paths import home
from .queue import QueueBackend, _rows
from .queue.sql import queries

ALL_PROCESSES = "*"
READ_EVENT = "credential_read"
SET_EVENT = "credential_set"
ROTATED_EVENT = "credential_key_rotated"


class CredentialError(Exception):
    """No usable credential: a set-up problem an operator must fix."""


class CredentialDenied(CredentialError):
    """The process is not granted this credential."""


class KeyMissing(CredentialError):
    """No encryption key: the store cannot be read or written."""


@dataclass(frozen=True)
class Credential:
    name: str
    username: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class StoredCredential:
    """A store entry as ``ls`` shows it: everything but the secret."""

    name: str
    username: str
    allowed: list[str]
    changed_at: datetime
    changed_by: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "username": self.username, "allowed": self.allowed,
                "changed_at": self.changed_at.isoformat(), "changed_by": self.changed_by}


# -- the key -------------------------------------------------------------------------------------


def key_file() -> Path:
    return Path(os.environ.get("ROBOTS_SECRET_KEY_FILE") or Path.home() / ".config" / "robots" / "secret.key")


def _check_outside_repo(path: Path) -> None:
    try:
        path.resolve().relative_to(home().resolve())
    except ValueError:
        return
    raise KeyMissing(f"the key file {path} is inside the project directory: keep it outside the repository")


def _fernet() -> MultiFernet:
    """The key (and a pending new key of an interrupted rotation), or KeyMissing."""
    keys: list[bytes] = []
    if os.environ.get("ROBOTS_SECRET_KEY"):
        keys.append(os.environ["ROBOTS_SECRET_KEY"].encode())
    else:
        path = key_file()
        _check_outside_repo(path)
        for candidate in (path, path.with_name(path.name + ".new")):
            if candidate.is_file():
                keys.append(candidate.read_bytes().strip())
    if not keys:
        raise KeyMissing(f"no encryption key for the credential store: set ROBOTS_SECRET_KEY or create "
                         f"{key_file()} with `robots credentials new-key`")
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise KeyMissing("the credential key is not a valid Fernet key (32 url-safe base64 bytes)") from None


def require_key() -> None:
    """KeyMissing unless a usable key is configured: a page says so before anyone types a secret."""
    _fernet()


def _write_key(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "wb") as out:
        out.write(key + b"\n")


def new_key(path: Path | None = None) -> Path:
    """Create a key file (mode 600, outside the repository); refuses to overwrite one."""
    path = path or key_file()
    _check_outside_repo(path)
    if path.exists():
        raise CredentialError(f"{path} exists already; rotate with `robots credentials rotate-key`")
    _write_key(path, Fernet.generate_key())
    return path


# -- the store -----------------------------------------------------------------------------------


def _sql(backend: QueueBackend) -> dict[str, str]:
    return queries(f"credentials_{backend.dialect}")  # type: ignore[attr-defined]


def _now_param(backend: QueueBackend, now: datetime) -> Any:
    return _rows.utc_text(now) if backend.dialect == "sqlite" else now  # type: ignore[attr-defined]


def _time(backend: QueueBackend, value: Any) -> datetime:
    parse = _rows.parse_utc_text if backend.dialect == "sqlite" else _rows.aware  # type: ignore[attr-defined]
    return parse(value)  # type: ignore[return-value]


def _rows_of(backend: QueueBackend, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with backend._lock:  # type: ignore[attr-defined]
        return [dict(r) for r in backend._conn.execute(_sql(backend)[name], params).fetchall()]  # type: ignore[attr-defined]


def set_credential(backend: QueueBackend, name: str, username: str, secret: str, allowed: Iterable[str],
                   actor: str) -> StoredCredential:
    """Create or replace a credential (encrypted), with the processes allowed to read it; audited."""
    if not name.strip() or not username.strip() or not secret:
        raise CredentialError("a credential needs a name, a username and a secret")
    grants = sorted(set(allowed))
    if not grants:
        raise CredentialError(f"credential {name!r}: grant it to at least one process (--allow NAME, or '*')")
    ciphertext = _fernet().encrypt(secret.encode()).decode()
    with backend._write() as tx:  # type: ignore[attr-defined]
        tx.conn.execute(_sql(backend)["upsert"], {
            "name": name, "username": username, "ciphertext": ciphertext, "allowed": json.dumps(grants),
            "now": _now_param(backend, tx.now), "actor": actor})
        tx.insert_event(None, actor, SET_EVENT, None, None, name, {"username": username, "allowed": grants})
    return StoredCredential(name, username, grants, tx.now, actor)


def list_credentials(backend: QueueBackend) -> list[StoredCredential]:
    """Every entry, without its secret (needs no key)."""
    return [StoredCredential(r["name"], r["username"], json.loads(r["allowed"]), _time(backend, r["changed_at"]),
                             r["changed_by"]) for r in _rows_of(backend, "list", {})]


def rotate_key(backend: QueueBackend, actor: str) -> int:
    """Re-encrypt every secret under a new key in one transaction; the key file then holds the new key.

    Crash-safe: the new key is written to ``<key>.new`` first (readers try both), the secrets are
    re-encrypted and committed, then the new key replaces the old one (kept as ``<key>.old``).
    """
    if os.environ.get("ROBOTS_SECRET_KEY"):
        raise CredentialError("key rotation needs a key file (ROBOTS_SECRET_KEY_FILE), not ROBOTS_SECRET_KEY")
    path = key_file()
    old = _fernet()
    fresh = Fernet.generate_key()
    pending = path.with_name(path.name + ".new")
    _write_key(pending, fresh)
    new = Fernet(fresh)
    with backend._write() as tx:  # type: ignore[attr-defined]
        rows = [dict(r) for r in tx.conn.execute(_sql(backend)["list"], {}).fetchall()]
        for row in rows:
            try:
                plain = old.decrypt(row["ciphertext"].encode())
            except InvalidToken:
                raise CredentialError(f"credential {row['name']!r} cannot be decrypted with the current key; "
                                      "nothing was changed") from None
            tx.conn.execute(_sql(backend)["set_ciphertext"],
                            {"name": row["name"], "ciphertext": new.encrypt(plain).decode()})
        tx.insert_event(None, actor, ROTATED_EVENT, None, None, f"{len(rows)} secrets re-encrypted", None)
    backup = path.with_name(path.name + ".old")
    if path.exists():
        path.replace(backup)
    pending.replace(path)
    return len(rows)


def credential(name: str, process: str | None = None, backend: QueueBackend | None = None,
               run_id: str | None = None) -> Credential:
    """The credential ``name`` for ``process``: from the store (granted, audited), else the environment."""
    row = None
    if backend is not None:
        rows = _rows_of(backend, "get", {"name": name})
        row = rows[0] if rows else None
    if row is not None:
        allowed = json.loads(row["allowed"])
        if ALL_PROCESSES not in allowed and process not in allowed:
            raise CredentialDenied(f"process {process!r} is not granted the credential {name!r} "
                                   f"(granted to: {', '.join(allowed)})")
        try:
            secret = _fernet().decrypt(row["ciphertext"].encode()).decode()
        except InvalidToken:
            raise KeyMissing(f"credential {name!r} cannot be decrypted: wrong key") from None
        logs.hide(secret)
        backend.record(f"process:{process}", READ_EVENT, name,  # type: ignore[union-attr]
                       {"process": process, "run_id": run_id})
        return Credential(name, row["username"], secret)
    return _from_environment(name, process)


def _variable(name: str) -> str:
    return f"ROBOTS_CREDENTIAL_{name.upper()}"


def _from_environment(name: str, process: str | None) -> Credential:
    raw = os.environ.get(_variable(name)) or os.environ.get(_variable("default"))
    if not raw:
        raise CredentialError(f"no credential {name!r} for process {process or '?'}: store one with "
                              f"`robots credentials set {name}` (or set {_variable(name)}=user:secret)")
    username, sep, secret = raw.partition(":")
    if not sep or not username or not secret:
        raise CredentialError(f"credential {name!r}: expected user:secret in {_variable(name)}")
    logs.hide(secret)
    return Credential(name, username, secret)


__all__ = [
    "Credential", "CredentialDenied", "CredentialError", "KeyMissing", "StoredCredential", "credential",
    "key_file", "list_credentials", "new_key", "require_key", "rotate_key", "set_credential",
]
