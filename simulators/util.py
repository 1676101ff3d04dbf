"""Small helpers: CVR numbers, money in øre, Danish number and date formats, months."""

from __future__ import annotations

import calendar
import hashlib
import random
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr_valid(cvr: str) -> bool:
    """True for 8 digits (first not 0) whose weighted sum (2,7,6,5,4,3,2,1) is divisible by 11."""
    if not re.fullmatch(r"[1-9][0-9]{7}", cvr):
        return False
    return sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS, strict=True)) % 11 == 0


def make_cvr(rng: random.Random) -> str:
    """A valid CVR number: 7 random digits and the check digit that makes the sum divisible by 11."""
    while True:
        head = str(rng.randint(1_000_000, 9_999_999))
        partial = sum(int(d) * w for d, w in zip(head, CVR_WEIGHTS[:7], strict=True))
        check = (-partial) % 11
        if check < 10:
            return head + str(check)


def round_ore(value: Decimal) -> int:
    """Round a Decimal amount in øre half up to a whole øre."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def kr(ore: int | None) -> str:
    """Øre as Danish kroner text: 123456 -> '1.234,56', -5000 -> '-50,00'; None -> ''."""
    if ore is None:
        return ""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(ore), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{cents:02d}"


def parse_kr(text: str) -> int:
    """Danish (1.234,56) or plain (1234.56) kroner text -> øre; ValueError when it is not an amount."""
    raw = text.strip().replace(" ", "").replace("kr.", "").replace("kr", "")
    if not raw:
        raise ValueError("empty amount")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif raw.count(".") > 1:
        raw = raw.replace(".", "")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]{1,2})?", raw):
        raise ValueError(f"not an amount: {text!r}")
    try:
        return round_ore(Decimal(raw) * 100)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regex
        raise ValueError(f"not an amount: {text!r}") from exc


def parse_hours(text: str) -> Decimal:
    """'37,5' or '37.50' -> Decimal('37.50'); ValueError otherwise."""
    raw = text.strip().replace(",", ".")
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", raw):
        raise ValueError(f"not a number of hours: {text!r}")
    return Decimal(raw).quantize(Decimal("0.01"))


def hours_text(hours: Decimal) -> str:
    """Decimal hours in Danish form: Decimal('37.5') -> '37,50'."""
    return f"{hours.quantize(Decimal('0.01'))}".replace(".", ",")


def parse_date(text: str) -> date:
    """dd.mm.åååå, dd-mm-åååå or ISO åååå-mm-dd -> date; ValueError otherwise."""
    raw = text.strip()
    m = re.fullmatch(r"([0-9]{1,2})[.\-/]([0-9]{1,2})[.\-/]([0-9]{4})", raw)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", raw)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(f"not a date: {text!r}")


def fmt_date(value: date | None) -> str:
    """date -> 'dd.mm.åååå' (the systems' display format); None -> ''."""
    return value.strftime("%d.%m.%Y") if value else ""


def month_of(value: date) -> str:
    """date -> 'åååå-mm'."""
    return f"{value.year:04d}-{value.month:02d}"


def month_add(month: str, n: int) -> str:
    """'2024-10' + n months -> 'åååå-mm'."""
    y, m = int(month[:4]), int(month[5:7])
    index = y * 12 + (m - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_first(month: str) -> date:
    """'2024-10' -> date(2024, 10, 1)."""
    return date(int(month[:4]), int(month[5:7]), 1)


def month_last(month: str) -> date:
    """'2024-10' -> date(2024, 10, 31)."""
    y, m = int(month[:4]), int(month[5:7])
    return date(y, m, calendar.monthrange(y, m)[1])


def end_of_month(value: date) -> date:
    """The last day of ``value``'s month."""
    return month_last(month_of(value))


def stable_id(*parts: object, length: int = 7) -> str:
    """A short hex digest of ``parts``: stable across processes (no hash randomisation)."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def sub_rng(seed: int, *parts: object) -> random.Random:
    """An independent random stream for one part of the population (string seeds are hashed stably)."""
    return random.Random("/".join([str(seed), *(str(p) for p in parts)]))
