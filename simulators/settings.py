"""Settings of the simulated legacy systems: population size, clock, logins and fault injection."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

#: The systems served, in URL order. UI systems render HTML; the others are JSON APIs.
UI_SYSTEMS = ("payroll", "debtor", "benefits")
API_SYSTEMS = ("eincome", "esdh", "inbox", "post")
SYSTEMS = UI_SYSTEMS + API_SYSTEMS


def _default_password() -> str:
    return os.environ.get("ROBOTS_SIM_PASSWORD", "robot-demo")


@dataclass
class FaultSettings:
    """What goes wrong and how often. All rates are probabilities per request (0..1).

    ``latency_ms`` is a (min, max) delay added to every request; ``error_rate`` answers HTTP 500
    before the request is handled; ``lost_response_rate`` handles the request (the change is made)
    and then answers HTTP 500 anyway; ``busy_rate`` shows the "system busy" page (UI) or HTTP 503
    (API) without handling; ``session_expiry_rate`` ends the session (UI: back to the login page,
    API: 401 invalid_token). ``systems`` limits faults to some systems (empty: all).
    """

    enabled: bool = False
    latency_ms: tuple[int, int] = (0, 0)
    error_rate: float = 0.0
    lost_response_rate: float = 0.0
    busy_rate: float = 0.0
    session_expiry_rate: float = 0.0
    systems: tuple[str, ...] = ()
    seed: int | None = None

    @classmethod
    def off(cls) -> FaultSettings:
        """No faults at all (the default, and what tests not about faults use)."""
        return cls()

    @classmethod
    def demo(cls) -> FaultSettings:
        """The demo's mix: some latency, an occasional error, busy page or expired session."""
        return cls(
            enabled=True,
            latency_ms=(20, 250),
            error_rate=0.02,
            lost_response_rate=0.005,
            busy_rate=0.03,
            session_expiry_rate=0.01,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (lists for tuples)."""
        data = asdict(self)
        data["latency_ms"] = list(self.latency_ms)
        data["systems"] = list(self.systems)
        return data

    def updated(self, changes: dict[str, Any]) -> FaultSettings:
        """A copy with ``changes`` applied; ValueError naming a bad key or value."""
        allowed = set(self.to_dict())
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown fault setting(s): {sorted(unknown)}; allowed: {sorted(allowed)}")
        values = dict(changes)
        if "latency_ms" in values:
            lat = values["latency_ms"]
            if isinstance(lat, int | float):
                lat = (int(lat), int(lat))
            lo, hi = (int(v) for v in lat)
            if lo < 0 or hi < lo:
                raise ValueError("latency_ms must be [min, max] with 0 <= min <= max")
            values["latency_ms"] = (lo, hi)
        for key in ("error_rate", "lost_response_rate", "busy_rate", "session_expiry_rate"):
            if key in values:
                rate = float(values[key])
                if not 0.0 <= rate <= 1.0:
                    raise ValueError(f"{key} must be between 0 and 1, got {rate}")
                values[key] = rate
        if "systems" in values:
            systems = tuple(values["systems"] or ())
            bad = [s for s in systems if s not in SYSTEMS]
            if bad:
                raise ValueError(f"unknown system(s) {bad}; allowed: {list(SYSTEMS)}")
            values["systems"] = systems
        if "enabled" in values:
            values["enabled"] = bool(values["enabled"])
        return replace(self, **values)


@dataclass
class SimSettings:
    """Everything that shapes the simulators. The same settings give the same data, byte for byte.

    ``today`` is the simulated date: the flex wage month, deadlines and statuses are computed from
    it (the default lies in 2024, a year with rates in RULES.md). ``release`` changes the HTML
    element ids (robots must use labels and field names). ``rate_limit_per_second`` applies per
    API token (0: no limit).
    """

    seed: int = 1
    employees: int = 2000
    citizens: int = 750
    docs_per_file: int = 29
    today: date = date(2024, 10, 8)
    municipality: str = "Vesterå Kommune"
    release: str = "2024.2"
    username: str = "robot"
    password: str = field(default_factory=_default_password)
    session_ttl_seconds: int = 1800
    token_ttl_seconds: int = 900
    rate_limit_per_second: int = 100
    page_size: int = 25
    faults: FaultSettings = field(default_factory=FaultSettings)

    def population_key(self) -> tuple[Any, ...]:
        """The settings that decide the generated data (everything else is behaviour)."""
        return (self.seed, self.employees, self.citizens, self.docs_per_file, self.today, self.municipality)
