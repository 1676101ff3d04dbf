"""People at the desk: users, roles, the processes a caseworker works, and sign-in sessions.

Roles (a user may hold several; rights are their union):

============  =====================================================================================
caseworker    the processes they are assigned to: see the items (full CPR: it is their case), take,
              release, decide, comment; the flex wage watch list when assigned to flex_wage
operator      every process read-only with CPR masked, and hand items out (assign / release)
auditor       everything read-only, CPR masked, the exports
admin         everything
============  =====================================================================================

Passwords are stored as argon2id hashes (argon2-cffi). Sessions are server-side: the cookie holds
a random token and the database only its SHA-256, so disabling a user ends their sessions at once.
Adding and disabling users and signing in are audit events.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..queue import QueueBackend, QueueError
from .db import Db

ROLES = ("caseworker", "operator", "auditor", "admin")
ROLE_LABELS = {"caseworker": "sagsbehandler", "operator": "driftsmedarbejder", "auditor": "revisor",
               "admin": "administrator"}
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
PROCESS_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MIN_PASSWORD = 8
SESSION_IDLE = timedelta(hours=8)  # signed out after eight idle hours (a working day)
TOUCH_EVERY = timedelta(minutes=1)  # the idle clock is written at most once a minute

_hasher = PasswordHasher()  # argon2id, the library's (RFC 9106 low-memory) parameters
_DUMMY_HASH = _hasher.hash("no such user: spend the same time as for a real one")


class UserError(QueueError):
    """A user change that cannot be made (a bad name, an unknown role, a user already there)."""


@dataclass(frozen=True)
class User:
    """A person who signs in to the desk, and what they may do there."""

    id: int
    name: str
    full_name: str
    roles: frozenset[str]
    processes: frozenset[str]
    created_at: datetime | None
    created_by: str
    disabled_at: datetime | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names this user: ``desk:<name>``."""
        return f"desk:{self.name}"

    @property
    def display(self) -> str:
        return self.full_name or self.name

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @property
    def sees_all(self) -> bool:
        """Whether every process is visible (operators, auditors, admins)."""
        return bool(self.roles & {"operator", "auditor", "admin"})

    def can_view(self, process: str) -> bool:
        return self.sees_all or ("caseworker" in self.roles and process in self.processes)

    def can_decide(self, process: str) -> bool:
        """Take, decide and comment on the process's items (and see the full CPR: it is their case)."""
        return "admin" in self.roles or ("caseworker" in self.roles and process in self.processes)

    def can_assign(self, process: str) -> bool:
        """Hand the process's items out (assign to someone, release)."""
        return self.can_decide(process) or "operator" in self.roles

    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in ROLES if r in self.roles]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "full_name": self.full_name, "roles": sorted(self.roles),
            "processes": sorted(self.processes), "active": self.active,
            "created_at": self.created_at.isoformat() if self.created_at else None, "created_by": self.created_by,
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
        }


def _split(text: str | None) -> frozenset[str]:
    return frozenset(part for part in (text or "").split(",") if part)


def _user(db: Db, row: dict[str, Any]) -> User:
    return User(
        id=int(row["id"]), name=row["name"], full_name=row["full_name"] or "", roles=_split(row["roles"]),
        processes=_split(row["processes"]), created_at=db.time(row["created_at"]), created_by=row["created_by"],
        disabled_at=db.time(row["disabled_at"]),
    )


def _check(name: str, password: str, roles: Iterable[str], processes: Iterable[str]) -> tuple[list[str], list[str]]:
    if not NAME_PATTERN.match(name or ""):
        raise UserError(f"invalid user name {name!r}: lower-case letters, digits, '.', '_' or '-', at most 64")
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    role_list = sorted(set(roles))
    unknown = [r for r in role_list if r not in ROLES]
    if unknown or not role_list:
        raise UserError(f"unknown role {', '.join(unknown) or '(none given)'}: use {', '.join(ROLES)}")
    process_list = sorted(set(processes))
    bad = [p for p in process_list if not PROCESS_PATTERN.match(p)]
    if bad:
        raise UserError(f"invalid process name {bad[0]!r} (a process package name such as flex_wage)")
    if "caseworker" in role_list and not process_list:
        raise UserError("a caseworker needs at least one --process to work on")
    return role_list, process_list


