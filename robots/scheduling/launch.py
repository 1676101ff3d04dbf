"""``python -m robots.scheduling.launch``: one run started by the scheduler, in a process of its own.

The scheduler's jobs run on threads; a run (robots.runtime.runner) forwards SIGTERM to its step
processes, which only the main thread of a process can arrange. So every scheduled run, and every
set of workers a queue trigger starts, is this small program, whose main thread runs it. It prints
the run's summary as one JSON line on stdout and exits 0, or 1 when the run failed (2: it could not
start).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..config import ConfigError, queue_specs
from ..queue import QueueError, connect
from ..runtime.process import load_process
from ..runtime.runner import run_process, run_workers


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m robots.scheduling.launch")
    parser.add_argument("process")
    parser.add_argument("--trigger", required=True)
    parser.add_argument("--started-by", required=True)
    parser.add_argument("--step")
    parser.add_argument("--workers", type=int, help="unattended workers until the queue is empty (a queue trigger)")
    parser.add_argument("--max-items", type=int)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        process = load_process(args.process)
        with connect() as backend:
            configured = {spec.name: spec for spec in queue_specs()}
            for spec in process.queues:  # this process's queues only: another process's state is not our business
                backend.define_queue(configured.get(spec.name, spec))
            if args.workers:
                summary = run_workers(process, backend, step=args.step, processes=args.workers,
                                      max_items=args.max_items, until_empty=True, trigger=args.trigger,
                                      started_by=args.started_by)
            else:
                summary = run_process(process, backend, step=args.step, trigger=args.trigger,
                                      started_by=args.started_by, max_items=args.max_items)
    except (ConfigError, QueueError) as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    print(json.dumps(summary.to_dict(), default=str))
    return 1 if summary.run.status == "failed" else 0


if __name__ == "__main__":
    sys.exit(main())
