"""A tiny robot for the adapter test: one consumer step written against plain ``robocorp.workitems``.

What it does with an item is chosen by ``payload["action"]``:

- ``output``: creates two outputs, the second with a produced file; with ``fail_once_after_output``
  the first attempt then fails with an application error (a repeated attempt must not duplicate them)
- ``watchlist``: business exception WATCHLIST (to manual handling)
- ``crash``: application exception (retried with backoff, manual when attempts run out)
- ``slow``: works longer than the queue's lease (the adapter's heartbeat must keep it)
- anything else: reads the attached ``note.txt``, saves what it read in the payload, completes
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from robocorp import workitems
from robocorp.tasks import task


@task
def consume() -> None:
    workdir = Path(os.environ["FIXTURE_WORKDIR"])
    for item in workitems.inputs:
        with item:  # the boundary where Business/ApplicationException fail the item (robocorp docs)
            _handle(item, workdir)


def _handle(item: workitems.Input, workdir: Path) -> None:
    payload = item.payload
    action = payload.get("action")
    if action == "output":
        workitems.outputs.create({"employee": payload["employee"], "kind": "summary"})
        letter = workdir / f"letter-{payload['employee']}.bin"
        letter.write_bytes(b"%PDF-1.4 letter for " + str(payload["employee"]).encode() + bytes(range(256)))
        workitems.outputs.create({"employee": payload["employee"], "kind": "letter"}, files=[letter])
        marker = workdir / f"failed-once-{item.id}"
        if payload.get("fail_once_after_output") and not marker.exists():
            marker.touch()
            raise workitems.ApplicationException("system went away after the outputs", code="SESSION_LOST")
    elif action == "watchlist":
        raise workitems.BusinessException(code="WATCHLIST",
                                          message=f"employee {payload['cpr']} is on the watch list")
    elif action == "crash":
        raise workitems.ApplicationException("payroll system answered HTTP 500", code="HTTP_500")
    elif action == "slow":
        time.sleep(float(payload["seconds"]))
    else:
        path = item.get_file("note.txt", workdir / f"note-{item.id}.txt")
        item.payload = {**payload, "note": path.read_text(encoding="utf-8")}
        item.save()
        item.done()
