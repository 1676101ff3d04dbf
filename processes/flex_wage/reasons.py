"""Danish labels of the flex wage subsidy's manual reason codes (see processes/_template/reasons.py)."""

from __future__ import annotations

REASONS = {
    "watch_list": "Borgeren er på obslisten",
    "no_income": "Ingen indkomst indberettet",
    "several_employers": "Flere arbejdsgivere",
    "other_employer": "Anden arbejdsgiver end fleksjobbets",
    "non_wage_income": "Andre ydelser end løn",
    "correction": "Rettelse af en tidligere måned",
    "income_deviation": "Indkomsten afviger fra gennemsnittet",
    "subsidy_change": "Tilskuddet ændrer sig for meget",
    "wage_ceiling": "Lønloftet er nået",
    "first_payment": "Første udbetaling",
    "rates_missing": "Satser for året mangler",
    "income_malformed": "Indkomsten kan ikke læses",
    "citizen_not_found": "Borgeren findes ikke",
    "cpr_malformed": "CPR-nummeret kan ikke læses",
    "citizen_mismatch": "Sagen hører til en anden borger",
    "income_lookup_refused": "eIndkomst afviste opslaget",
    "registered_differently": "Der er allerede registreret et andet beløb",
    "payment_month_closed": "Måneden er lukket for udbetaling",
    "payment_refused": "Ydelsessystemet afviste udbetalingen",
}
