"""Fixtures for every test: the simulated legacy systems (``simulators``, ``make_simulators``) and
a private robot environment pointed at them (``robot_env``)."""

pytest_plugins = ["simulators.pytest_plugin", "robots.testing"]
