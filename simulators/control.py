"""The test-control API under /_sim/: state summaries, fault switches, ground truth, records.

This is not part of any simulated system: robots must never call it. Tests and the demo use it
to switch faults, look at what robots did (e.g. that an invoice exists exactly once) and read the
ground truth of what was planted (e.g. the watch-list candidates).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .api import ApiError
from .model import to_jsonable
from .state import SimState

router = APIRouter()

RECORD_KINDS = ("employees", "citizens", "debtors", "invoices", "pay_lines", "terminations", "negatives",
                "cases", "messages", "documents", "benefit_payments", "events")
RUNTIME_KNOBS = {"rate_limit_per_second": int, "session_ttl_seconds": int, "token_ttl_seconds": int,
                 "release": str, "page_size": int}


def _state(request: Request) -> SimState:
    return request.app.state.sim


def settings_json(state: SimState) -> dict[str, Any]:
    """The settings without the password."""
    data = {f.name: getattr(state.settings, f.name) for f in dataclasses.fields(state.settings)
            if f.name not in ("password", "faults")}
    return to_jsonable(data)


def records(state: SimState, kind: str) -> list[Any]:
    """All records of one kind as plain JSON values (uploaded/sent content as its length)."""
    with state.lock:
        if kind == "benefit_payments":
            return [{"case_no": c.case_no, "cpr": c.cpr, **to_jsonable(p)}
                    for c in state.citizens.values() for p in c.payments]
        if kind == "events":
            return list(state.events)
        source = getattr(state, kind)
        values = source.values() if isinstance(source, dict) else source
        return [to_jsonable(v) for v in values]


@router.get("/")
def index() -> dict[str, Any]:
    """What the control API offers."""
    return {"endpoints": ["GET /_sim/health", "GET /_sim/state", "GET /_sim/settings", "POST /_sim/config",
                          "GET|POST /_sim/faults", "POST /_sim/reset", "GET /_sim/truth/{flex|personnel-files|"
                          "negative-pay|inbox}", "GET /_sim/records/{kind}", "GET /_sim/invoices?reference="],
            "record_kinds": list(RECORD_KINDS)}


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Liveness and which population is loaded."""
    state = _state(request)
    return {"ok": True, "seed": state.settings.seed, "today": state.settings.today.isoformat()}


@router.get("/state")
def summary(request: Request) -> dict[str, Any]:
    """Counts per system."""
    return _state(request).summary()


@router.get("/settings")
def settings(request: Request) -> dict[str, Any]:
    """The simulator settings (without the password)."""
    return settings_json(_state(request))


@router.post("/config")
async def config(request: Request) -> dict[str, Any]:
    """Change behaviour at run time: rate_limit_per_second, session/token TTLs, release, page_size."""
    state = _state(request)
    body = await request.json()
    if not isinstance(body, dict) or set(body) - set(RUNTIME_KNOBS):
        raise ApiError(400, "invalid_request", f"allowed keys: {sorted(RUNTIME_KNOBS)}")
    with state.lock:
        for key, value in body.items():
            setattr(state.settings, key, RUNTIME_KNOBS[key](value))
    return settings_json(state)


@router.get("/faults")
def faults(request: Request) -> dict[str, Any]:
    """Current fault settings and how many faults were injected so far."""
    state = _state(request)
    return {**state.faults.to_dict(), "stats": dict(request.app.state.faults.stats)}


@router.post("/faults")
async def set_faults(request: Request) -> dict[str, Any]:
    """Change fault settings: any of enabled, latency_ms [min,max], error_rate, lost_response_rate,
    busy_rate, session_expiry_rate, systems, seed. ``{"preset": "off"|"demo"}`` starts from a preset."""
    state = _state(request)
    body = await request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "JSON object expected")
    from .settings import FaultSettings

    preset = body.pop("preset", None)
    base = {"off": FaultSettings.off(), "demo": FaultSettings.demo(), None: state.faults}.get(preset)
    if base is None:
        raise ApiError(400, "invalid_request", "preset must be off or demo")
    try:
        new = base.updated(body)
    except (ValueError, TypeError) as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    request.app.state.faults.configure(new)
    return {**new.to_dict(), "stats": dict(request.app.state.faults.stats)}


@router.post("/reset")
def reset(request: Request) -> dict[str, Any]:
    """Regenerate the population and forget every change, session and token."""
    state = _state(request)
    state.reset()
    return state.summary()


@router.get("/truth/flex")
def truth_flex(request: Request) -> dict[str, Any]:
    """Flex wage ground truth: watch-list candidates and, per citizen, category, criteria, L and subsidy."""
    cases = _state(request).population.truth["flex"]
    return {
        "income_month": cases[0]["income_month"] if cases else None,
        "payment_month": cases[0]["payment_month"] if cases else None,
        "watch_list_candidates": [c["cpr"] for c in cases if c["watch_list_candidate"]],
        "cases": cases,
    }


@router.get("/truth/personnel-files")
def truth_files(request: Request, cpr: str = "") -> dict[str, Any]:
    """Personnel-file ground truth per CPR: required documents and planted problems."""
    truth = _state(request).population.truth["personnel_files"]
    if cpr:
        if cpr not in truth:
            raise ApiError(404, "not_found", "No personnel file for this CPR number")
        return {cpr: truth[cpr]}
    return truth


@router.get("/truth/negative-pay")
def truth_negative(request: Request) -> list[dict[str, Any]]:
    """Per negative result line: left, recurring, large, and the default policy's decision."""
    return _state(request).population.truth["negative_pay"]


@router.get("/truth/inbox")
def truth_inbox(request: Request) -> list[dict[str, Any]]:
    """Per inbox case: what the rules find (early date, late, balance, already paid, inactive)."""
    return _state(request).population.truth["inbox"]


@router.get("/records/{kind}")
def record_list(request: Request, kind: str) -> JSONResponse:
    """All records of one kind (see ``record_kinds`` at /_sim/)."""
    if kind not in RECORD_KINDS:
        raise ApiError(404, "not_found", f"kind must be one of {list(RECORD_KINDS)}")
    return JSONResponse(records(_state(request), kind))


@router.get("/invoices")
def invoices(request: Request, reference: str = "") -> list[dict[str, Any]]:
    """Invoices whose reference equals ``reference`` (all without it), with their totals."""
    state = _state(request)
    with state.lock:
        return [{**to_jsonable(i), "total_ore": i.total_ore, "cpr": state.debtors[i.debtor_no].cpr}
                for i in state.invoices.values() if not reference or i.reference == reference]
