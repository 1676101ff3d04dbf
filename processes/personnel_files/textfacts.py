"""Facts read from a document's text: the CPR numbers and names it mentions and the dates it carries.

Pure functions over text (no I/O), tolerant of what OCR does to a page: a CPR number may lose its
dash, Danish letters may come out as their ASCII look-alikes, words may wrap onto a new line.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Ten digits as DDMMYY-SSSS (or without the dash, or with a space OCR put in), not inside a longer number.
_CPR = re.compile(r"(?<![0-9])([0-9]{6})\s?[-–—]?\s?([0-9]{4})(?![0-9])")
_DATE = re.compile(r"(?<![0-9])([0-3]?[0-9])\.\s?([01]?[0-9])\.\s?((?:19|20)[0-9]{2})(?![0-9])")
# The date a certificate was issued: "udstedt den 12.03.2021", "Afgørelse af 12.03.2021".
_ISSUED = re.compile(r"(?:udstedt|afgørelse af|afgorelse af|afholdt)\D{0,12}?([0-3]?[0-9]\.\s?[01]?[0-9]\.\s?"
                     r"(?:19|20)[0-9]{2})", re.IGNORECASE)
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "ß": "ss", "-": " ", "'": " "})


def cpr_numbers(text: str) -> list[str]:
    """Every CPR-shaped number in ``text`` as DDMMYY-SSSS, in order of appearance, without repeats."""
    found: dict[str, None] = {}
    for match in _CPR.finditer(text):
        day, month = int(match.group(1)[:2]), int(match.group(1)[2:4])
        if 1 <= day <= 71 and 1 <= month <= 12:  # synthetic numbers add 40 to the day
            found[f"{match.group(1)}-{match.group(2)}"] = None
    return list(found)


def fold(text: str) -> str:
    """Lower case, Danish letters spelt out, accents and punctuation gone, single spaces.

    "Søren Ærø-Hansen" and OCR's "Soren Aero Hansen" fold to the same words.
    """
    text = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("aa", "a").replace("oe", "o")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def mentions_name(text: str, name: str) -> bool:
    """True when every part of ``name`` occurs, in order and next to each other, in ``text``."""
    wanted = fold(name)
    return bool(wanted) and f" {wanted} " in f" {fold(text)} "


def parse_date(text: str) -> date | None:
    """``dd.mm.åååå`` -> a date; None when it is not a real date."""
    match = _DATE.search(text)
    if match is None:
        return None
    try:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def issue_date(text: str) -> date | None:
    """The date a certificate or decision says it was issued, else the first date in the text."""
    match = _ISSUED.search(text)
    if match is not None:
        found = parse_date(match.group(1))
        if found is not None:
            return found
    for match in _DATE.finditer(text):
        found = parse_date(match.group(0))
        if found is not None:
            return found
    return None


def differs_by_one_digit(a: str, b: str) -> bool:
    """Two CPR numbers that differ in exactly one digit (what an OCR slip does)."""
    da, db = a.replace("-", ""), b.replace("-", "")
    return len(da) == len(db) and sum(x != y for x, y in zip(da, db, strict=True)) == 1
