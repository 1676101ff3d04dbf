"""Danish labels of the sixth holiday week's manual reason codes (see processes/_template/reasons.py)."""

from __future__ import annotations

REASONS = {
    "inactive": "Medarbejderen er ikke aktiv",
    "late": "Anmodningen kom efter fristen",
    "already_paid": "Allerede udbetalt",
    "no_balance": "Ingen saldo på 6. ferieuge",
    "exceeds_balance": "Flere timer end saldoen",
    "earning_year_not_payable": "Optjeningsåret kan ikke udbetales",
    "employee_mismatch": "Sagen og lønsystemet nævner ikke samme medarbejder",
    "older_balance": "Saldo fra et ældre optjeningsår",
    "final_pay_not_open": "Sidste løn er ikke åben endnu",
    "payline_rejected": "Lønsystemet afviste lønlinjen",
    "invalid_request": "Anmodningen kan ikke læses",
    "case_not_found": "Sagen findes ikke længere",
    "not_yet_payable": "Kan endnu ikke udbetales",
    "unreadable_card": "Medarbejderkortet kan ikke læses",
    "employee_not_found": "Medarbejderen findes ikke i lønsystemet",
}
