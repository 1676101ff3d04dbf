"""Reading the legacy systems' texts: Danish kroner, dates and hours into exact values.

The old UIs show ``1.234,56`` kroner, ``08.10.2024`` dates and ``37,50`` hours. Anything else is
a :class:`ValueError` naming the text, so a page that answers nonsense stops the item with a
clear reason instead of computing on a wrong number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

T = TypeVar("T")

_KRONER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d{1,2})?$|^-?\d+(,\d{1,2})?$")


def kroner_to_ore(text: str) -> int:
    """'1.234,56' -> 123456 øre; '-12,5' -> -1250. Whole kroner without decimals are accepted."""
    cleaned = text.strip().replace("\u2212", "-").replace(" ", "").replace("kr.", "").strip()
    if not _KRONER.match(cleaned):
        raise ValueError(f"not an amount in kroner: {text!r}")
    value = Decimal(cleaned.replace(".", "").replace(",", "."))
    return int(value * 100)


def ore_to_kroner(ore: int) -> str:
    """123456 -> '1234,56': what the UIs' amount fields accept."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100},{abs(ore) % 100:02d}"


def ore_to_display(ore: int) -> str:
    """123456 -> '1.234,56' (thousands separators, as people read it)."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100:,}".replace(",", ".") + f",{abs(ore) % 100:02d}"


def decimal_comma(value: float | Decimal, spec: str = "") -> str:
    """12.5 -> '12,5'; (0.5512, '.2f') -> '0,55': a number as Danish readers write it (no thousands)."""
    return format(value, spec).replace(".", ",")


def danish_date(text: str) -> date | None:
    """'08.10.2024' (or ISO '2024-10-08') -> date; '' -> None."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def hours(text: str) -> Decimal:
    """'37,50' -> Decimal('37.50')."""
    try:
        value = Decimal(text.strip().replace(".", "").replace(",", ".") if "," in text else text.strip())
    except InvalidOperation:
        raise ValueError(f"not a number of hours: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a number of hours: {text!r}")
    return value


def yes_no(text: str) -> bool:
    """'Ja' -> True, 'Nej' -> False."""
    value = text.strip().lower()
    if value not in ("ja", "nej"):
        raise ValueError(f"expected Ja or Nej, got {text!r}")
    return value == "ja"


# What each reader expects, as the sentence for a caseworker says it.
_EXPECTED: dict[Callable[[str], object], str] = {kroner_to_ore: "et beløb", hours: "et antal timer",
                                                  danish_date: "en dato", yes_no: "Ja eller Nej"}


def field(label: str, text: str, read: Callable[[str], T], expected: str | None = None) -> T:
    """``read(text)`` for the field ``label`` of a screen, or a ValueError in Danish naming the field,
    what it shows and what it should be, for the caseworker who gets the case
    (»Månedsløn (kr.)« viser '32.300,0O', som ikke er et beløb)."""
    try:
        return read(text)
    except ValueError:
        what = expected or _EXPECTED.get(read, "en gyldig værdi")
        raise ValueError(f"feltet »{label}« viser {text!r}, som ikke er {what}") from None


__all__ = ["danish_date", "decimal_comma", "field", "hours", "kroner_to_ore", "ore_to_display", "ore_to_kroner",
           "yes_no"]
