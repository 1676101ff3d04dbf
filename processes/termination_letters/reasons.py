"""Danish labels of the termination letters's manual reason codes (see processes/_template/reasons.py)."""

from __future__ import annotations

REASONS = {
    "employee_left": "Medarbejderen er allerede fratrådt",
    "requested_date_missing": "Ingen gyldig ønsket fratrædelsesdato",
    "early_date": "Fratrædelsesdatoen er før varslet",
    "before_start": "Fratrædelse før ansættelsen",
    "other_leaving_date": "En anden fratrædelsesdato er registreret",
    "cpr_mismatch": "CPR-nummeret stemmer ikke",
    "personnel_file_missing": "Ingen personalesag i ESDH",
    "case_not_found": "Sagen findes ikke længere",
    "received_date_missing": "Ingen gyldig modtagelsesdato",
    "payroll_rejected_date": "Lønsystemet afviste datoen",
    "employee_not_found": "Medarbejderen findes ikke i lønsystemet",
}
