"""Every manual reason a process can hand to a person has a Danish label on the desk.

The codes are read from the processes' own source (``BusinessError("code"``, ``Manual("code"``,
``Problem("code"``, ``Hit("code"``, ``manual.append(("code"``, and the code constants of the rules), so a
new reason without a label fails here rather than showing up as a bare code in the caseworker's list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from robots.web import case_views, cases  # noqa: F401  (case_views registers the case views)

ROOT = Path(__file__).resolve().parents[3]
RAISED = re.compile(r"""(?:BusinessError|Manual|Problem|Hit)\(\s*["']([a-z][a-z_]+)["']"""
                    r"""|manual\.append\(\(["']([a-z_]+)["']""")
PROCESSES = ("flex_wage", "negative_pay", "sixth_holiday_week", "termination_letters", "personnel_files")


def raised_codes(process: str) -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "processes" / process).glob("*.py"):
        codes |= {a or b for a, b in RAISED.findall(path.read_text(encoding="utf-8"))}
    return codes


def constant_codes(process: str) -> set[str]:
    """Codes the rules name as constants or tables rather than literally where they raise them."""
    if process == "sixth_holiday_week":
        from processes.sixth_holiday_week import rules, tasks

        return {rules.INACTIVE, rules.LATE, rules.ALREADY_PAID, rules.NO_BALANCE, rules.EXCEEDS_BALANCE,
                *tasks.REFUSALS.values(), "payline_rejected"}
    if process == "personnel_files":
        from processes.personnel_files import rules

        return set(rules.MANUAL_CODES)
    return set()


@pytest.mark.parametrize("process", PROCESSES)
def test_every_manual_reason_has_a_danish_label(process: str) -> None:
    codes = raised_codes(process) | constant_codes(process)
    assert len(codes) >= 3, codes  # the scan found the process's reasons at all
    unlabelled = sorted(c for c in codes if cases.reason_label(process, c) == c)
    assert unlabelled == []


def test_a_code_nobody_knows_stays_readable_as_itself() -> None:
    assert cases.reason_label("sixth_holiday_week", "something_new") == "something_new"
    assert cases.reason_label("sixth_holiday_week", "inactive") == "Medarbejderen er ikke aktiv"
