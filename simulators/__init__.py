"""Simulated legacy systems for the robots: payroll, debtor and benefits web UIs, and the income
register, ESDH archive, self-service inbox and digital post JSON APIs, all on one port.

    from simulators import start_simulators
    sims = start_simulators(seed=1, employees=200)   # a free port on 127.0.0.1
    sims.url("payroll")        # 'http://127.0.0.1:PORT/payroll/'
    sims.state.invoices        # the live state, for tests
    sims.stop()
"""

from .server import Simulators, build_app, start_simulators
from .settings import API_SYSTEMS, SYSTEMS, UI_SYSTEMS, FaultSettings, SimSettings
from .state import SimState
from .util import cvr_valid, make_cvr

__all__ = [
    "API_SYSTEMS",
    "SYSTEMS",
    "UI_SYSTEMS",
    "FaultSettings",
    "SimSettings",
    "SimState",
    "Simulators",
    "build_app",
    "cvr_valid",
    "make_cvr",
    "start_simulators",
]
