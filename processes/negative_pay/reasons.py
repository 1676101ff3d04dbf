"""Danish labels of the negative pay's manual reason codes (see processes/_template/reasons.py)."""

from __future__ import annotations

REASONS = {
    "recurring": "Negativ igen (også ved sidste lønkørsel)",
    "recurring_negative": "Negativ igen (også ved sidste lønkørsel)",
    "not_negative": "Beløbet er ikke negativt",
    "unreadable_result_line": "Resultatlisten kan ikke læses",
    "already_marked": "Linjen er allerede markeret",
    "result_line_changed": "Resultatlinjen er ændret",
    "pay_elements_disagree": "Løndelene stemmer ikke med beløbet",
    "invoice_not_possible": "Faktura kan ikke laves",
    "address_unreadable": "Adressen kan ikke læses",
    "second_result_same_run": "To resultater i samme lønkørsel",
    "carry_forward_refused": "Overførsel til næste løn afvist",
    "duplicate_invoices": "Der findes flere fakturaer",
    "invoice_amount_differs": "Fakturaens beløb afviger",
    "large_amount": "Beløbet er over grænsen",
    "negative_holiday_pay": "Negative feriepenge",
    "no_future_pay": "Ingen fremtidig løn",
    "employee_not_found": "Medarbejderen findes ikke",
    "invoice_exists": "Der findes allerede en faktura",
    "invalid_decision": "Ukendt afgørelse fra sagsbehandleren",
}
