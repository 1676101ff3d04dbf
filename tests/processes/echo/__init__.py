"""A tiny process for the runtime's own tests: no legacy system, behaviour driven by the payload."""

from robots.queue import QueueSpec
from robots.runtime import Process

PROCESS = Process(
    "echo", "Echo (runtime tests)",
    queues=[
        QueueSpec("test_echo.input", max_attempts=3, lease_seconds=5, backoff_seconds=0.1, backoff_max_seconds=0.5),
        QueueSpec("test_echo.output", max_attempts=2),
        QueueSpec("test_echo.pages", max_attempts=2, backoff_seconds=0),
    ],
)
