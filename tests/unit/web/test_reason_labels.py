"""Every manual reason a process can hand to a person has a Danish label on the desk.

The codes are read from the processes' own source (``BusinessError("code"``, ``Manual("code"``,
``Problem("code"``, ``Hit("code"``, ``Decision("manual", "code"``, ``manual.append(("code"``, and
the code constants of the rules), so a new reason without a label fails here rather than showing
up as a bare code in the caseworker's list.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from robots.processes import process_modules
from robots.web import case_views, cases  # noqa: F401  (case_views registers the case views)

ROOT = Path(__file__).resolve().parents[3]
RAISED = re.compile(r"""(?:BusinessError|Manual|Problem|Hit|Decision\(\s*["']manual["'],)\(?\s*["']([a-z][a-z_]+)["']"""
                    r"""|manual\.append\(\(["']([a-z_]+)["']""")
# Every process package (a new one from ``robots new-process`` included) and the template it is copied from.
PROCESSES = (*(name.removeprefix("processes.") for name in process_modules()), "_template")


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
    assert codes, f"found no manual reason codes in processes/{process}"  # the scan works at all
    unlabelled = sorted(c for c in codes if cases.reason_label(process, c) == c)
    assert unlabelled == []
    # The process's own reports label them without the desk: its own labels, or the shared ones.
    definition = importlib.import_module(f"processes.{process}").PROCESS
    assert sorted(c for c in codes if definition.reason_label(c) == c) == []


def test_a_code_nobody_knows_stays_readable_as_itself() -> None:
    assert cases.reason_label("sixth_holiday_week", "something_new") == "something_new"
    assert cases.reason_label("sixth_holiday_week", "inactive") == "Medarbejderen er ikke aktiv"
