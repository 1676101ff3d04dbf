"""What a step handler gets: configuration, systems, the browser, logging, and a way to emit items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ..config import Settings
from ..cpr import mask
from ..credentials import Credential, credential
from ..queue import Attachment, NewItem, QueueBackend, WorkItem
from ..queue.runs import RunRecord
from .errors import TransientError
from .process import Process, ProcessConfig, Step
from .session import Session

T = TypeVar("T")


def is_transient(error: BaseException) -> bool:
    """Worth retrying at once: our TransientError, network hiccups, HTTP 429/5xx, browser timeouts."""
    import httpx

    if isinstance(error, TransientError | httpx.TransportError):
        return True
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code == 429 or error.response.status_code >= 500
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, PlaywrightTimeout)


@dataclass
class StepContext:
    process: Process
    step: Step
    config: ProcessConfig
    settings: Settings
    backend: QueueBackend
    run: RunRecord
    worker: str
    log: Any
    session: Session
    item: WorkItem | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    manual_reasons: Counter[str] = field(default_factory=Counter)

    def system_url(self, system: str) -> str:
        """A legacy system's base URL from conf/settings.toml [systems]."""
        url = getattr(self.settings.systems, system, None)
        if not url:
            raise KeyError(f"no URL for system {system!r} in conf/settings.toml [systems]")
        return url

    def credential(self, name: str) -> Credential:
        """The credential ``name`` (a system) for this process; its secret is masked in every log."""
        return credential(name, process=self.process.name, backend=self.backend, run_id=self.run.id)

    def retry(self, fn: Callable[[], T], *, what: str = "") -> T:
        """Call ``fn``, retrying transient errors (config: retry_attempts, retry_wait_seconds)."""
        def log_retry(state: Any) -> None:
            self.counts["transient_retries"] = self.counts.get("transient_retries", 0) + 1
            error = state.outcome.exception()
            label = what or getattr(fn, "__name__", "call")
            self.log.info("transient error, retrying", what=label, attempt=state.attempt_number, error=str(error))
            if self.item is not None:  # the retry in the item's audit trail, CPR masked
                code = getattr(error, "code", type(error).__name__)
                self.backend.record(self.worker, "step_retry", mask(f"{label}: {error}")[:500],
                                    {"attempt": state.attempt_number, "code": code}, item_id=self.item.id)

        retrying = Retrying(
            stop=stop_after_attempt(self.config.retry_attempts),
            wait=wait_exponential(multiplier=self.config.retry_wait_seconds, max=10),
            retry=retry_if_exception(is_transient), before_sleep=log_retry, reraise=True,
        )
        return retrying(fn)

    def emit(self, reference: str, payload: dict[str, Any], **fields: Any) -> int | None:
        """Add an item to this step's output queue, linked to the current item."""
        if not self.step.output:
            raise RuntimeError(f"step {self.step.name} has no output queue to emit to")
        item = NewItem(reference=reference, payload=payload, parent_id=self.item.id if self.item else None,
                       run_id=self.run.id, **fields)
        return self.backend.add(self.step.output, [item], actor=self.worker).added.get(reference)

    def attach(self, name: str, content: bytes, content_type: str = "") -> None:
        """Store a file with the current item (a produced letter, a downloaded document)."""
        if self.item is None:
            raise RuntimeError("attach() needs a current item")
        self.backend.attach(self.item.id, Attachment(name, content, content_type), actor=self.worker)
