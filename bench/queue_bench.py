"""Throughput of the work-item queue, on SQLite and PostgreSQL, beside procrastinate and pgqueuer.

Run from the checkout::

    .venv/bin/python bench/queue_bench.py              # default: 20,000 items per phase
    .venv/bin/python bench/queue_bench.py --quick      # 2,000 items, a smoke test
    .venv/bin/python bench/queue_bench.py --json       # machine output on stdout

Every phase starts from a fresh store (a new SQLite file in a temporary directory, or a new
PostgreSQL database that is dropped afterwards) holding only that phase's items, so no phase pays
for the rows of another. Worker phases start each worker as its own process (multiprocessing
*spawn*) with its own connection; the clock starts when every worker has connected and passed a
common barrier and stops when the last worker finds the queue empty, so process start-up and
imports are not counted. The work is a no-op: what is measured is the queue itself.

Phases (items/s = items finished / seconds):

* ``add``: bulk ``add()`` of N new items in batches of 1,000, each batch one transaction with its
  ``created`` audit events.
* ``claim+complete, 1 worker`` and ``4 workers``: ``claim_one`` then ``complete_and_claim`` until
  the queue is empty: one transaction per item that completes the previous item and leases the
  next, with both audit events (``completed``, ``claimed``).
* ``batch claim, 4 workers``: ``claim(limit=B)`` (one transaction for B items and their
  ``claimed`` events), then ``complete_many()`` (one transaction for the B items and their events).
* ``procrastinate``: N jobs deferred in batches of 1,000 (``batch_defer_async``), then 4 worker
  processes, each ``run_worker_async(wait=False, concurrency=1)`` with an async no-op task: one
  job in flight per process, as for our single-item claims. Its own schema in its own database.
* ``pgqueuer``: N jobs enqueued in batches of 1,000, then 4 worker processes, each
  ``PgQueuer.run(batch_size=B, mode=drain)`` with an async no-op entrypoint (its recommended
  setup: uvloop, and the asyncpg driver when installed, else psycopg). Its own database.

Every phase is bounded: at most N items, and each worker stops by itself after
``--phase-seconds``; a phase that did not finish is marked ``INCOMPLETE``. Phases after the
``--budget`` are skipped.

Every phase runs ``--rounds`` times (default 3), ours and the competitors in turn within each
round. The figures compared are medians over the rounds, and each round's own ratio is printed
beside the median one: on a shared machine one run of a competitor can differ from the next by a
third, and a single pair of runs says more about the moment than about the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import multiprocessing as mp
import os
import queue as queue_module
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUEUE = "bench.noop"
ADD_BATCH = 1000
STARTUP_SECONDS = 120.0
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


# -- results --------------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    key: str  # stable id, e.g. "postgresql.claim4"
    system: str  # "ours (SQLite)", "ours (PostgreSQL)", "procrastinate", "pgqueuer"
    phase: str
    workers: int
    batch: int
    items: int  # items finished
    expected: int
    seconds: float
    ok: bool
    note: str = ""
    worker_cpu: float | None = None  # CPU seconds of the worker processes (None: not measured)
    machine_cpu: float | None = None  # CPU seconds of the whole machine over the phase
    wal_flushes: int | None = None  # PostgreSQL write-ahead log flushes over the phase (None: not measured)
    round: int = 1  # which --rounds pass produced it

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0

    def per_item_us(self, seconds: float | None) -> float | None:
        return None if seconds is None or not self.items else seconds / self.items * 1e6

    def to_dict(self) -> dict[str, Any]:
        out = {**dataclasses.asdict(self), "items_per_second": round(self.rate, 1)}
        for name in ("worker_cpu", "machine_cpu"):
            us = self.per_item_us(getattr(self, name))
            out[f"{name}_us_per_item"] = None if us is None else round(us, 1)
        out["wal_flushes_per_item"] = self.flushes_per_item()
        return out

    def flushes_per_item(self) -> float | None:
        return None if self.wal_flushes is None or not self.items else round(self.wal_flushes / self.items, 2)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- stores -----------------------------------------------------------------------------------


class SqliteStores:
    """A new SQLite file per phase, all in one temporary directory removed at the end."""

    name = "sqlite"
    label = "ours (SQLite)"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="queue-bench-"))
        self.count = 0

    def fresh(self, phase: str) -> str:
        self.count += 1
        return f"sqlite:///{self.dir / f'{self.count:02d}-{phase}.sqlite3'}"

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresStores:
    """A new database per phase (CREATE DATABASE), every one dropped at the end."""

    name = "postgresql"
    label = "ours (PostgreSQL)"

    def __init__(self, admin_url: str) -> None:
        import psycopg

        self.admin_url = admin_url
        self.prefix = f"queue_bench_{os.getpid()}"
        self.created: list[str] = []
        self.conn = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)

    def url_of(self, db: str) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(self.admin_url, dbname=db)

    def fresh(self, phase: str) -> str:
        db = f"{self.prefix}_{len(self.created) + 1:02d}_{phase}"
        self.conn.execute(f'CREATE DATABASE "{db}"')
        self.created.append(db)
        return self.url_of(db)

    def drop(self, url: str) -> None:
        from psycopg.conninfo import conninfo_to_dict

        db = conninfo_to_dict(url)["dbname"]
        with contextlib.suppress(Exception):
            self.conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        with contextlib.suppress(ValueError):
            self.created.remove(db)

    def close(self) -> None:
        for db in list(self.created):
            with contextlib.suppress(Exception):
                self.conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.created.clear()
        self.conn.close()


def our_url(url: str) -> str:
    """psycopg's key=value conninfo -> the postgresql:// URL our connect() takes."""
    if url.startswith("sqlite:///") or url.startswith("postgresql://"):
        return url
    from psycopg.conninfo import conninfo_to_dict

    d = conninfo_to_dict(url)
    auth = d.get("user", "postgres") + (f":{d['password']}" if d.get("password") else "")
    return f"postgresql://{auth}@{d.get('host', '127.0.0.1')}:{d.get('port', 5432)}/{d['dbname']}"


