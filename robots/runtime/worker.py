"""The worker loop: claim, keep the lease alive, run the handler, complete or fail; repeat.

Safe to run unattended:
- an application error attaches evidence (screenshot, HTML), schedules a retry with backoff and
  starts the browser and sessions afresh before the next item;
- K application errors in a row stop the run (the system is probably down) and leave the
  remaining items untouched;
- SIGTERM or Ctrl-C finish the current item and stop; a second Ctrl-C interrupts at once;
- SIGKILL loses nothing: the item's lease runs out and another worker takes it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from .. import logs
from ..config import settings as load_settings
from ..cpr import mask
from ..queue import ErrorKind, LeaseLost, NewItem, QueueBackend, Status, WorkItem, connect
from ..queue.backend import iter_chunks
from ..queue.runs import RunRecord, RunStore
from ..timeutil import now
from .context import StepContext
from .errors import BusinessError
from .hooks import DEFAULT_HOOKS, Hook
from .process import Process, Step
from .session import Session

STATUS_SUCCEEDED, STATUS_STOPPED, STATUS_FAILED = "succeeded", "stopped", "failed"


@dataclass
class WorkerOptions:
    max_items: int | None = None
    until_empty: bool = True  # a run ends when nothing is left to do; a worker keeps polling
    wait_for_retries_seconds: float = 120.0  # a run waits for items in backoff due this soon
    hooks: Sequence[Hook] = field(default_factory=lambda: [h() for h in DEFAULT_HOOKS])
    progress_seconds: float = 2.0


class StopFlag:
    """Set by SIGTERM/SIGINT or an operator's stop request; checked between items."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._interrupts = 0

    def set(self, reason: str) -> None:
        self.reason = self.reason or reason

    def __bool__(self) -> bool:
        return self.reason is not None

    @contextmanager
    def signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_signal(signum: int, _frame: Any) -> None:
            self._interrupts += 1
            if signum == signal.SIGINT and self._interrupts > 1:
                raise KeyboardInterrupt
            self.set(f"stopped by {signal.Signals(signum).name}: finished the current item")

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


