"""The two kinds of failure a step can report, plus transient errors retried inside a step.

They subclass robocorp's own exceptions, so a step written for ``robocorp.workitems`` and one
written for this runtime raise the same things.
"""

from __future__ import annotations

from robocorp.workitems import ApplicationException, BusinessException


class BusinessError(BusinessException):
    """The case is outside what the robot may decide: straight to a person, never retried.

    ``code`` names the criterion (``watch_list``, ``two_employers``); ``message`` is a sentence a
    caseworker understands.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message=message, code=code)
        self.code = code
        self.message = message


class ApplicationError(ApplicationException):
    """The system misbehaved: the item is retried with backoff, with a fresh browser/session."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message=message, code=code)
        self.code = code
        self.message = message


class TransientError(Exception):
    """A hiccup worth retrying at once inside the step (busy page, HTTP 503, timeout).

    When the retries inside the step run out it counts as an application error with ``code``.
    """

    def __init__(self, message: str, code: str = "transient") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
