"""The scheduler: runs the schedules and queue triggers of conf/schedules.toml while it holds the lock.

Any number of schedulers may run (one per machine, say); the one holding the lock
(:mod:`.lock`) is active, the others stand by and take over when it goes away. When a scheduler
becomes active it

1. records the schedules it loaded, and an audit event when they differ from the last ones loaded;
2. compares each schedule's last handled fire (:mod:`.state`) with its fires up to now: those in
   between were missed while no scheduler was active; they are reported (an audit event and a line)
   and the schedule runs ONCE now, however many were missed;
3. starts APScheduler (a BackgroundScheduler) with one job per schedule, one that checks the queue
   triggers every ``queue_check_seconds``, one that seals the audit trail every
   ``seal_interval_seconds`` and the daily retention job; and renews the lock every
   ``heartbeat_seconds``. A scheduler that cannot renew it stops starting anything at once.

Each run is a process of its own (``python -m robots.scheduling.launch``), recorded as a run with
trigger "schedule" or "queue trigger" and started_by the scheduler's id. A schedule whose previous
run is still going is skipped (reported), not queued. SIGTERM/Ctrl-C: nothing new starts, running
runs get SIGTERM (they finish their current items), the lock is released.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from .. import audit
from ..audit import _db
from ..cpr import mask
from ..queue import QueueBackend, connect, worker_id
from ..retention import run_retention
from ..runtime.runner import runs_dir
from ..timeutil import COPENHAGEN, now, show
from . import state
from .config import QueueTrigger, Schedule, Schedules
from .lock import SchedulerLock, open_lock
from .rules import CronRule, Rule, RuleTrigger, parse_time_of_day

RETENTION = "_retention"  # the retention job's name in schedule_state
RUNNING_RECENTLY = 600  # seconds: a worker run whose heartbeat is older is taken as gone


@dataclass(frozen=True)
class Launched:
    """What a launched run reported."""

    ok: bool
    run_id: str | None
    status: str
    summary: dict[str, Any]


class SchedulerService:
    """One scheduler process (see the module docstring)."""

    def __init__(self, schedules: Schedules, url: str, *, scheduler_id: str | None = None,
                 say: Callable[[str], None] | None = None) -> None:
        self.schedules = schedules
        self.settings = schedules.scheduler
        self.id = scheduler_id or worker_id("scheduler")
        self.say = say or _stderr
        self.backend: QueueBackend = connect(url)
        self.lock: SchedulerLock = open_lock(url, self.id, self.settings.lock_lease_seconds)
        self.stop = threading.Event()
        self._aps: BackgroundScheduler | None = None
        self._busy = {name: threading.Lock() for name in [*schedules.schedules, RETENTION]}
        self._workers: Counter[str] = Counter()  # worker processes this scheduler started, still running
        self._count_lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._threads: list[threading.Thread] = []
        self._due_now: list[tuple[str, datetime]] = []

    # -- lifecycle -----------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> int:
        """Stand by until the lock is ours, then run until stopped (``once``: what is due now, then exit)."""
        try:
            standing_by = False
            while not self.stop.is_set():
                if self._try_lock():
                    if once:
                        self._activate()
                        self._run_once()
                        return 0
                    self._activate()
                    self._active_loop()
                    standing_by = False
                    continue
                if once:
                    holder = self._holder()
                    self.say(f"another scheduler is active ({holder}); nothing run")
                    return 0
                if not standing_by:
                    self.say(f"standing by: another scheduler is active ({self._holder()})")
                    standing_by = True
                self.stop.wait(self.settings.standby_poll_seconds)
            return 0
        finally:
            self._shutdown()

    def _try_lock(self) -> bool:
        try:
            return self.lock.acquire()
        except Exception as exc:  # the database is away for a moment: stand by and try again
            self.say(f"cannot take the scheduler lock now: {exc}")
            return False

    def request_stop(self, *_args: Any) -> None:
        """SIGTERM/Ctrl-C: stop gracefully; a second one stops at once (runs are left to their leases)."""
        if self.stop.is_set():
            self.say("stopping at once")
            os._exit(130)
        self.say("stopping: nothing new starts; running runs finish their current items")
        self.stop.set()

    def _holder(self) -> str:
        from .lock import current_holder

        holder = current_holder(self.backend)
        return holder.holder if holder else "unknown"

    def _activate(self) -> None:
        self.say(f"{self.id}: active (holds the scheduler lock)")
        self._record("scheduler_active", f"{self.id} holds the scheduler lock and runs the schedules",
                      {"config_sha256": self.schedules.sha256})
        self._note_config()
        self._due_now = self._missed_runs()

    def _active_loop(self) -> None:
        started = now()
        aps = self._aps = BackgroundScheduler(timezone=COPENHAGEN, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        for schedule in self._enabled():
            aps.add_job(self._fire, RuleTrigger(schedule.rule), args=[schedule.name], id=schedule.name,
                        name=schedule.name, next_run_time=schedule.rule.next_fire(started))
        retention = self._retention_rule()
        if retention is not None:
            aps.add_job(self._retain, RuleTrigger(retention), id=RETENTION, next_run_time=retention.next_fire(started))
        if self._triggers():
            aps.add_job(self._check_queues, IntervalTrigger(seconds=self.settings.queue_check_seconds),
                        id="_queue_triggers", next_run_time=started)
        aps.add_job(self._seal, IntervalTrigger(seconds=self.settings.seal_interval_seconds), id="_seal",
                    next_run_time=started)
        for name, fire_at in self._due_now:
            target = self._retain if name == RETENTION else self._fire
            args = [] if name == RETENTION else [name]
            aps.add_job(target, "date", run_date=started, args=args, kwargs={"fire_at": fire_at},
                        id=f"{name}-missed")
        aps.start()
        try:
            while not self.stop.wait(self.settings.heartbeat_seconds):
                if not self.lock.renew():
                    self.say(f"{self.id}: lost the scheduler lock; standing by (runs already started go on)")
                    self._record("scheduler_lock_lost", f"{self.id} could not renew the scheduler lock in time",
                                 None, quiet=True)
                    return
        finally:
            if self.stop.is_set():  # stopping: the runs finish their current items, then we are done
                self._terminate_children()
                aps.shutdown(wait=True)
            else:  # lost the lock: start nothing more; runs already started go on
                aps.shutdown(wait=False)
            self._aps = None

    def _run_once(self) -> None:
        """``--once``: the missed runs, the queue triggers and a seal, waiting for all of them."""
        for name, fire_at in self._due_now:
            if name == RETENTION:
                self._retain(fire_at=fire_at)
            else:
                self._fire(name, fire_at=fire_at)
        self._check_queues()
        self._join_threads()
        self._seal()

    def _terminate_children(self) -> None:
        for proc in list(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    def _shutdown(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
        self._terminate_children()
        self._join_threads()
        if self.lock.held:
            self._record("scheduler_stopped", f"{self.id} stopped and released the scheduler lock", None, quiet=True)
        try:
            self.lock.close()
        finally:
            self.backend.close()

    def _join_threads(self) -> None:
        for thread in list(self._threads):
            thread.join()
        self._threads.clear()

    # -- schedules -----------------------------------------------------------------------------

    def _enabled(self) -> list[Schedule]:
        return [s for s in self.schedules.schedules.values() if s.enabled]

    def _triggers(self) -> list[QueueTrigger]:
        return [t for t in self.schedules.triggers.values() if t.enabled]

    def _retention_rule(self) -> Rule | None:
        settings = self.schedules.retention
        if not settings.enabled:
            return None
        at = parse_time_of_day(settings.time)
        return CronRule(f"{at.minute} {at.hour} * * *")

    def _missed_runs(self) -> list[tuple[str, datetime]]:
        """Report the fires missed while no scheduler was active; each such schedule runs once."""
        known = state.load_state(self.backend)
        at = now()
        due: list[tuple[str, datetime]] = []
        rules: list[tuple[str, str | None, Rule]] = [(s.name, s.process, s.rule) for s in self._enabled()]
        retention = self._retention_rule()
        if retention is not None:
            rules.append((RETENTION, None, retention))
        for name, process, rule in rules:
            last = known.get(name)
            if last is None:  # first time this schedule is seen: it starts from now
                state.mark_fired(self.backend, name, at, self.id)
                continue
            missed = rule.fires_between(last.last_fire_at, at, limit=1000)
            if not missed:
                continue
            count = f"{len(missed)}{'+' if len(missed) == 1000 else ''}"
            reason = (f"{count} run(s) of {name} missed while no scheduler was active (first {show(missed[0])}, "
                      f"last {show(missed[-1])}): run once now")
            self.say(reason)
            self._record("schedule_missed", reason, {
                "schedule": name, "process": process, "missed": len(missed), "first": missed[0].isoformat(),
                "last": missed[-1].isoformat()})
            due.append((name, missed[-1]))
        return due

    def _fire(self, name: str, fire_at: datetime | None = None) -> None:
        """One fire of a schedule: start its run and wait for it (on an APScheduler thread)."""
        schedule = self.schedules.schedules[name]
        fire_at = fire_at or schedule.rule.latest_fire(now() - timedelta(days=1), now()) or now()
        if self.stop.is_set() or not self.lock.renew():
            return
        busy = self._busy[name]
        if not busy.acquire(blocking=False):
            reason = f"{name}: the run of the previous fire is still going; the fire of {show(fire_at)} is skipped"
            self.say(reason)
            self._record("schedule_skipped", reason, {"schedule": name, "process": schedule.process,
                                                      "fire_at": fire_at.isoformat()})
            state.mark_fired(self.backend, name, fire_at, self.id)
            return
        try:
            state.mark_fired(self.backend, name, fire_at, self.id)
            self._record("schedule_fired", f"{name}: the run for {show(fire_at)} starts", {
                "schedule": name, "process": schedule.process, "step": schedule.step, "fire_at": fire_at.isoformat()})
            self.say(f"{name}: starting {schedule.process}{f' step {schedule.step}' if schedule.step else ''} "
                     f"(fire of {show(fire_at)})")
            launched = self.launch(schedule.process, trigger="schedule", step=schedule.step,
                                   max_items=schedule.max_items)
            if launched.run_id:
                state.mark_run(self.backend, name, launched.run_id)
            self.say(f"{name}: run {launched.run_id or '-'} {launched.status}")
        finally:
            busy.release()

    # -- queue triggers ------------------------------------------------------------------------

    def _check_queues(self) -> None:
        for trigger in self._triggers():
            if self.stop.is_set() or not self.lock.renew():
                return
            try:
                self._check_queue(trigger)
            except Exception as exc:  # one bad trigger must not stop the others
                self.say(mask(f"{trigger.name}: queue check failed: {exc}"))

    def _check_queue(self, trigger: QueueTrigger) -> None:
        params: dict[str, Any] = {"queue": trigger.queue, "now": _db.db_time(self.backend, now())}
        due = _db.read(self.backend, "scheduler", "due_items", params)[0]["n"]
        if due < trigger.min_items:
            return
        others = _db.read(self.backend, "scheduler", "running_workers", {
            "process": trigger.process, "me": self.id, "recent": RUNNING_RECENTLY,
            "since": _db.db_time(self.backend, now() - timedelta(seconds=RUNNING_RECENTLY))})[0]["n"]
        with self._count_lock:
            free = trigger.max_workers - self._workers[trigger.process] - others
            if free <= 0:
                return
            count = min(free, max(1, due // trigger.min_items))
            self._workers[trigger.process] += count
        reason = f"{trigger.name}: {due} new item(s) in {trigger.queue}; starting {count} worker(s) of {trigger.step}"
        self.say(reason)
        self._record("queue_trigger_fired", reason, {
            "trigger": trigger.name, "process": trigger.process, "queue": trigger.queue, "step": trigger.step,
            "due": due, "workers": count})
        thread = threading.Thread(target=self._run_workers, args=(trigger, count), daemon=True,
                                  name=f"workers-{trigger.name}")
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run_workers(self, trigger: QueueTrigger, count: int) -> None:
        try:
            launched = self.launch(trigger.process, trigger="queue trigger", step=trigger.step, workers=count)
            self.say(f"{trigger.name}: workers run {launched.run_id or '-'} {launched.status}")
        finally:
            with self._count_lock:
                self._workers[trigger.process] -= count

    # -- runs ----------------------------------------------------------------------------------

    def launch(self, process: str, *, trigger: str, step: str | None = None, workers: int | None = None,
               max_items: int | None = None) -> Launched:
        """Run a process (or workers of a step) in a process of its own; wait for it."""
        command = [sys.executable, "-m", "robots.scheduling.launch", process, "--trigger", trigger,
                   "--started-by", self.id]
        if step:
            command += ["--step", step]
        if workers:
            command += ["--workers", str(workers)]
        if max_items:
            command += ["--max-items", str(max_items)]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                env={**os.environ})
        self._procs.add(proc)
        try:
            out, err = proc.communicate()
        finally:
            self._procs.discard(proc)
        lines = out.decode(errors="replace").strip().splitlines()
        try:
            summary = json.loads(lines[-1]) if lines else {}
        except json.JSONDecodeError:
            summary = {}
        if not summary:
            tail = " | ".join(err.decode(errors="replace").strip().splitlines()[-3:])
            summary = {"error": f"exited with {proc.returncode}: {tail}"}
        if "error" in summary:
            self._record("schedule_failed", mask(f"{process}: could not start: {summary['error']}")[:500],
                         {"process": process, "step": step, "trigger": trigger})
            return Launched(False, None, "failed to start", summary)
        return Launched(proc.returncode == 0, summary.get("run_id"), summary.get("status", "unknown"), summary)

    # -- housekeeping --------------------------------------------------------------------------

    def _seal(self) -> None:
        if self.stop.is_set() or not self.lock.held:
            return
        try:
            audit.seal(self.backend)
        except Exception as exc:
            self.say(f"sealing the audit trail failed: {exc}")

    def _retain(self, fire_at: datetime | None = None) -> None:
        rule = self._retention_rule()
        if rule is None or self.stop.is_set() or not self.lock.held:
            return
        fire_at = fire_at or rule.latest_fire(now() - timedelta(days=1), now()) or now()
        if not self._busy[RETENTION].acquire(blocking=False):
            return
        try:
            state.mark_fired(self.backend, RETENTION, fire_at, self.id)
            result = run_retention(self.backend, self.schedules.retention.keep_days, runs_root=runs_dir(),
                                   actor=self.id)
            self.say(result.summary())
        except Exception as exc:
            self.say(f"retention failed: {exc}")
        finally:
            self._busy[RETENTION].release()

    def _note_config(self) -> None:
        definitions = definitions_of(self.schedules)
        before = state.loaded_config(self.backend)
        if before is None or before["sha256"] != self.schedules.sha256:
            changes = state.config_changes(before["definitions"] if before else {}, definitions)
            if before is None or any(changes.values()):
                what = "first loaded" if before is None else "changed"
                self._record("schedules_changed", f"{self.schedules.path.name} {what} ({self.schedules.sha256[:12]})",
                             {"sha256": self.schedules.sha256, "sha256_before": before["sha256"] if before else None,
                              **changes, "definitions": definitions})
        state.store_config(self.backend, self.schedules.sha256, definitions, self.id)

    def _record(self, action: str, reason: str, detail: dict[str, Any] | None, quiet: bool = False) -> None:
        try:
            self.backend.record(self.id, action, reason, detail)
        except Exception as exc:
            if not quiet:
                raise
            self.say(f"could not record {action}: {exc}")


def definitions_of(schedules: Schedules) -> dict[str, Any]:
    """What the schedules say, as plain data (stored, compared, shown)."""
    return {
        "schedules": {s.name: {"process": s.process, "step": s.step, "when": s.rule.describe(), "enabled": s.enabled,
                               "max_items": s.max_items} for s in schedules.schedules.values()},
        "queue_triggers": {t.name: {"process": t.process, "queue": t.queue, "step": t.step, "min_items": t.min_items,
                                    "max_workers": t.max_workers, "enabled": t.enabled}
                           for t in schedules.triggers.values()},
        "retention": schedules.retention.model_dump(),
    }


def _stderr(line: str) -> None:
    print(f"{show(now(), seconds=True)} scheduler: {mask(line)}", file=sys.stderr, flush=True)


__all__ = ["RETENTION", "Launched", "SchedulerService", "definitions_of"]
