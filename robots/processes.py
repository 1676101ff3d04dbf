"""The registry of automated processes: packages under ``processes/`` that define themselves.

A process package's ``__init__.py`` exposes ``PROCESS`` (a :class:`robots.runtime` definition
once the runtime lands). Until then the registry only collects the queues they declare.
"""

from __future__ import annotations

import importlib
import pkgutil

from .queue import QueueBackend, QueueSpec


def process_modules() -> list[str]:
    """Names of the process packages (``processes.<name>``), the template excluded."""
    try:
        import processes
    except ImportError:
        return []
    return sorted(
        f"processes.{m.name}" for m in pkgutil.iter_modules(processes.__path__)
        if m.ispkg and not m.name.startswith("_")
    )


def declared_queues() -> list[QueueSpec]:
    """Every queue the process packages declare (``QUEUES`` or ``PROCESS.queues``)."""
    specs: list[QueueSpec] = []
    for name in process_modules():
        module = importlib.import_module(name)
        process = getattr(module, "PROCESS", None)
        specs.extend(getattr(process, "queues", None) or getattr(module, "QUEUES", []))
    return specs


def define_queues(backend: QueueBackend, extra: list[QueueSpec] | None = None) -> list[str]:
    """Define every queue the process packages (and ``extra``) and conf/queues.toml declare (conf wins)."""
    from .config import queue_specs

    specs = {spec.name: spec for spec in [*declared_queues(), *(extra or [])]}
    specs.update({spec.name: spec for spec in queue_specs()})
    for spec in specs.values():
        backend.define_queue(spec)
    return sorted(specs)