def analyze(url: str) -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum would within a minute.

    Without it a fresh table has none and a planner may scan the whole queue for each job (it does
    for procrastinate's fetch); every system gets the same treatment.
    """
    if url.startswith("sqlite:///"):
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def wal_flushes(url: str) -> int | None:
    """How many times the PostgreSQL server has flushed its write-ahead log (pg_stat_wal, 14+).

    Every commit waits for a flush of the log up to its commit record; commits that arrive while
    one flush runs share the next (group commit). Flushes per item show whether a phase was bound
    by the log's disk rather than by CPU. None for SQLite or a server without the view.
    """
    if url.startswith("sqlite:///"):
        return None
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT wal_sync FROM pg_stat_wal").fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else None


# -- what a worker process reports -----------------------------------------------------------


class WorkerReport:
    """One worker process's account: items it finished, when it finished, CPU it used after the barrier."""

    def __init__(self, barrier: Any, results: Any) -> None:
        self.barrier, self.results = barrier, results
        self.items, self.timed_out, self.error = 0, False, ""
        self.cpu_start: float | None = None
        self.end: float | None = None
        self.cpu = 0.0

    def start(self) -> None:
        """Wait until every worker is ready; the phase's clock starts now."""
        self.barrier.wait(STARTUP_SECONDS)
        self.cpu_start = time.process_time()

    def stop(self) -> None:
        if self.end is None:
            self.end = time.monotonic()
            self.cpu = time.process_time() - self.cpu_start if self.cpu_start is not None else 0.0

    def fail(self, exc: BaseException) -> None:
        self.stop()
        self.error = f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(Exception):
            self.barrier.abort()

    def send(self) -> None:
        self.stop()
        self.results.put({"items": self.items, "end": self.end, "cpu": self.cpu, "timed_out": self.timed_out,
                          "error": self.error})


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (all cores, all processes), from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


# -- our queue --------------------------------------------------------------------------------


def populate_ours(url: str, n: int) -> float:
    """A fresh store with N new items; returns the seconds the adds took."""
    from robots.queue import NewItem, QueueSpec, connect

    with connect(our_url(url)) as q:
        q.upgrade()
        q.define_queue(QueueSpec(QUEUE, description="queue benchmark (no-op work)"))
        started = time.perf_counter()
        for first in range(0, n, ADD_BATCH):
            batch = [NewItem(f"item-{i:07d}", {"n": i}) for i in range(first, min(n, first + ADD_BATCH))]
            result = q.add(QUEUE, batch, actor="bench")
            if len(result.added) != len(batch):
                raise RuntimeError(f"add() added {len(result.added)} of {len(batch)} items")
        return time.perf_counter() - started


def check_ours(url: str, n: int) -> tuple[bool, str]:
    """Every item done, and three audit events per item (created, claimed, completed)."""
    sql = ("SELECT (SELECT count(*) FROM work_items WHERE status = 'done'),"
           " (SELECT count(*) FROM work_items), (SELECT count(*) FROM audit_events)")
    if url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            done, total, events = conn.execute(sql).fetchone()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            done, total, events = conn.execute(sql).fetchone()
    if done == n == total and events == 3 * n:
        return True, ""
    return False, f"done={done}/{n}, events={events}/{3 * n}"


def ours_worker(url: str, batch: int, seconds: float, barrier: Any, results: Any) -> None:
    """One worker process: claim and complete until the queue is empty (or time is up)."""
    report = WorkerReport(barrier, results)
    try:
        from robots.queue import connect, worker_id

        q = connect(our_url(url))
        worker = worker_id("bench")
        q.queue(QUEUE)
        report.start()
        deadline = time.monotonic() + seconds
        if batch <= 1:
            item = q.claim_one(QUEUE, worker)
            while item is not None:
                report.items += 1
                if time.monotonic() > deadline:
                    q.complete(item.id, worker)
                    report.timed_out = True
                    break
                item = q.complete_and_claim(item.id, worker)
        else:
            while items := q.claim(QUEUE, worker, limit=batch):
                q.complete_many(worker, {item.id: None for item in items})
                report.items += len(items)
                if time.monotonic() > deadline:
                    report.timed_out = True
                    break
        report.stop()
        q.close()
    except BaseException as exc:  # reported to the parent, which marks the phase failed
        report.fail(exc)
    report.send()


# -- procrastinate ----------------------------------------------------------------------------


def _event_loop_runner() -> Callable[[Any], Any]:
    try:
        import uvloop

        return uvloop.run
    except ImportError:
        return asyncio.run


def _procrastinate_app(url: str) -> tuple[Any, Any, list[int]]:
    import procrastinate

    # The pool's defaults (min_size=4) are procrastinate's own recommendation.
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    done = [0]

    @app.task(name="bench_noop", queue="bench")
    async def bench_noop(n: int) -> None:
        done[0] += 1

    return app, bench_noop, done


def populate_procrastinate(url: str, n: int) -> float:
    logging.getLogger("procrastinate").setLevel(logging.ERROR)
    app, task, _ = _procrastinate_app(url)

    async def main() -> float:
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            started = time.perf_counter()
            for first in range(0, n, ADD_BATCH):
                await task.batch_defer_async(*({"n": i} for i in range(first, min(n, first + ADD_BATCH))))
            return time.perf_counter() - started

    return _event_loop_runner()(main())


def check_procrastinate(url: str, n: int) -> tuple[bool, str]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = dict(conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1").fetchall())
    if rows.get("succeeded", 0) == n and sum(rows.values()) == n:
        return True, ""
    return False, f"jobs by status: {rows}"


def procrastinate_worker(url: str, concurrency: int, seconds: float, barrier: Any, results: Any) -> None:
    report = WorkerReport(barrier, results)
    try:
        logging.getLogger("procrastinate").setLevel(logging.ERROR)
        app, _, done = _procrastinate_app(url)

        async def main() -> None:
            async with app.open_async():
                report.start()
                try:
                    await asyncio.wait_for(app.run_worker_async(
                        queues=["bench"], wait=False, concurrency=concurrency, listen_notify=False,
                        install_signal_handlers=False, name="bench"), seconds)
                except TimeoutError:
                    report.timed_out = True
                report.stop()

        _event_loop_runner()(main())
        report.items = done[0]
    except BaseException as exc:
        report.fail(exc)
    report.send()


# -- pgqueuer ---------------------------------------------------------------------------------


def pgqueuer_driver_name() -> str:
    try:
        import asyncpg  # noqa: F401

        return "asyncpg"
    except ImportError:
        return "psycopg"


async def _pgqueuer_driver(url: str) -> Any:
    if pgqueuer_driver_name() == "asyncpg":
        import asyncpg
        from pgqueuer.db import AsyncpgDriver

        return AsyncpgDriver(await asyncpg.connect(our_url(url)))
    import psycopg
    from pgqueuer.db import PsycopgDriver

    return PsycopgDriver(await psycopg.AsyncConnection.connect(url, autocommit=True))


def populate_pgqueuer(url: str, n: int) -> float:
    async def main() -> float:
        from pgqueuer.queries import Queries

        queries = Queries(await _pgqueuer_driver(url))
        await queries.install()
        started = time.perf_counter()
        for first in range(0, n, ADD_BATCH):
            k = min(n, first + ADD_BATCH) - first
            payloads = [json.dumps({"n": i}).encode() for i in range(first, first + k)]
            await queries.enqueue(["bench_noop"] * k, payloads, [0] * k)
        return time.perf_counter() - started

    return _event_loop_runner()(main())


def check_pgqueuer(url: str, n: int, processed: int) -> tuple[bool, str]:
    import psycopg

    with psycopg.connect(url) as conn:
        (left,) = conn.execute("SELECT count(*) FROM pgqueuer").fetchone()
    if left == 0 and processed == n:
        return True, ""
    return False, f"{left} jobs left in the queue table, {processed}/{n} run"


def pgqueuer_worker(url: str, batch: int, seconds: float, barrier: Any, results: Any) -> None:
    report = WorkerReport(barrier, results)
    try:
        logging.getLogger("pgqueuer").setLevel(logging.ERROR)
        from pgqueuer import PgQueuer
        from pgqueuer.types import QueueExecutionMode

        done = [0]

        async def main() -> None:
            pgq = PgQueuer(await _pgqueuer_driver(url))

            @pgq.entrypoint("bench_noop")
            async def bench_noop(job: Any) -> None:
                done[0] += 1

            report.start()
            try:
                await asyncio.wait_for(pgq.run(batch_size=batch, mode=QueueExecutionMode.drain), seconds)
            except TimeoutError:
                report.timed_out = True
            report.stop()

        _event_loop_runner()(main())
        report.items = done[0]
    except BaseException as exc:
        report.fail(exc)
    report.send()


# -- running worker processes -----------------------------------------------------------------


@dataclasses.dataclass
class Run:
    items: int
    seconds: float
    timed_out: bool
    errors: list[str]
    worker_cpu: float  # CPU seconds the worker processes used between the barrier and their end
    machine_cpu: float | None  # CPU seconds the whole machine used meanwhile (workers, database, all)
    wal_flushes: int | None = None  # write-ahead log flushes of the PostgreSQL server meanwhile


def run_workers(target: Callable[..., None], args: tuple[Any, ...], workers: int, seconds: float,
                url: str) -> Run:
    """Start the workers (spawn), release them together, wait until each has finished.

    ``url`` is the store the workers use; on PostgreSQL the server's log flushes are counted from
    just before the release until the last worker has reported.
    """
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, seconds, barrier, results), daemon=True)
             for _ in range(workers)]
    for p in procs:
        p.start()
    errors: list[str] = []
    outs: list[dict[str, Any]] = []
    flushes_start = wal_flushes(url)
    try:
        barrier.wait(STARTUP_SECONDS)
    except threading.BrokenBarrierError:
        errors.append("a worker failed to start")
    started, busy_start = time.monotonic(), machine_busy_seconds()
    try:
        for _ in procs:
            outs.append(results.get(timeout=seconds + 60))
    except queue_module.Empty:
        errors.append("a worker did not report back in time")
    busy_end = machine_busy_seconds()
    flushes_end = wal_flushes(url)
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.terminate()
            p.join(5)
    errors += [o["error"] for o in outs if o["error"]]
    end = max((o["end"] for o in outs), default=time.monotonic())
    machine = busy_end - busy_start if busy_start is not None and busy_end is not None else None
    flushes = flushes_end - flushes_start if flushes_start is not None and flushes_end is not None else None
    return Run(sum(o["items"] for o in outs), max(end - started, 1e-9), any(o["timed_out"] for o in outs),
               errors, sum(o["cpu"] for o in outs), machine, flushes)


