"""The benchmark's comparisons: medians over rounds, and each round's own ratio beside them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "queue_bench.py"


@pytest.fixture(scope="module")
def qb() -> ModuleType:
    spec = importlib.util.spec_from_file_location("queue_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["queue_bench"] = module
    spec.loader.exec_module(module)
    return module


def bench_with(qb: ModuleType, rates: dict[str, list[float | None]]) -> object:
    """A Bench holding, per key, one result per round (None: that round's run failed)."""
    bench = qb.Bench(items=1000, workers=4, batch=10, phase_seconds=1, budget=1, competitors=True,
                     pg_url="", backends=["postgresql"], rounds=max(len(v) for v in rates.values()))
    for key, per_round in rates.items():
        for n, rate in enumerate(per_round, start=1):
            ok = rate is not None
            bench.results.append(qb.Result(key, key, "phase", 4, 1, 1000 if ok else 0, 1000,
                                           1000 / rate if ok else 0.0, ok, round=n))
    return bench


def test_the_ratio_is_of_medians_and_each_round_is_paired_with_its_own(qb: ModuleType) -> None:
    bench = bench_with(qb, {
        "postgresql.claim4": [3000.0, 3500.0, 2500.0],
        "procrastinate.jobs4": [600.0, 800.0, 700.0],
    })
    (single,) = [c for c in bench.comparisons() if "single-item" in c["comparison"]]
    assert single["ours"] == 3000.0 and single["theirs"] == 700.0
    assert single["ratio"] == round(3000 / 700, 2)
    assert single["ratios_by_round"] == [5.0, 4.38, 3.57]
    assert single["met"] is False  # 4.29x < 5x: the median decides, not the best round


def test_a_failed_round_counts_on_neither_side_of_its_pair(qb: ModuleType) -> None:
    bench = bench_with(qb, {
        "postgresql.claim4": [3000.0, None, 3600.0],
        "procrastinate.jobs4": [600.0, 500.0, 600.0],
    })
    (single,) = [c for c in bench.comparisons() if "single-item" in c["comparison"]]
    assert single["ours"] == 3300.0  # median of the two successful rounds
    assert single["ratios_by_round"] == [5.0, 6.0]
    assert single["met"] is True


def test_log_flushes_per_item_are_shown_only_where_they_were_counted(qb: ModuleType) -> None:
    bench = qb.Bench(items=1000, workers=4, batch=10, phase_seconds=1, budget=1, competitors=True,
                     pg_url="", backends=["sqlite", "postgresql"])
    bench.results += [qb.Result("sqlite.claim4", "ours (SQLite)", "claim", 4, 1, 1000, 1000, 0.2, True),
                      qb.Result("postgresql.claim4", "ours (PostgreSQL)", "claim", 4, 1, 1000, 1000, 0.3, True,
                                wal_flushes=613)]
    sqlite, pg = (r.to_dict() for r in bench.results)
    assert sqlite["wal_flushes_per_item"] is None
    assert pg["wal_flushes_per_item"] == 0.61
    rows = {line.split()[2]: line for line in bench.table().splitlines() if line.strip().startswith("1  ours")}
    assert "0.61" in rows["(PostgreSQL)"] and "0.61" not in rows["(SQLite)"]