def add(backend: QueueBackend, name: str, password: str, roles: Iterable[str], processes: Iterable[str] = (),
        full_name: str = "", actor: str = "system") -> User:
    """Create a user (UserError if the name is taken or a value is invalid); audited as ``user_added``."""
    role_list, process_list = _check(name, password, roles, processes)
    db = Db(backend)
    if get(backend, name) is not None:
        raise UserError(f"user {name!r} already exists")
    password_hash = _hasher.hash(password)
    with db.write() as w:
        rows = w.run("user_insert", {"name": name, "full_name": full_name.strip(), "password_hash": password_hash,
                                     "now": db.time_param(w.now), "actor": actor})
        user_id = rows[0]["id"]
        for role in role_list:
            w.run("user_role_insert", {"user_id": user_id, "role": role})
        for process in process_list:
            w.run("user_process_insert", {"user_id": user_id, "process": process})
        w.event(actor, "user_added", name, {"roles": role_list, "processes": process_list})
    found = get(backend, name)
    assert found is not None
    return found


def get(backend: QueueBackend, name: str) -> User | None:
    """The user called ``name`` (disabled ones too), or None."""
    db = Db(backend)
    rows = db.read("user_by_name", {"name": name})
    return _user(db, rows[0]) if rows else None


def ls(backend: QueueBackend) -> list[User]:
    """Every user, by name (disabled ones too)."""
    db = Db(backend)
    return [_user(db, row) for row in db.read("user_list")]


def disable(backend: QueueBackend, name: str, actor: str = "system") -> User:
    """Disable a user and end their sessions; audited as ``user_disabled``. UserError if unknown."""
    user = get(backend, name)
    if user is None:
        raise UserError(f"no user {name!r}")
    if not user.active:
        return user
    db = Db(backend)
    with db.write() as w:
        w.run("user_disable", {"name": name, "now": db.time_param(w.now), "actor": actor})
        w.run("sessions_delete_user", {"user_id": user.id})
        w.event(actor, "user_disabled", name)
    return get(backend, name)  # type: ignore[return-value]


def authenticate(backend: QueueBackend, name: str, password: str) -> User | None:
    """The active user whose password this is, or None (the same work is done for an unknown name)."""
    user = get(backend, (name or "").strip().lower())
    stored = _password_hash(backend, user) if user else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or stored is None or not user.active:
        return None
    if _hasher.check_needs_rehash(stored):
        db = Db(backend)
        with db.write() as w:
            w.run("user_set_password", {"user_id": user.id, "password_hash": _hasher.hash(password)})
    return user


def _password_hash(backend: QueueBackend, user: User) -> str | None:
    rows = Db(backend).read("user_by_name", {"name": user.name})
    return rows[0]["password_hash"] if rows else None


# -- sessions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A signed-in user, with the session's CSRF token (every form carries it)."""

    user: User
    csrf_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(backend: QueueBackend, user: User) -> tuple[str, Session]:
    """A new session for ``user``: (the cookie's token, the session). Audited as ``desk_signed_in``."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db = Db(backend)
    with db.write() as w:
        w.run("sessions_delete_expired", {"now": db.time_param(w.now)})
        w.run("session_insert", {"token_hash": _token_hash(token), "user_id": user.id, "csrf_token": csrf,
                                 "now": db.time_param(w.now), "expires_at": db.time_param(w.now + SESSION_IDLE)})
        w.event(user.actor, "desk_signed_in", user.name)
    return token, Session(user, csrf)


def session(backend: QueueBackend, token: str | None, now: datetime) -> Session | None:
    """The session a cookie's token names, if it is current and its user active (idle clock reset)."""
    if not token or len(token) > 200:
        return None
    db = Db(backend)
    key = _token_hash(token)
    rows = db.read("session_user", {"token_hash": key, "now": db.time_param(now)})
    if not rows:
        return None
    row = rows[0]
    last_seen = db.time(row["last_seen_at"])
    if last_seen is None or now - last_seen >= TOUCH_EVERY:
        with db.write() as w:
            w.run("session_touch", {"token_hash": key, "now": db.time_param(w.now),
                                    "expires_at": db.time_param(w.now + SESSION_IDLE)})
    return Session(_user(db, row), row["csrf_token"])


def end_session(backend: QueueBackend, token: str | None, user: User | None = None) -> None:
    """Sign out: the session is deleted (audited as ``desk_signed_out`` when the user is known)."""
    if not token:
        return
    with Db(backend).write() as w:
        w.run("session_delete", {"token_hash": _token_hash(token)})
        if user is not None:
            w.event(user.actor, "desk_signed_out", user.name)


__all__ = ["ROLES", "Session", "User", "UserError", "add", "authenticate", "disable", "end_session", "get", "ls",
           "session", "start_session"]
