"""What the operations dashboard reads: queues, runs, alerts and the series its charts draw.

The SQL is in ``sql/dashboard_<dialect>.sql``; it returns hourly (or daily) counts in UTC, which
are put into Copenhagen days and months here, so both backends give the same picture and a day
means the day the office sees. Everything is read per request; nothing is cached.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .. import alerts as alert_store
from ..queue import QueueBackend
from ..queue.runs import RunRecord, RunStore
from ..timeutil import COPENHAGEN
from . import charts, fmt
from .db import Db
from .sql import queries

CHART_DAYS = 30
CHART_MONTHS = 6
DURATION_BINS: tuple[tuple[float, str], ...] = (
    (1, "< 1 s"), (2, "1-2 s"), (5, "2-5 s"), (10, "5-10 s"), (30, "10-30 s"), (60, "30-60 s"),
    (120, "1-2 min"), (300, "2-5 min"), (float("inf"), "> 5 min"))


@dataclass(frozen=True)
class QueueRow:
    """One queue as the dashboard's table shows it."""

    name: str
    new: int
    in_progress: int
    manual: int
    done_today: int
    failed_today: int
    oldest_new_at: datetime | None
    sla_seconds: float | None

    @property
    def process(self) -> str:
        return self.name.split(".", 1)[0]

    def oldest_seconds(self, now: datetime) -> float:
        return (now - self.oldest_new_at).total_seconds() if self.oldest_new_at else 0.0

    def sla_breached(self, now: datetime) -> bool:
        return bool(self.sla_seconds) and self.oldest_seconds(now) > self.sla_seconds  # type: ignore[operator]


@dataclass(frozen=True)
class RunView:
    """A top-level run and its step runs."""

    run: RunRecord
    steps: list[RunRecord] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """The run's counts; while it runs, the sum of its steps' (the runner totals them at the end)."""
        if self.run.status != "running" or not self.steps:
            return dict(self.run.counts)
        totals: dict[str, int] = {}
        for step in self.steps:
            for key in ("added", "done", "manual"):
                value = step.counts.get(key, 0)
                totals[key] = totals.get(key, 0) + (value if isinstance(value, int) else 0)
        return totals


