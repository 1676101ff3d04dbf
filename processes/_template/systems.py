"""Page objects for the systems this process touches: here the payroll system's UI.

Only screens and fields live here; the decisions are in rules.py. ``LegacyWebApp`` signs in,
retries busy pages, HTTP 500s and ended sessions, and reads cards and paged lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from robots.runtime import ApplicationError
from robots.systems import LegacyWebApp, parse

from .rules import EmployeeFacts


@dataclass(frozen=True)
class EmployeeRow:
    employee_no: str
    name: str
    status: str


class Payroll(LegacyWebApp):
    system = "payroll"

    def search(self, term: str) -> Iterator[EmployeeRow]:
        """Every employee the payroll search finds for ``term`` (all pages)."""
        for row in self.rows("employees", q=term):
            yield EmployeeRow(row["Medarbejdernr."], row["Navn"], row["Status"])

    def employee(self, employee_no: str) -> EmployeeFacts:
        """The facts the rules need, read from the employee card."""
        card = self.open(f"employees/{employee_no}").card()
        try:
            return EmployeeFacts(
                employee_no=card["Medarbejdernr."],
                active=card["Status"] == "Aktiv",
                weekly_hours=parse.hours(card["Ugentlig arbejdstid (timer)"]),
            )
        except (KeyError, ValueError) as exc:  # the system answered something we cannot read
            raise ApplicationError("page_unexpected", f"employee card {employee_no}: {exc}") from None
