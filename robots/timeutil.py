"""Time: stored in UTC, shown to people in Europe/Copenhagen."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def now() -> datetime:
    return datetime.now(UTC)


def local(value: datetime | None) -> datetime | None:
    """The same instant in Copenhagen time."""
    return None if value is None else value.astimezone(COPENHAGEN)


def show(value: datetime | None, seconds: bool = False) -> str:
    """A time as a Danish reader expects it: 31-05-2026 14:05 (Copenhagen time)."""
    if value is None:
        return ""
    return local(value).strftime("%d-%m-%Y %H:%M:%S" if seconds else "%d-%m-%Y %H:%M")


def parse(text: str) -> datetime:
    """ISO 8601 from a person or a file; a time without zone is read as Copenhagen time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a date/time (ISO 8601 expected, e.g. 2026-05-31T08:00): {text!r}") from None
    return value.replace(tzinfo=COPENHAGEN) if value.tzinfo is None else value
