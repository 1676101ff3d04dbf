"""``robots sim start``: serve the simulated legacy systems until Ctrl-C.

The lead registers the ``sim`` group in the ``robots`` CLI; ``python -m simulators.cli start`` works too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import sys
import time
from datetime import date

import click
import uvicorn

from .server import build_app
from .settings import SYSTEMS, FaultSettings, SimSettings
from .state import SimState


@click.group(name="sim")
def sim() -> None:
    """The simulated legacy systems (payroll, debtor, benefits, eIndkomst, ESDH, inbox, digital post)."""


@sim.command("start")
@click.option("--port", default=8700, show_default=True, type=int, help="Port for all systems.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the generated population.")
@click.option("--employees", default=2000, show_default=True, type=click.IntRange(10, 200_000),
              help="Employees in payroll and ESDH.")
@click.option("--citizens", default=750, show_default=True, type=click.IntRange(5, 100_000),
              help="Citizens in flexjob (benefits, eIndkomst).")
@click.option("--today", default=None, help="Simulated date (åååå-mm-dd); default 2024-10-08.")
@click.option("--release", default=None, help="Release string (changes generated element ids).")
@click.option("--faults/--no-faults", default=False, show_default=True,
              help="Inject the demo's faults (latency, HTTP 500, busy pages, expired sessions).")
def start(port: int, host: str, seed: int, employees: int, citizens: int, today: str | None,
          release: str | None, faults: bool) -> None:
    """Serve every simulated system on one port until Ctrl-C."""
    settings = SimSettings(seed=seed, employees=employees, citizens=citizens,
                           faults=FaultSettings.demo() if faults else FaultSettings.off())
    if today:
        try:
            settings = dataclasses.replace(settings, today=date.fromisoformat(today))
        except ValueError:
            raise click.BadParameter("expected åååå-mm-dd", param_hint="--today") from None
    if release:
        settings = dataclasses.replace(settings, release=release)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    began = time.monotonic()
    state = SimState(settings)
    app = build_app(state)
    summary = state.summary()
    base = f"http://{host}:{port}"
    click.echo(f"Simulated systems, seed {seed}, {summary['payroll']['employees']} employees, "
               f"{summary['benefits']['citizens']} citizens, {summary['esdh']['documents']} documents "
               f"(generated in {time.monotonic() - began:.1f}s), faults {'on' if faults else 'off'}:")
    for system in SYSTEMS:
        click.echo(f"  {system:<9} {base}/{system}/")
    click.echo(f"  control   {base}/_sim/")
    click.echo(f"Login: user {settings.username!r}, password from ROBOTS_SIM_PASSWORD (default 'robot-demo'). "
               "Ctrl-C stops.")
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after a clean shutdown
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sim()
