"""The queue's SQL, one file per dialect, split into named queries (``-- name: x`` lines)."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files


@cache
def queries(dialect: str) -> dict[str, str]:
    """{name: statement} from ``<dialect>.sql`` next to this module."""
    text = (files(__package__) / f"{dialect}.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: *([a-z_]+) *$", text, flags=re.MULTILINE)
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)}
