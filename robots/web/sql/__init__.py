"""The desk's SQL, one file per dialect, split into named statements and fragments (``-- name: x``).

The list of manual items is composed from fragments (a filter, a sort key, a keyset condition)
named in the same file, so every statement the desk sends is written out here, per dialect.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files


@cache
def queries(dialect: str) -> dict[str, str]:
    """{name: statement or fragment} from ``<dialect>.sql`` next to this module."""
    text = (files(__package__) / f"{dialect}.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: *([a-z_]+) *$", text, flags=re.MULTILINE)
    return {name: _strip(body) for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def _strip(body: str) -> str:
    lines = [line for line in body.strip().splitlines() if not line.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";")
