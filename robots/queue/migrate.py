"""Schema migrations (yoyo-migrations), plain SQL files in ``queue/migrations/<dialect>/``."""

from __future__ import annotations

from yoyo import get_backend, read_migrations

from ..paths import migrations_dir


def yoyo_url(url: str) -> str:
    """Our URL -> yoyo's (PostgreSQL through psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def upgrade(url: str, dialect: str) -> list[str]:
    """Apply every pending migration under a lock; return the ids applied (empty when up to date)."""
    backend = get_backend(yoyo_url(url))
    try:
        migrations = read_migrations(str(migrations_dir(dialect)))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [m.id for m in pending]
    finally:
        backend.connection.close()
