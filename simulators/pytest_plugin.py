"""Pytest fixtures: the simulated systems on a free port, small population, faults off.

- ``simulators`` (session-scoped): one shared instance (seed 1, 120 employees, 60 citizens).
  Tests that change data should use keys of their own or a fresh instance.
- ``make_simulators`` (function-scoped factory): ``make_simulators(seed=..., employees=..., faults=...)``
  starts a fresh instance and stops it after the test.

Load with ``pytest_plugins = ["simulators.pytest_plugin"]`` in a conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import Simulators
from .settings import FaultSettings, SimSettings

SMALL = {"seed": 1, "employees": 120, "citizens": 60, "docs_per_file": 29}


def small_settings(**overrides: Any) -> SimSettings:
    """Test settings: small population, faults off, a fixed password unless given."""
    values: dict[str, Any] = {**SMALL, "password": "robot-test", "faults": FaultSettings.off()}
    faults = overrides.pop("faults", None)
    if isinstance(faults, FaultSettings):
        values["faults"] = faults
    elif faults is True:
        values["faults"] = FaultSettings.demo()
    elif isinstance(faults, dict):
        values["faults"] = FaultSettings.off().updated(faults)
    values.update(overrides)
    return SimSettings(**values)


@pytest.fixture(scope="session")
def simulators() -> Iterator[Simulators]:
    """The simulated systems for the whole test session (shared state: don't rely on it being fresh)."""
    sims = Simulators(small_settings()).start()
    try:
        yield sims
    finally:
        sims.stop()


@pytest.fixture
def make_simulators() -> Iterator[Callable[..., Simulators]]:
    """A factory for fresh simulators: ``make_simulators(seed=2, employees=50, faults={...})``."""
    started: list[Simulators] = []

    def factory(**overrides: Any) -> Simulators:
        sims = Simulators(small_settings(**overrides)).start()
        started.append(sims)
        return sims

    yield factory
    for sims in started:
        sims.stop()