@contextmanager
def keep_lease(backend: QueueBackend, item: WorkItem, worker: str, lease_seconds: float) -> Iterator[None]:
    """Heartbeat the item's lease every third of its length while the handler works."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease_seconds / 3):
            try:
                backend.heartbeat(item.id, worker, lease_seconds)
            except LeaseLost:
                return
            except Exception:  # the database hiccuped: try again next beat
                continue

    thread = threading.Thread(target=beat, name=f"lease-{item.id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


class StepRunner:
    """Runs one step of one process for one run record."""

    def __init__(self, ctx: StepContext, options: WorkerOptions, stop: StopFlag) -> None:
        self.ctx = ctx
        self.options = options
        self.stop = stop
        self.runs = RunStore(ctx.backend)
        self._last_progress = 0.0

    # -- hooks ---------------------------------------------------------------------------------

    def _hook(self, name: str, *args: Any) -> list[Any]:
        results = []
        for hook in self.options.hooks:
            try:
                results.append(getattr(hook, name)(self.ctx, *args))
            except Exception as exc:
                self.ctx.log.warning("hook failed", hook=type(hook).__name__, point=name, error=str(exc))
        return results

    # -- counting ------------------------------------------------------------------------------

    def count(self, outcome: str, reason: str | None = None) -> None:
        counts = self.ctx.counts
        counts[outcome] = counts.get(outcome, 0) + 1
        if reason:
            self.ctx.manual_reasons[reason] += 1
            counts["manual_reasons"] = dict(self.ctx.manual_reasons)

    def progress(self, force: bool = False) -> RunRecord | None:
        if not force and time.monotonic() - self._last_progress < self.options.progress_seconds:
            return None
        self._last_progress = time.monotonic()
        record = self.runs.update(self.ctx.run.id, self.ctx.counts)
        if record.stop_requested:
            self.stop.set("stopped by an operator: finished the current item")
        return record

    # -- producers -----------------------------------------------------------------------------

    def produce(self) -> None:
        step = self.ctx.step
        items: list[NewItem] = [
            NewItem(**{**i.__dict__, "run_id": i.run_id or self.ctx.run.id})
            for i in self.ctx.retry(lambda: list(step.handler(self.ctx)), what=f"{step.name} producer")
        ]
        for chunk in iter_chunks(items, 1000):
            result = self.ctx.backend.add(step.output, chunk, actor=self.ctx.worker)  # type: ignore[arg-type]
            self.ctx.counts["added"] = self.ctx.counts.get("added", 0) + len(result.added)
            self.ctx.counts["skipped"] = self.ctx.counts.get("skipped", 0) + len(result.skipped)
        self.ctx.log.info("produced", output=step.output, added=self.ctx.counts.get("added", 0),
                          skipped=self.ctx.counts.get("skipped", 0))

    # -- consumers -----------------------------------------------------------------------------

    def consume(self) -> None:
        ctx, step = self.ctx, self.ctx.step
        spec = ctx.backend.queue(step.queue)  # type: ignore[arg-type]
        limit = ctx.config.max_consecutive_application_errors
        in_a_row = 0
        handled = 0
        while not self.stop:
            if self.options.max_items is not None and handled >= self.options.max_items:
                break
            item = ctx.backend.claim_one(spec.name, ctx.worker)
            if item is None:
                if not self._wait_for_work(spec.name):
                    break
                continue
            handled += 1
            outcome = self.work(item, spec.lease_seconds)
            in_a_row = in_a_row + 1 if outcome == "application_error" else 0
            if in_a_row >= limit:
                self.ctx.counts["stopped_on_errors"] = in_a_row
                self.stop.set(f"stopped after {in_a_row} application errors in a row "
                              f"(last: {ctx.counts.get('last_error', 'unknown')}); the remaining items are untouched")
            self.progress()

    def _wait_for_work(self, queue: str) -> bool:
        """Nothing claimable now. A run waits for retries due soon; a worker polls. False = done."""
        if not self.options.until_empty:
            time.sleep(self.ctx.config.idle_poll_seconds)
            self.progress()
            return True
        due = self.ctx.backend.next_due(queue)
        if due is None or due - now() > timedelta(seconds=self.options.wait_for_retries_seconds):
            return False
        time.sleep(min(max((due - now()).total_seconds(), 0.05), 1.0))
        self.progress()
        return True

    def work(self, item: WorkItem, lease_seconds: float) -> str:
        ctx = self.ctx
        ctx.item = item
        logs.bind(item_id=item.id)
        self._hook("before_item", item)
        outcome = "done"
        try:
            with keep_lease(ctx.backend, item, ctx.worker, lease_seconds):
                output = ctx.step.handler(ctx, item)
            ctx.backend.complete(item.id, ctx.worker, output or {})
            self.count("done")
            ctx.log.info("done")
        except LeaseLost as exc:
            outcome = "lease_lost"
            self.count(outcome)
            ctx.log.warning("lease lost", error=str(exc))
        except Exception as exc:
            outcome = self._failed(item, exc)
        finally:
            self._hook("after_item", item, outcome)
            logs.unbind("item_id")
            ctx.item = None
        return outcome

    def _failed(self, item: WorkItem, exc: Exception) -> str:
        ctx = self.ctx
        code = getattr(exc, "code", None) or type(exc).__name__
        message = mask(getattr(exc, "message", None) or str(exc) or type(exc).__name__)
        is_business = isinstance(exc, BusinessError) or type(exc).__name__ == "BusinessException"
        try:
            if is_business:
                ctx.backend.fail(item.id, ctx.worker, ErrorKind.BUSINESS, code, message)
                self.count("manual", reason=code)
                ctx.log.info("to manual", reason=code, message=message)
                return "business_error"
            files = [f for found in self._hook("evidence", item, exc) for f in found]
            after = ctx.backend.fail(item.id, ctx.worker, ErrorKind.APPLICATION, code, message, files=files)
        except LeaseLost as lost:
            self.count("lease_lost")
            ctx.log.warning("lease lost while failing", error=str(lost))
            return "lease_lost"
        finally:
            if not is_business:
                ctx.session.reset()
        ctx.counts["last_error"] = f"{code}: {message}"[:300]
        ctx.counts["application_errors"] = ctx.counts.get("application_errors", 0) + 1
        if after.status is Status.MANUAL:
            self.count("manual", reason=after.manual_reason)
        else:
            self.count("retry_scheduled")
        ctx.log.warning("application error", code=code, error=message, attempt=item.attempts,
                        next=after.status.value, evidence=len(files), exc_info=exc)
        return "application_error"

    def run(self) -> RunRecord:
        ctx = self.ctx
        started = time.perf_counter()
        status, reason = STATUS_SUCCEEDED, None
        self._hook("before_run")
        try:
            with self.stop.signals():
                if ctx.step.kind == "producer":
                    self.produce()
                else:
                    self.consume()
            if self.stop:
                status, reason = STATUS_STOPPED, self.stop.reason
        except Exception as exc:
            status, reason = STATUS_FAILED, mask(f"{type(exc).__name__}: {exc}")[:500]
            ctx.log.error("step failed", exc_info=exc)
        finally:
            ctx.session.close()
            ctx.counts["seconds"] = round(time.perf_counter() - started, 3)
            self._hook("after_run", ctx.counts)
        return self.runs.update(ctx.run.id, ctx.counts, status=status, stop_reason=reason)


def make_context(process: Process, step: Step, backend: QueueBackend, run: RunRecord, worker: str) -> StepContext:
    settings = load_settings()
    return StepContext(
        process=process, step=step, config=process.config(), settings=settings, backend=backend, run=run,
        worker=worker, log=logs.get_logger(f"robots.{process.name}"),
        session=Session(settings.browser.executable_path or None, settings.browser.headless),
    )


def run_step(process: Process, step_name: str, backend: QueueBackend, *, trigger: str = "operator",
             started_by: str = "operator", run_id: str | None = None, parent_id: str | None = None,
             artifacts_dir: Path | None = None, options: WorkerOptions | None = None) -> RunRecord:
    """Run one step in this process, recorded as a run; returns the finished run record."""
    step = process.step(step_name)
    runs = RunStore(backend)
    run = runs.start(process.name, step.name, trigger=trigger, started_by=started_by, run_id=run_id,
                     parent_id=parent_id, artifacts_dir=str(artifacts_dir) if artifacts_dir else None)
    worker = f"{run.id}/{run.host}:{os.getpid()}"
    logs.bind(run_id=run.id, process=process.name, step=step.name)
    try:
        ctx = make_context(process, step, backend, run, worker)
        return StepRunner(ctx, options or WorkerOptions(), StopFlag()).run()
    except Exception as exc:  # bad configuration: the run fails with the reason
        return runs.update(run.id, {}, status=STATUS_FAILED, stop_reason=mask(str(exc))[:500])
    finally:
        logs.unbind("run_id", "process", "step")


def run_step_from_env(process: Process, step_name: str) -> None:
    """The body of every step's robocorp task: options from the environment the runner set."""
    from ..processes import define_queues

    env = os.environ
    artifacts = Path(env.get("ROBOTS_ARTIFACTS_DIR") or Path.cwd() / "output")
    logs.configure(artifacts / "run.jsonl")
    max_items = env.get("ROBOTS_MAX_ITEMS")
    options = WorkerOptions(
        max_items=int(max_items) if max_items else None,
        until_empty=env.get("ROBOTS_UNTIL_EMPTY", "1") == "1",
    )
    with connect() as backend:
        backend.upgrade()
        define_queues(backend, extra=process.queues)
        record = run_step(
            process, step_name, backend, trigger=env.get("ROBOTS_TRIGGER", "robocorp"),
            started_by=env.get("ROBOTS_STARTED_BY", "robocorp"), run_id=env.get("ROBOTS_RUN_ID"),
            parent_id=env.get("ROBOTS_PARENT_RUN_ID"), artifacts_dir=artifacts, options=options,
        )
    if record.status != STATUS_SUCCEEDED:
        raise RuntimeError(f"{process.name}.{step_name} {record.status}: {record.stop_reason}")
