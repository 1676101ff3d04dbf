"""Configuration from ``conf/*.toml``, validated at start-up.

A bad value stops the start with one line naming the file, the key and what is allowed. Secrets
never live here; they come from the environment.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .paths import conf_dir
from .queue import LeaseExpiry, QueueSpec

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A configuration file is missing, unreadable or has a bad value."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Strict):
    url: str = ""


class BrowserSettings(_Strict):
    executable_path: str = ""
    headless: bool = True


class SystemsSettings(_Strict):
    payroll: str
    debtor: str
    benefits: str
    eincome: str
    esdh: str
    inbox: str
    post: str


class Settings(_Strict):
    database: DatabaseSettings = DatabaseSettings()
    browser: BrowserSettings = BrowserSettings()
    systems: SystemsSettings


class QueueSettings(_Strict):
    description: str = ""
    max_attempts: int = Field(3, ge=1, le=100)
    lease_seconds: float = Field(300, gt=0)
    backoff_seconds: float = Field(30, ge=0)
    backoff_max_seconds: float = Field(3600, ge=0)
    on_lease_expiry: Literal["retry", "manual"] = "retry"
    sla_hours: float | None = Field(None, gt=0)

    def spec(self, name: str) -> QueueSpec:
        return QueueSpec(
            name=name, description=self.description, max_attempts=self.max_attempts,
            lease_seconds=self.lease_seconds, backoff_seconds=self.backoff_seconds,
            backoff_max_seconds=self.backoff_max_seconds, on_lease_expiry=LeaseExpiry(self.on_lease_expiry),
            sla_seconds=self.sla_hours * 3600 if self.sla_hours else None,
        )


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; ConfigError naming the file and the line on a syntax error."""
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def validate(model: type[M], data: dict[str, Any], path: Path, prefix: str = "") -> M:
    """Validate ``data``; on error name the file, the key and what is allowed."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        raise ConfigError(f"{path}: {key}: {err['msg']} (got {err.get('input')!r})") from None


@cache
def settings() -> Settings:
    path = conf_dir() / "settings.toml"
    return validate(Settings, read_toml(path), path)


def queue_specs() -> list[QueueSpec]:
    """The queues declared in conf/queues.toml (process packages declare their own too)."""
    path = conf_dir() / "queues.toml"
    if not path.exists():
        return []
    specs = []
    for name, table in read_toml(path).items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {name}: expected a table [\"{name}\"] of queue settings")
        specs.append(validate(QueueSettings, table, path, prefix=name).spec(name))
    return specs
