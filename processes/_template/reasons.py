"""The Danish labels of this process's manual reason codes (the caseworker's desk, its reports).

Every code the rules or steps hand to a person (``BusinessError(code, ...)``) needs a label here:
codes stay English identifiers in code and data, the label is what a caseworker reads.
"""

from __future__ import annotations

REASONS = {
    "hours_above_threshold": "Flere ugentlige timer end grænsen",
}
