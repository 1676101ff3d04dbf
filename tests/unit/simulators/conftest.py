"""Shared populations for the simulator unit tests (generated once per session)."""

from __future__ import annotations

import pytest

from simulators import SimSettings, SimState
from simulators.pytest_plugin import small_settings


@pytest.fixture(scope="session")
def full_state() -> SimState:
    """The default population (2,000 employees, 750 citizens): volumes and proportions."""
    return SimState(SimSettings(password="x"))


@pytest.fixture(scope="session")
def small_state() -> SimState:
    """The small test population (120 employees, 60 citizens)."""
    return SimState(small_settings())