# -- the phases -------------------------------------------------------------------------------


@dataclasses.dataclass
class Bench:
    items: int
    workers: int
    batch: int
    phase_seconds: float
    budget: float
    competitors: bool
    pg_url: str
    backends: list[str]
    procrastinate_concurrency: int = 1
    rounds: int = 1
    round: int = 1  # the pass now running
    results: list[Result] = dataclasses.field(default_factory=list)
    started: float = dataclasses.field(default_factory=time.monotonic)

    def over_budget(self) -> bool:
        return time.monotonic() - self.started > self.budget

    def record(self, result: Result) -> None:
        result.round = self.round
        self.results.append(result)
        status = "ok" if result.ok else f"FAILED {result.note}"
        prefix = f"  [{self.round}/{self.rounds}]" if self.rounds > 1 else ""
        log(f"{prefix}  {result.system:18s} {result.phase:34s} {result.rate:10,.0f} items/s  "
            f"({result.items:,} in {result.seconds:.2f}s) {status}")

    def skipped(self, key: str, system: str, phase: str, workers: int, batch: int, why: str) -> None:
        self.record(Result(key, system, phase, workers, batch, 0, self.items, 0.0, False, why))

    @contextlib.contextmanager
    def store(self, stores: Any, phase: str) -> Iterator[str]:
        url = stores.fresh(phase)
        try:
            yield url
        finally:
            if isinstance(stores, PostgresStores):
                stores.drop(url)

    def worker_phase(self, stores: Any, key: str, phase: str, workers: int, batch: int,
                     url: str | None = None) -> None:
        system = stores.label
        if self.over_budget():
            self.skipped(f"{stores.name}.{key}", system, phase, workers, batch, "skipped: over --budget")
            return
        with contextlib.ExitStack() as stack:
            if url is None:
                url = stack.enter_context(self.store(stores, key))
                populate_ours(url, self.items)
            analyze(url)
            run = run_workers(ours_worker, (url, batch), workers, self.phase_seconds, url)
            ok, note = check_ours(url, self.items)
            self.finish(f"{stores.name}.{key}", system, phase, workers, batch, run, ok, note)

    def finish(self, key: str, system: str, phase: str, workers: int, batch: int, run: Run,
               ok: bool, note: str) -> None:
        notes = [note] if note else []
        if run.timed_out:
            notes.insert(0, f"INCOMPLETE: stopped after {self.phase_seconds:.0f}s")
        notes += run.errors[:2]
        self.record(Result(key, system, phase, workers, batch, run.items, self.items, run.seconds,
                           ok and not run.timed_out and not run.errors, "; ".join(notes),
                           run.worker_cpu, run.machine_cpu, run.wal_flushes))

    def ours(self, stores: Any) -> None:
        log(f"{stores.label}:")
        n = self.items
        with self.store(stores, "add") as url:
            seconds = populate_ours(url, n)
            self.record(Result(f"{stores.name}.add", stores.label, f"bulk add (batches of {ADD_BATCH:,})",
                               1, ADD_BATCH, n, n, seconds, True))
            # The store now holds exactly the N new items the one-worker phase needs.
            analyze(url)
            self.worker_phase(stores, "claim1", "claim+complete, single-item", 1, 1, url=url)
        self.worker_phase(stores, f"claim{self.workers}", "claim+complete, single-item", self.workers, 1)
        self.worker_phase(stores, f"batch{self.workers}", f"batch claim({self.batch}) + complete_many",
                          self.workers, self.batch)

    def procrastinate(self, stores: PostgresStores) -> None:
        system, key, phase = "procrastinate", f"procrastinate.jobs{self.workers}", "defer, then run jobs"
        if self.over_budget():
            self.skipped(key, system, phase, self.workers, 1, "skipped: over --budget")
            return
        with self.store(stores, "procrastinate") as url:
            seconds = populate_procrastinate(url, self.items)
            analyze(url)
            self.record(Result("procrastinate.add", system, f"batch_defer (batches of {ADD_BATCH:,})",
                               1, ADD_BATCH, self.items, self.items, seconds, True))
            c = self.procrastinate_concurrency
            run = run_workers(procrastinate_worker, (url, c), self.workers, self.phase_seconds, url)
            ok, note = check_procrastinate(url, self.items)
            self.finish(key, system, f"worker, concurrency={c}", self.workers, 1, run, ok, note)

    def pgqueuer(self, stores: PostgresStores) -> None:
        system, key = f"pgqueuer ({pgqueuer_driver_name()})", f"pgqueuer.batch{self.workers}"
        phase = f"run(batch_size={self.batch}, drain)"
        if self.over_budget():
            self.skipped(key, system, phase, self.workers, self.batch, "skipped: over --budget")
            return
        with self.store(stores, "pgqueuer") as url:
            seconds = populate_pgqueuer(url, self.items)
            analyze(url)
            self.record(Result("pgqueuer.add", system, f"enqueue (batches of {ADD_BATCH:,})",
                               1, ADD_BATCH, self.items, self.items, seconds, True))
            run = run_workers(pgqueuer_worker, (url, self.batch), self.workers, self.phase_seconds, url)
            ok, note = check_pgqueuer(url, self.items, run.items)
            self.finish(key, system, phase, self.workers, self.batch, run, ok, note)

    def run(self) -> None:
        """Every phase, --rounds times over: each round runs ours and the competitors one after the
        other, so a slow spell of the machine falls on both sides of a ratio, not on one."""
        for n in range(1, self.rounds + 1):
            self.round = n
            if self.rounds > 1:
                log(f"round {self.round} of {self.rounds}:")
            self.run_round()

    def run_round(self) -> None:
        if "sqlite" in self.backends:
            stores = SqliteStores()
            try:
                self.ours(stores)
            finally:
                stores.close()
        if "postgresql" in self.backends:
            try:
                pg = PostgresStores(self.pg_url)
            except Exception as exc:
                log(f"PostgreSQL at {self.pg_url} unavailable, skipped: {exc}")
                return
            try:
                self.ours(pg)
                if self.competitors:
                    log("competitors on the same PostgreSQL server:")
                    self.procrastinate(pg)
                    self.pgqueuer(pg)
            finally:
                pg.close()

    # -- report ---------------------------------------------------------------------------

    def rates(self, key: str) -> dict[int, float]:
        """{round: items/s} of the phase's successful runs."""
        return {r.round: r.rate for r in self.results if r.key == key and r.ok}

    def rate(self, key: str) -> float | None:
        """The median over the rounds (None: the phase never succeeded)."""
        values = list(self.rates(key).values())
        return statistics.median(values) if values else None

    def comparisons(self) -> list[dict[str, Any]]:
        w, b = self.workers, self.batch
        pairs = [
            ("postgresql", f"claim{w}", f"procrastinate.jobs{w}", 5.0,
             f"PostgreSQL single-item claims, {w} workers / procrastinate, {w} workers"),
            ("postgresql", f"batch{w}", f"pgqueuer.batch{w}", 1.0,
             f"PostgreSQL batch claim({b}), {w} workers / pgqueuer batch_size={b}, {w} workers"),
            ("sqlite", f"claim{w}", f"procrastinate.jobs{w}", None,
             f"SQLite single-item claims, {w} workers / procrastinate, {w} workers"),
            ("sqlite", f"batch{w}", f"pgqueuer.batch{w}", None,
             f"SQLite batch claim({b}), {w} workers / pgqueuer batch_size={b}, {w} workers"),
        ]
        out = []
        for backend, ours_key, theirs_key, target, label in pairs:
            ours, theirs = self.rate(f"{backend}.{ours_key}"), self.rate(theirs_key)
            if ours is None or theirs is None:
                continue
            ratio = ours / theirs  # of the medians
            ours_by_round, theirs_by_round = self.rates(f"{backend}.{ours_key}"), self.rates(theirs_key)
            per_round = [round(ours_by_round[n] / theirs_by_round[n], 2)
                         for n in sorted(ours_by_round) if n in theirs_by_round]
            out.append({"comparison": label, "ours": round(ours, 1), "theirs": round(theirs, 1),
                        "ratio": round(ratio, 2), "ratios_by_round": per_round, "target": target,
                        "met": None if target is None else ratio >= target})
        return out

    def targets(self) -> list[dict[str, Any]]:
        out = []
        sqlite1 = self.rate("sqlite.claim1")
        if sqlite1 is not None:
            out.append({"target": "SQLite, 1 worker, claim+complete >= 5,000 items/s"
                                  + (" (median of the rounds)" if self.rounds > 1 else ""),
                        "value": f"{sqlite1:,.0f} items/s", "met": sqlite1 >= 5000})
        for c in self.comparisons():
            if c["target"] is not None:
                out.append({"target": f"{c['comparison']} >= {c['target']:g}x",
                            "value": f"{c['ratio']:.2f}x", "met": c["met"]})
        return out

    def table(self) -> str:
        header = ("round", "system", "phase", "workers", "batch", "items", "seconds", "items/s", "CPU us/item",
                  "flushes/item", "note")

        def cpu(r: Result) -> str:
            workers, machine = r.per_item_us(r.worker_cpu), r.per_item_us(r.machine_cpu)
            if workers is None or machine is None:
                return ""
            return f"{workers:,.0f} / {machine:,.0f}"

        rows = [(str(r.round), r.system, r.phase, str(r.workers), str(r.batch), f"{r.items:,}", f"{r.seconds:.2f}",
                 f"{r.rate:,.0f}", cpu(r), "" if r.flushes_per_item() is None else f"{r.flushes_per_item():.2f}",
                 r.note or ("ok" if r.ok else "FAILED")) for r in self.results]
        widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
                  for i, h in enumerate(header)]
        right = {0, 3, 4, 5, 6, 7, 8, 9}

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                             for i, c in enumerate(cells)).rstrip()

        out = [f"Queue benchmark: {self.items:,} items per phase, {os.cpu_count()} CPU cores, "
               f"Python {sys.version.split()[0]}", "",
               line(header), line(tuple("-" * w for w in widths))]
        out += [line(row) for row in rows]
        comparisons = self.comparisons()
        if comparisons:
            medians = " (medians of the rounds; each round's own ratio in brackets)" if self.rounds > 1 else ""
            out += ["", f"Ours / theirs (same items, same worker count, no-op work){medians}:"]
            width = max(len(c["comparison"]) for c in comparisons)
            out += [f"  {c['comparison']:{width}s}  {c['ours']:>9,.0f} / {c['theirs']:>8,.0f}"
                    f"  = {c['ratio']:5.2f}x"
                    + (f"  [{', '.join(f'{x:.2f}' for x in c['ratios_by_round'])}]" if self.rounds > 1 else "")
                    for c in comparisons]
        targets = self.targets()
        if targets:
            out += ["", "Targets:"]
            out += [f"  [{'met' if t['met'] else 'MISSED'}] {t['target']}: {t['value']}" for t in targets]
        out += ["", LEGEND.format(batch=self.batch, workers=self.workers, add=ADD_BATCH)]
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "items": self.items, "workers": self.workers, "batch": self.batch, "rounds": self.rounds,
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0], "pgqueuer_driver": pgqueuer_driver_name(),
            "results": [r.to_dict() for r in self.results], "comparisons": self.comparisons(),
            "targets": self.targets(), "seconds_total": round(time.monotonic() - self.started, 1),
        }


