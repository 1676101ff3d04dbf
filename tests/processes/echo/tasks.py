"""Steps of the echo process. Payload keys steer what happens: see ``work``."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from robots.queue import NewItem, WorkItem
from robots.runtime import ApplicationError, BusinessError, StepContext

from . import PROCESS


@PROCESS.producer(output="test_echo.input")
def produce(ctx: StepContext) -> Iterable[NewItem]:
    """Items from ECHO_ITEMS (a count), references stable so a second run adds nothing."""
    for n in range(int(os.environ.get("ECHO_ITEMS", "10"))):
        yield NewItem(f"echo-{n:04d}", {"n": n})


@PROCESS.consumer(queue="test_echo.input", output="test_echo.output")
def work(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Echo the payload; 'business', 'fail_times', 'sleep', 'sleep_first', 'cpr_error' steer the outcome."""
    p = item.payload
    if p.get("sleep"):
        time.sleep(p["sleep"])
    if p.get("sleep_first") and item.attempts == 1:
        time.sleep(p["sleep_first"])
    if p.get("business"):
        raise BusinessError(p["business"], f"case {item.reference} is outside the rules")
    if item.attempts <= p.get("fail_times", 0):
        raise ApplicationError("flaky", f"system failed on attempt {item.attempts}")
    if p.get("cpr_error"):
        def deep(cpr: str) -> None:
            raise ValueError(f"employee {cpr} not found in payroll")
        deep(p["cpr_error"])
    ctx.emit(f"{item.reference}/out", {"n": p.get("n")})
    return {"echo": p, "attempt": item.attempts}


@PROCESS.consumer(queue="test_echo.pages", browser=True)
def browse(ctx: StepContext, item: WorkItem) -> dict[str, Any]:
    """Show the payload's HTML in the browser; fail when asked, to prove evidence capture."""
    page = ctx.session.page()
    page.set_content(f"<html><body><h1>{item.payload.get('title', '')}</h1></body></html>")
    if item.payload.get("fail"):
        raise ApplicationError("page_broken", f"the page for {item.reference} did not load")
    return {"title": page.inner_text("h1"), "page_id": id(page)}
