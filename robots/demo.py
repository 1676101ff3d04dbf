"""The main job on the embedded default: the automated processes against the simulated systems.

``robots demo`` starts the simulated legacy systems on the port ``conf/settings.toml [systems]``
points at (or uses the ones already running there), signs the robots in with the simulators'
login, and runs each process of ``conf/demo.toml`` once, as ``robots run`` does: every step a
robocorp task in its own process, on the queue database (``queue/robots.sqlite3`` by default).
It prints each run's summary: items per outcome, the automation rate and where the manual items
are. Running it again adds no items twice (references are business keys).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from . import watchlist
from .config import read_toml, settings, validate
from .credentials import KeyMissing, list_credentials, set_credential
from .paths import conf_dir
from .processes import define_queues
from .queue import QueueBackend
from .runtime.process import OVERLAY_ENV, config_overlay, load_process
from .runtime.runner import RunSummary, run_process


class DemoSimulators(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int = 1
    employees: int = Field(300, ge=10, le=100_000)
    citizens: int = Field(120, ge=5, le=50_000)
    docs_per_file: int = Field(8, ge=1, le=60)
    faults: str = Field("demo", pattern="^(off|demo)$")


class DemoWatchList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_simulator: bool = True
    reason: str = Field("Demo: sagen følges af jobcentret", min_length=1)


class DemoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    processes: list[str] = Field(min_length=1)
    simulators: DemoSimulators = DemoSimulators()
    watch_list: DemoWatchList = DemoWatchList()
    process_config: dict[str, dict[str, Any]] = Field(default_factory=dict)


def demo_config() -> DemoConfig:
    path = conf_dir() / "demo.toml"
    return validate(DemoConfig, read_toml(path), path)


@dataclass
class DemoReport:
    simulators: str
    started_simulators: bool
    runs: list[RunSummary] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    credentials: str = ""
    watch_list: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"simulators": self.simulators, "started_simulators": self.started_simulators,
                "runs": [r.to_dict() for r in self.runs], "skipped": self.skipped, "seconds": round(self.seconds, 3),
                "credentials": self.credentials, "watch_list": self.watch_list}


def _simulator_address() -> tuple[str, int, str]:
    url = urlsplit(settings().systems.payroll)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    return host, port, f"{url.scheme}://{host}:{port}"


def _running(base: str) -> bool:
    try:
        return httpx.get(f"{base}/_sim/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def start_or_reuse_simulators(cfg: DemoSimulators) -> tuple[Any, str]:
    """The simulators at the configured address: started here (returned) or already running (None)."""
    host, port, base = _simulator_address()
    if _running(base):
        return None, base
    from simulators import FaultSettings, start_simulators

    faults = FaultSettings.demo() if cfg.faults == "demo" else FaultSettings.off()
    sims = start_simulators(host=host, port=port, seed=cfg.seed, employees=cfg.employees, citizens=cfg.citizens,
                            docs_per_file=cfg.docs_per_file, faults=faults)
    return sims, base


SYSTEMS = ("payroll", "debtor", "benefits", "eincome", "esdh", "inbox", "post")


def store_simulator_logins(backend: QueueBackend, login: tuple[str, str], processes: list[str]) -> str:
    """The simulators' login as the store's credentials, granted to the demo's processes.

    Without an encryption key (``robots credentials new-key``; scripts/setup.sh makes one) the demo
    says so and signs in from the environment instead.
    """
    user, password = login
    try:
        stored = {c.name: c for c in list_credentials(backend)}
        for system in SYSTEMS:
            granted = set(stored[system].allowed) if system in stored else set()
            set_credential(backend, system, user, password, sorted(granted | set(processes)), actor="robots demo")
        return "credential store"
    except KeyMissing as exc:
        os.environ.setdefault("ROBOTS_CREDENTIAL_DEFAULT", f"{user}:{password}")
        return f"environment ({exc})"


def seed_watch_list(backend: QueueBackend, base: str, cfg: DemoWatchList) -> str:
    """Put the simulator's watch-list candidates on the flex wage watch list, as caseworkers would.

    In production caseworkers keep the list (desk or ``robots watchlist add``); the demo takes the
    citizens the simulated jobcentre follows from the simulator's ground truth, so its summary shows
    the share the watch list keeps away. Already listed citizens stay as they are.
    """
    if not cfg.from_simulator:
        return "not seeded (demo.toml [watch_list] from_simulator = false)"
    try:
        response = httpx.get(f"{base}/_sim/truth/flex", timeout=10)
        response.raise_for_status()
        candidates = response.json()["watch_list_candidates"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        return f"not seeded: {base} gives no simulator ground truth ({type(exc).__name__})"
    added = sum(watchlist.add(backend, cpr, cfg.reason, actor="robots demo").changed for cpr in candidates)
    return f"{len(candidates)} citizens from the simulator ({added} added now)"


@contextmanager
def process_config_overlay(overrides: dict[str, dict[str, Any]]) -> Iterator[None]:
    """demo.toml's [process_config] over conf/processes/*.toml for the demo's runs (their subprocesses too)."""
    before = os.environ.get(OVERLAY_ENV)
    merged = {**config_overlay()}
    for name, values in overrides.items():
        merged[name] = {**merged.get(name, {}), **values}
    os.environ[OVERLAY_ENV] = json.dumps(merged, ensure_ascii=False)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(OVERLAY_ENV, None)
        else:
            os.environ[OVERLAY_ENV] = before


def run_demo(backend: QueueBackend, only: list[str] | None = None,
             on_run: Callable[[RunSummary], None] | None = None) -> DemoReport:
    """Run the demo's processes once each against the simulators; their summaries."""
    cfg = demo_config()
    started = time.perf_counter()
    sims, base = start_or_reuse_simulators(cfg.simulators)
    report = DemoReport(base, sims is not None)
    names = only or cfg.processes
    if sims is not None:  # our own simulators: their login goes into the credential store
        report.credentials = store_simulator_logins(backend, sims.credentials, names)
    try:
        if "flex_wage" in names:
            report.watch_list = seed_watch_list(backend, base, cfg.watch_list)
        with process_config_overlay(cfg.process_config):
            for name in names:
                try:
                    process = load_process(name)
                    process.config()  # a bad [process_config] value is named before anything runs
                except Exception as exc:  # a process not built (yet) or broken: say so, go on
                    report.skipped[name] = str(exc)
                    continue
                define_queues(backend, extra=process.queues)
                summary = run_process(process, backend, trigger="operator", started_by="robots demo")
                report.runs.append(summary)
                if on_run:
                    on_run(summary)
    finally:
        if sims is not None:
            sims.stop()
    report.seconds = time.perf_counter() - started
    return report


__all__ = ["DemoReport", "demo_config", "run_demo"]
