"""What a process is: a name, its queues, its steps, its configuration model, its schedule.

A process package (``processes/<name>/__init__.py``) builds one :class:`Process` named
``PROCESS``; its ``tasks.py`` registers the step handlers with the decorators below, which also
make each step a ``robocorp.tasks`` task (so robot.yaml and ``python -m robocorp.tasks run``
work as for any robocorp robot)::

    PROCESS = Process("flex_wage", "Flex wage subsidy", config_model=FlexWageConfig)

    @PROCESS.producer(output="flex_wage.calculate")
    def produce(ctx: StepContext) -> Iterable[NewItem]: ...

    @PROCESS.consumer(queue="flex_wage.calculate", browser=True)
    def calculate(ctx: StepContext, item: WorkItem) -> dict: ...
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from ..config import ConfigError, read_toml, validate
from ..paths import conf_dir, home
from ..queue import NewItem, QueueSpec, WorkItem

if TYPE_CHECKING:
    from .context import StepContext

# The Danish labels of the manual reasons the queue itself gives (robots/queue/states.py), which
# any process's items can carry; a process's own labels are ``Process.reasons``.
SHARED_REASONS: dict[str, str] = {
    "retries_exhausted": "Systemfejl – forsøg opbrugt",
    "abandoned": "Robotten stoppede midt i sagen",
}

Producer = Callable[["StepContext"], Iterable[NewItem]]
Consumer = Callable[["StepContext", WorkItem], dict[str, Any] | None]


class ProcessConfig(BaseModel):
    """Base of every process's configuration model (conf/processes/<name>.toml).

    ``max_consecutive_application_errors``: after this many application errors in a row the run
    stops (the system is probably down) and leaves the remaining items untouched.
    """

    model_config = ConfigDict(extra="forbid")
    max_consecutive_application_errors: int = 5
    idle_poll_seconds: float = 2.0
    retry_attempts: int = 3
    retry_wait_seconds: float = 0.5


@dataclass
class Step:
    name: str
    kind: str  # "producer" | "consumer"
    handler: Callable[..., Any]
    queue: str | None = None  # input queue (consumers)
    output: str | None = None  # where emitted items go
    browser: bool = False
    doc: str = ""


@dataclass
class Process:
    name: str
    title: str
    config_model: type[ProcessConfig] = ProcessConfig
    queues: list[QueueSpec] = field(default_factory=list)
    schedule: str | None = None  # default cron (Europe/Copenhagen), overridable in conf/schedules.toml
    steps: dict[str, Step] = field(default_factory=dict)
    module: str = ""  # the package, e.g. "processes.flex_wage" (set on load or first step)
    # Danish labels of the manual reason codes this process raises (processes/<name>/reasons.py),
    # for the caseworker's desk and the process's own reports alike.
    reasons: dict[str, str] = field(default_factory=dict)

    def reason_label(self, code: str | None) -> str:
        """A manual reason code as a person reads it: this process's label, a shared one, or the code."""
        if not code:
            return ""
        return self.reasons.get(code) or SHARED_REASONS.get(code) or code

    # -- declaring ---------------------------------------------------------------------------

    def producer(
        self, *, output: str, name: str | None = None, browser: bool = False
    ) -> Callable[[Producer], Producer]:
        """A step that reads a source system and adds one item per case to ``output``."""
        return self._register("producer", name, None, output, browser)

    def consumer(self, *, queue: str, output: str | None = None, name: str | None = None,
                 browser: bool = False) -> Callable[[Consumer], Consumer]:
        """A step that works the items of ``queue`` one by one (returns the item's output)."""
        return self._register("consumer", name, queue, output, browser)

    def _register(self, kind: str, name: str | None, queue: str | None, output: str | None,
                  browser: bool) -> Callable[[Any], Any]:
        def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
            step_name = name or handler.__name__
            self.module = self.module or handler.__module__.rsplit(".", 1)[0]
            doc = (handler.__doc__ or "").strip().splitlines()
            self.steps[step_name] = Step(step_name, kind, handler, queue, output, browser, doc[0] if doc else "")
            _robocorp_task(self, step_name, handler)
            return handler

        return decorate

    # -- reading -----------------------------------------------------------------------------

    def step(self, name: str) -> Step:
        self.load_steps()
        if name not in self.steps:
            known = ", ".join(self.steps) or "none"
            raise ConfigError(f"process {self.name!r} has no step {name!r} (steps: {known})")
        return self.steps[name]

    def load_steps(self) -> dict[str, Step]:
        """Import the process's tasks module (which registers the steps) once."""
        if not self.steps:
            importlib.import_module(f"{self.module}.tasks")
        return self.steps

    def config_path(self) -> Path:
        return conf_dir() / "processes" / f"{self.name}.toml"

    def config(self) -> ProcessConfig:
        """The process's configuration, validated; defaults when it has no file.

        ``ROBOTS_PROCESS_CONFIG`` (JSON ``{"<process>": {"key": value}}``) lays values over the file
        for one run without editing it: ``robots demo`` uses it for its ``[process_config]``.
        """
        path = self.config_path()
        data = read_toml(path) if path.exists() else {}
        overlay = config_overlay().get(self.name)
        if overlay:
            data = {**data, **overlay}
            path = Path(f"{path} (with {OVERLAY_ENV})")
        return validate(self.config_model, data, path)

    def tasks_file(self) -> Path:
        return Path(importlib.import_module(self.module).__file__).with_name("tasks.py")  # type: ignore[arg-type]


OVERLAY_ENV = "ROBOTS_PROCESS_CONFIG"


def config_overlay() -> dict[str, dict[str, Any]]:
    """The per-process values of ``ROBOTS_PROCESS_CONFIG``; a malformed value is refused by name."""
    raw = os.environ.get(OVERLAY_ENV, "").strip()
    if not raw:
        return {}
    try:
        overlay = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{OVERLAY_ENV}: not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(overlay, dict) or not all(isinstance(v, dict) for v in overlay.values()):
        raise ConfigError(f'{OVERLAY_ENV}: expected {{"<process>": {{"key": value}}}}, got {raw[:80]!r}')
    return overlay


def _robocorp_task(process: Process, step_name: str, handler: Callable[..., Any]) -> None:
    """Make the step a robocorp task named after it, whose body runs the step with the worker."""
    from robocorp.tasks import task

    def entry() -> None:
        from .worker import run_step_from_env

        run_step_from_env(process, step_name)

    # robocorp names a task after its code object: give the entry the step's name and file.
    entry.__code__ = entry.__code__.replace(co_name=step_name, co_qualname=step_name,
                                            co_filename=handler.__code__.co_filename)
    entry.__name__ = entry.__qualname__ = step_name
    entry.__module__ = handler.__module__
    entry.__doc__ = handler.__doc__
    task(entry)


def load_process(name: str) -> Process:
    """The process called ``name``: ``processes.<name>``, or a dotted module path for tests."""
    module_name = name if "." in name else f"processes.{name}"
    if str(home()) not in sys.path:  # the checkout's packages (tests' processes too), as robocorp sees them
        sys.path.append(str(home()))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            from ..processes import process_modules

            known = ", ".join(m.removeprefix("processes.") for m in process_modules()) or "none"
            raise ConfigError(f"unknown process {name!r} (processes: {known})") from None
        raise
    process = getattr(module, "PROCESS", None)
    if not isinstance(process, Process):
        raise ConfigError(f"{module_name} does not define PROCESS = Process(...)")
    process.module = module_name
    return process


__all__ = ["OVERLAY_ENV", "Process", "ProcessConfig", "Step", "config_overlay", "load_process", "tomllib"]
