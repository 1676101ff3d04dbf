"""Cross-cutting concerns as hooks with no-op defaults (after dramatiq's middleware).

The worker calls every registered hook at each point; a hook overrides only what it needs.
Evidence capture and timing are hooks; a deployment can add its own (metrics, alerts).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..queue import Attachment, WorkItem

if TYPE_CHECKING:
    from .context import StepContext


class Hook:
    """Override any of these. They must not raise: the worker logs and ignores a failing hook."""

    def before_run(self, ctx: StepContext) -> None: ...

    def after_run(self, ctx: StepContext, counts: dict[str, Any]) -> None: ...

    def before_item(self, ctx: StepContext, item: WorkItem) -> None: ...

    def after_item(self, ctx: StepContext, item: WorkItem, outcome: str) -> None: ...

    def evidence(self, ctx: StepContext, item: WorkItem, error: BaseException) -> list[Attachment]:
        """Files to store with an item that failed with an application error."""
        return []


class BrowserEvidence(Hook):
    """A screenshot and the HTML of the page the robot was on when the system misbehaved."""

    def evidence(self, ctx: StepContext, item: WorkItem, error: BaseException) -> list[Attachment]:
        page = ctx.session.current_page()
        if page is None:
            return []
        files = []
        try:
            files.append(Attachment("screenshot.png", page.screenshot(full_page=True, timeout=5000), "image/png"))
        except Exception as exc:
            ctx.log.warning("screenshot failed", error=str(exc))
        try:
            files.append(Attachment("page.html", page.content().encode("utf-8"), "text/html"))
        except Exception as exc:
            ctx.log.warning("page html failed", error=str(exc))
        return files


class Timing(Hook):
    """Seconds per item, kept in the run's counts (min, max, total) for the dashboard."""

    def before_item(self, ctx: StepContext, item: WorkItem) -> None:
        self._started = time.perf_counter()

    def after_item(self, ctx: StepContext, item: WorkItem, outcome: str) -> None:
        seconds = time.perf_counter() - self._started
        timing = ctx.counts.setdefault("item_seconds", {"total": 0.0, "max": 0.0, "n": 0})
        timing["total"] = round(timing["total"] + seconds, 3)
        timing["max"] = round(max(timing["max"], seconds), 3)
        timing["n"] += 1


DEFAULT_HOOKS: tuple[type[Hook], ...] = (BrowserEvidence, Timing)
