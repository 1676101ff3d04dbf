"""Where the project's files live: the checkout (or ROBOTS_HOME) holds conf/ and queue/."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The project directory: ROBOTS_HOME, or the checkout this package was installed from."""
    env = os.environ.get("ROBOTS_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def queue_dir() -> Path:
    """The queue's home on disk: the embedded database and the migrations."""
    return home() / "queue"


def conf_dir() -> Path:
    return Path(os.environ.get("ROBOTS_CONF", home() / "conf"))


def migrations_dir(dialect: str) -> Path:
    return queue_dir() / "migrations" / dialect


def default_database_url() -> str:
    return f"sqlite:///{queue_dir() / 'robots.sqlite3'}"
