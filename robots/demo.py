"""The demo job on the embedded default: load a sample batch, run a consumer, report.

It exercises the queue the way a robot does: a producer adds a batch (twice, to show that a
re-run adds nothing), a consumer claims items, completes the simple ones, sends the ones outside
the rules to manual with a reason, and retries the ones that hit a (simulated) system error.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .cpr import synthetic
from .queue import ErrorKind, NewItem, QueueBackend, worker_id
from .timeutil import now

PAYSLIPS = "demo.payslips"
LETTERS = "demo.letters"


@dataclass
class DemoReport:
    batch: str
    loaded: int
    reloaded_added: int
    reloaded_skipped: int
    outcomes: Counter[str] = field(default_factory=Counter)
    manual_reasons: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    letters: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch, "loaded": self.loaded,
            "reload": {"added": self.reloaded_added, "skipped": self.reloaded_skipped},
            "outcomes": dict(self.outcomes), "manual_reasons": dict(self.manual_reasons),
            "retries": self.retries, "letters_queued": self.letters, "seconds": round(self.seconds, 3),
        }


def sample_batch(batch: str, size: int, seed: int = 7) -> list[NewItem]:
    """Payslip checks for synthetic employees: most simple, some outside the rules."""
    rng = random.Random(seed)
    items = []
    for n in range(size):
        net_pay = rng.randint(18_000_00, 42_000_00)
        kind = "ok"
        if n % 25 in (3, 17):  # 8 %: negative net pay
            net_pay = -rng.randint(100_00, 9_000_00)
            kind = "negative"
        elif n % 25 == 9:  # 4 %: the system is busy once, then fine
            kind = "flaky"
        elif n % 50 == 23:  # 2 %: the system fails every time
            kind = "broken"
        items.append(NewItem(
            reference=f"{batch}:{n:05d}",
            payload={"cpr": synthetic(rng), "net_pay_ore": net_pay, "scenario": kind,
                     "watch_list": n % 20 == 11},  # 5 %: kept from the robot
            priority=1 if n % 10 == 4 else 0,
        ))
    return items


class _SystemBusy(Exception):
    pass


def check_payslip(payload: dict[str, Any], attempt: int) -> dict[str, Any]:
    """The demo's 'legacy system' call plus rule: raises for errors, returns the output."""
    if payload["scenario"] == "broken" or (payload["scenario"] == "flaky" and attempt == 1):
        raise _SystemBusy("payroll system answered 'system busy, try again later'")
    return {"net_pay_ore": payload["net_pay_ore"], "checked_at": now().isoformat()}


def run_demo(backend: QueueBackend, size: int = 200) -> DemoReport:
    """Load a batch, consume it until nothing is left to do now, and report what happened."""
    batch = now().strftime("demo-%Y%m%dT%H%M%S%f")
    items = sample_batch(batch, size)
    first = backend.add(PAYSLIPS, items, actor="demo-producer")
    again = backend.add(PAYSLIPS, items, actor="demo-producer")
    report = DemoReport(batch, len(first.added), len(again.added), len(again.skipped))
    ours = set(first.added.values())
    worker = worker_id("demo")
    started = time.perf_counter()
    while True:
        item = backend.claim_one(PAYSLIPS, worker)
        if item is None:
            waiting = [i for i in backend.items(queue=PAYSLIPS, status="new", limit=size) if i.id in ours]
            if not waiting:
                break
            time.sleep(0.05)  # items in backoff: wait for them
            continue
        if item.id not in ours:  # an earlier batch's leftovers: leave them for their own run
            backend.release(item.id, worker, "demo only works its own batch")
            continue
        payload = item.payload
        if payload.get("watch_list"):
            backend.fail(item.id, worker, ErrorKind.BUSINESS, "watch_list",
                         "the employee is on the watch list: a caseworker handles this case")
            continue
        if payload["net_pay_ore"] < 0:
            backend.fail(item.id, worker, ErrorKind.BUSINESS, "negative_pay",
                         f"net pay is negative ({payload['net_pay_ore'] / 100:.2f} kr.)")
            continue
        try:
            output = check_payslip(payload, item.attempts)
        except _SystemBusy as exc:
            report.retries += 1
            backend.fail(item.id, worker, ErrorKind.APPLICATION, "system_busy", str(exc))
            continue
        if item.priority > 0:
            backend.add(LETTERS, [NewItem(f"{item.reference}/letter", {"cpr": payload["cpr"]},
                                          parent_id=item.id)], actor=worker)
            report.letters += 1
        backend.complete(item.id, worker, output)
    report.seconds = time.perf_counter() - started
    for item_id in ours:
        item = backend.get(item_id)
        report.outcomes[item.status.value] += 1
        if item.manual_reason:
            report.manual_reasons[item.manual_reason] += 1
    return report