class Dashboard:
    """The dashboard's reads on one queue backend."""

    def __init__(self, backend: QueueBackend) -> None:
        self.backend = backend
        self.db = Db(backend)
        self.sql = queries(f"dashboard_{self.db.dialect}")

    def _read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        values = {k: self.db.time_param(v) if isinstance(v, datetime) else v for k, v in params.items()}
        return self.db.read(self.sql[name], values)

    # -- queues --------------------------------------------------------------------------------

    def queues(self, now: datetime) -> list[QueueRow]:
        """Every defined queue: counts per status, done and failed attempts today, oldest new item, SLA."""
        midnight = start_of_day(now)
        stats = self.backend.stats()
        done = {r["queue"]: int(r["n"]) for r in self._read("done_since", since=midnight)}
        failed = {r["queue"]: int(r["n"]) for r in self._read("failed_attempts_since", since=midnight)}
        oldest = alert_store.oldest_new(self.backend)
        return [QueueRow(spec.name, stats.get(spec.name, {}).get("new", 0),
                         stats.get(spec.name, {}).get("in_progress", 0), stats.get(spec.name, {}).get("manual", 0),
                         done.get(spec.name, 0), failed.get(spec.name, 0), oldest.get(spec.name), spec.sla_seconds)
                for spec in self.backend.queues()]

    # -- runs and alerts -----------------------------------------------------------------------

    def runs(self, limit: int = 15) -> list[RunView]:
        """Running runs first, then the most recent, each with its steps."""
        store = RunStore(self.backend)
        records = store.list(limit=limit)
        records.sort(key=lambda r: (r.status != "running", -r.started_at.timestamp()))
        return [RunView(r, store.children(r.id)) for r in records]

    def alerts(self, limit: int = 30) -> list[alert_store.Alert]:
        """Open alerts first, then the latest acknowledged or resolved ones."""
        rows = alert_store.alerts(self.backend, limit=limit)
        return sorted(rows, key=lambda a: (not a.open, -a.last_seen_at.timestamp()))

    # -- chart series --------------------------------------------------------------------------

    def outcomes_per_day(self, now: datetime, days: int = CHART_DAYS) -> list[tuple[date, int, int, int]]:
        """(Copenhagen day, done by the robot, to manual, failed attempts) for the last ``days`` days."""
        first = start_of_day(now) - timedelta(days=days - 1)
        totals: dict[date, list[int]] = {first.date() + timedelta(days=i): [0, 0, 0] for i in range(days)}
        for row in self._read("outcomes_by_hour", since=first):
            day = _utc_bucket(row["bucket"]).astimezone(COPENHAGEN).date()
            if day in totals:
                for i, key in enumerate(("done", "manual", "failed")):
                    totals[day][i] += int(row[key] or 0)
        return [(day, *values) for day, values in totals.items()]  # type: ignore[misc]

    def automation_per_month(self, now: datetime,
                             months: int = CHART_MONTHS) -> tuple[list[str], dict[str, dict[str, float]]]:
        """Months ("2026-11") and per process the share done by the robot of what it finished or handed over.

        Counted from hourly UTC rows put in their Copenhagen month (offsets are whole hours, so an
        event just after midnight on the 1st counts in the new month on both backends).
        """
        month_keys = _last_months(now, months)
        since = datetime(int(month_keys[0][:4]), int(month_keys[0][5:]), 1, tzinfo=COPENHAGEN)
        counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for row in self._read("outcomes_by_hour", since=since):
            key = f"{_utc_bucket(row['bucket']).astimezone(COPENHAGEN):%Y-%m}"
            if key in month_keys:
                pair = counts[row["queue"].split(".", 1)[0]][key]
                pair[0] += int(row["done"] or 0)
                pair[1] += int(row["manual"] or 0)
        rates = {process: {m: 100.0 * d / (d + h) for m, (d, h) in per_month.items() if d + h}
                 for process, per_month in sorted(counts.items())}
        return month_keys, rates

    def processing_times(self, now: datetime, days: int = CHART_DAYS, limit: int = 50_000) -> list[tuple[str, int]]:
        """How many items the robot finished in each duration bin (claim to done, last attempt)."""
        bins = [0] * len(DURATION_BINS)
        for row in self._read("processing_seconds", since=now - timedelta(days=days), limit=limit):
            seconds = float(row["seconds"] or 0)
            bins[next(i for i, (upper, _) in enumerate(DURATION_BINS) if seconds < upper)] += 1
        return [(label, n) for (_, label), n in zip(DURATION_BINS, bins, strict=True)]

    def charts(self, now: datetime) -> dict[str, Any]:
        """The three charts as SVG."""
        per_day = self.outcomes_per_day(now)
        series = [("Færdige (robot)", charts.SERIES_COLOURS["done"]), ("Til manuel", charts.SERIES_COLOURS["manual"]),
                  ("Fejlede forsøg", charts.SERIES_COLOURS["failed"])]
        months, rates = self.automation_per_month(now)
        processes = list(rates)
        times = self.processing_times(now)
        return {
            "per_day": charts.stacked_bars(
                f"Sager pr. dag, seneste {CHART_DAYS} dage", [charts.Bar(d.strftime("%d/%m"), (a, b, c))
                                                             for d, a, b, c in per_day],
                series, y_caption="sager"),
            "automation": charts.grouped_bars(
                "Automatiseringsgrad pr. proces og måned",
                [charts.Bar(fmt.month(m), tuple(rates[p].get(m, float("nan")) for p in processes)) for m in months],
                processes or ["ingen"], unit=" %", top=100.0, y_caption="færdige af robotten"),
            "durations": charts.stacked_bars(
                f"Behandlingstid pr. sag, seneste {CHART_DAYS} dage", [charts.Bar(label, (n,)) for label, n in times],
                [("Sager", charts.PALETTE[0])], y_caption="sager", x_caption="tid fra start til færdig"),
            "has_automation": bool(processes),
        }


def start_of_day(now: datetime) -> datetime:
    """Midnight of ``now``'s day in Copenhagen, as an aware datetime."""
    local = now.astimezone(COPENHAGEN)
    return datetime(local.year, local.month, local.day, tzinfo=COPENHAGEN)


def _utc_bucket(text: str) -> datetime:
    """'2026-05-31T22' (an hour) as an aware UTC datetime."""
    return datetime.fromisoformat(f"{text}:00:00").replace(tzinfo=UTC)


def _last_months(now: datetime, months: int) -> list[str]:
    local = now.astimezone(COPENHAGEN)
    year, month = local.year, local.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


__all__ = ["Dashboard", "QueueRow", "RunView", "start_of_day"]
