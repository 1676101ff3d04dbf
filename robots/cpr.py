"""CPR numbers: masking for logs and exports, validation, and synthetic numbers for test data.

A CPR number is personal data. Anything meant for operations (logs, exception texts, exports)
shows it as ``DDMMYY-XXXX``. Synthetic numbers add 6 to the first digit of the day (RULES.md),
so they can never belong to a real person.
"""

from __future__ import annotations

import random
import re
from datetime import date

# Ten digits as DDMMYY-SSSS or DDMMYYSSSS, not part of a longer number.
CPR_PATTERN = re.compile(r"(?<![0-9])([0-9]{6})-?([0-9]{4})(?![0-9])")
_MASKABLE = re.compile(r"(?<![0-9])([0-7][0-9][01][0-9][0-9]{2})-?([0-9]{4})(?![0-9])")
MASK = "XXXX"


def mask(text: str) -> str:
    """Replace the serial part of every CPR-shaped number in ``text`` with XXXX."""
    return _MASKABLE.sub(lambda m: f"{m.group(1)}-{MASK}", text)


def mask_value(value: object) -> object:
    """Mask CPR numbers inside strings, lists, tuples and dicts (recursively); other values as they are."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask_value(k): mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(v) for v in value)
    return value


def normalise(cpr: str) -> str:
    """``DDMMYYSSSS`` or ``DDMMYY-SSSS`` -> ``DDMMYY-SSSS``; ValueError naming the problem otherwise."""
    digits = cpr.strip().replace("-", "")
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValueError(f"not a CPR number (10 digits, DDMMYY-SSSS expected): {mask(cpr)!r}")
    return f"{digits[:6]}-{digits[6:]}"


def is_synthetic(cpr: str) -> bool:
    """True when the day has 6 added to its first digit (41-71): never a real person's number."""
    day = int(normalise(cpr)[:2])
    return 41 <= day <= 71


def birth_date(cpr: str) -> date:
    """Birth date from a CPR number (synthetic numbers included), with the century from digit 7."""
    n = normalise(cpr)
    day, month, yy, seventh = int(n[:2]), int(n[2:4]), int(n[4:6]), int(n[7])
    if day > 40:
        day -= 40
    if seventh in (0, 1, 2, 3):
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:  # 5-8
        century = 2000 if yy <= 57 else 1800
    return date(century + yy, month, day)


def synthetic(rng: random.Random, born: date | None = None) -> str:
    """A synthetic CPR number for test data (day + 40), with a serial whose 7th digit fits the century."""
    if born is None:
        born = date(rng.randint(1958, 2004), rng.randint(1, 12), rng.randint(1, 28))
    seventh = rng.choice((0, 1, 2, 3)) if born.year < 2000 else 4
    serial = f"{seventh}{rng.randint(0, 999):03d}"
    return f"{born.day + 40:02d}{born.month:02d}{born.year % 100:02d}-{serial}"