LEGEND = """\
What each phase measures (items/s = items finished / wall-clock seconds; every phase on a fresh
store holding only its own items, PostgreSQL ones ANALYZEd after loading; worker clocks run from
a start barrier, after every worker process has started and connected, until the last worker
finds the queue empty; CPU us/item = CPU time of the worker processes / of the whole machine
(workers, database server and anything else running) per item over the same interval;
flushes/item = PostgreSQL write-ahead log flushes (pg_stat_wal.wal_sync, whole server) per item:
each commit waits for a flush, and commits that arrive while one runs share the next, so with
several workers a figure below the commits per item means commits stood waiting on the log's disk):
  bulk add         add() of N items in batches of {add}: one transaction per batch, each item with
                   its 'created' audit event.
  single-item      claim_one, then complete_and_claim until empty: one transaction per item that
                   completes the previous item and leases the next, with the 'completed' and
                   'claimed' audit events; each worker a spawned process with its own connection.
  batch claim      claim(limit={batch}) (one transaction: {batch} leases + their 'claimed' events), then
                   complete_many() of the batch (one transaction, with its {batch} 'completed' events).
  procrastinate    batch_defer of N jobs, then {workers} spawned processes each running a worker
                   (wait=False, concurrency=1: one job in flight, like single-item claims; async
                   no-op task; uvloop) on its own schema in its own database.
  pgqueuer         enqueue of N jobs, then {workers} spawned processes each running
                   PgQueuer.run(batch_size={batch}, mode=drain) with an async no-op entrypoint (uvloop;
                   completions logged in batches, as pgqueuer does) in its own database."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=None, help="items per phase (default 20,000)")
    parser.add_argument("--quick", action="store_true", help="2,000 items per phase, short limits")
    parser.add_argument("--workers", type=int, default=4, help="worker processes (default 4)")
    parser.add_argument("--batch", type=int, default=10, help="batch claim size (default 10)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql")
    parser.add_argument("--no-competitors", action="store_true", help="skip procrastinate and pgqueuer")
    parser.add_argument("--pg-url", default=os.environ.get("ROBOTS_BENCH_PG_URL", DEFAULT_PG),
                        help="PostgreSQL URL of a database to connect to for CREATE/DROP DATABASE")
    parser.add_argument("--phase-seconds", type=float, default=None,
                        help="each worker phase stops itself after this (default 60, quick 20)")
    parser.add_argument("--budget", type=float, default=None,
                        help="skip the phases that would start after this many seconds "
                             "(default 240 per round, quick 120)")
    parser.add_argument("--procrastinate-concurrency", type=int, default=1,
                        help="jobs in flight per procrastinate worker (default 1, like single-item claims)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="run every phase this many times, ours and theirs in turn; figures and ratios "
                             "are medians (default 3, quick 1)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)

    items = args.items or (2_000 if args.quick else 20_000)
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    if items < 1 or args.workers < 1 or args.batch < 1 or rounds < 1:
        parser.error("--items, --workers, --batch and --rounds must be at least 1")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    bench = Bench(
        items=items, workers=args.workers, batch=args.batch,
        phase_seconds=args.phase_seconds or (20.0 if args.quick else 60.0),
        budget=args.budget or (120.0 if args.quick else 240.0) * rounds,
        competitors=not args.no_competitors, pg_url=args.pg_url, backends=backends,
        procrastinate_concurrency=max(1, args.procrastinate_concurrency), rounds=rounds,
    )
    log(f"queue benchmark: {items:,} items per phase, {args.workers} workers, batch {args.batch}, "
        f"{rounds} round(s)")
    bench.run()
    if args.json:
        print(json.dumps(bench.to_json(), indent=2))
    else:
        print()
        print(bench.table())
    return 0 if all(r.ok for r in bench.results) else 1


if __name__ == "__main__":
    sys.exit(main())
