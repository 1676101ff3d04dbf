"""Danish labels of the personnel-file check's manual reason codes (see processes/_template/reasons.py)."""

from __future__ import annotations

REASONS = {
    "wrong_employee": "Dokument om en anden medarbejder",
    "unreadable_document": "Dokumentet kan ikke læses",
    "uncertain_type": "Dokumenttypen er usikker",
    "owner_unknown": "Uklart hvem dokumentet handler om",
    "certificate_date_unclear": "Børneattestens dato er uklar",
    "no_manager": "Ingen leder at bede om dokumentet",
    "bad_input": "Listens række kan ikke bruges",
    "bad_personnel_file": "Personalesagen kan ikke læses",
    "no_personnel_file": "Ingen personalesag i ESDH",
}
