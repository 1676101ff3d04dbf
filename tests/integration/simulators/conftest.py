"""Fixtures for the simulator integration tests: ``simulators`` and ``make_simulators``.

tests/conftest.py may load ``simulators.pytest_plugin`` for everyone; importing the fixtures here
keeps this directory working either way.
"""

from __future__ import annotations

from simulators.pytest_plugin import make_simulators, simulators

__all__ = ["make_simulators", "simulators"]
