"""What the case page shows per process, and the decisions a caseworker may make there.

A :class:`CaseView` per process names the template that lays out the robot's facts (for flex wage
the whole calculation as a caseworker would do it on paper) and the decisions that make sense for
that process. A process without its own view gets :data:`GENERIC`: the facts and the case data as
a definition list, and the three decisions every manual item has (done by hand, back to the robot,
cancel). ``register(view)`` adds or replaces a view.

The facts are the item's ``output`` when it has one; a step that stops with a BusinessError keeps
its facts with the item as an attached ``facts.json`` or ``calculation.json`` (``ctx.attach(...)``
before raising, as flex wage does), which the page reads instead (the newest). Plain JSON objects.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..config import ConfigError
from ..queue import FileRef, QueueBackend, Resolution, WorkItem
from ..runtime.process import SHARED_REASONS, load_process

FACTS_FILES = ("facts.json", "calculation.json")  # what a step keeps with an item it hands over
FACTS_MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Decision:
    """One way to close a manual item, as a button with a comment field on the case page."""

    key: str
    label: str
    resolution: Resolution
    help: str
    comment_required: bool = True
    default_comment: str = ""  # the comment recorded when none is required and none is given
    payload_change: dict[str, Any] | None = None  # merged into the payload (sent back to the robot)
    corrections: bool = False  # the form offers the case data for correction
    style: str = ""  # "primary" | "danger" | ""


DONE = Decision("done", "Løst manuelt", Resolution.DONE,
                "Sagen er behandlet i hånden; robotten gør ikke mere ved den.", style="primary")
RETRY = Decision("retry", "Send tilbage til robotten", Resolution.RETRY,
                 "Robotten tager sagen igen, evt. med rettede oplysninger (ændringen bliver registreret).",
                 comment_required=False, default_comment="Sendt tilbage til robotten", corrections=True)
CANCEL = Decision("cancel", "Annullér", Resolution.CANCELLED,
                  "Sagen skal ikke behandles; hverken robot eller sagsbehandler gør mere ved den.", style="danger")


@dataclass(frozen=True)
class CaseView:
    """How one process's manual items are shown and decided."""

    process: str
    title: str  # the process's Danish name
    facts_template: str = "facts/generic.html"
    decisions: tuple[Decision, ...] = (DONE, RETRY, CANCEL)
    prepare: Callable[[dict[str, Any], WorkItem], dict[str, Any]] | None = None  # extra template context
    reasons: dict[str, str] = field(default_factory=dict)  # manual reason code -> Danish label
    facts_in_payload: bool = False  # the case data are the facts (no separate facts.json)

    def decision(self, key: str) -> Decision | None:
        return next((d for d in self.decisions if d.key == key), None)

    def context(self, facts: dict[str, Any], item: WorkItem) -> dict[str, Any]:
        if self.prepare is None:
            return {}
        try:
            return self.prepare(facts, item)
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
            return {"prepare_failed": True}  # facts of another shape: the template falls back to the list


GENERIC = CaseView("", "")
_VIEWS: dict[str, CaseView] = {}


def register(view: CaseView) -> CaseView:
    """Add (or replace) the case view of ``view.process``."""
    _VIEWS[view.process] = view
    return view


def view_for(process: str) -> CaseView:
    """The case view of a process (the generic one, with the process's reason labels, when it has none)."""
    return _VIEWS.get(process) or _generic_view(process)


@functools.cache
def _generic_view(process: str) -> CaseView:
    # A process without a view of its own (a new one from the template) still gets its labels.
    try:
        reasons = load_process(process).reasons
    except ConfigError:  # not a process package (a test's queue, the demo): the generic labels only
        reasons = {}
    return CaseView(process, process.replace("_", " ").capitalize(), reasons=reasons)


def title_of(process: str) -> str:
    return view_for(process).title


def reason_label(process: str, code: str | None) -> str:
    """A manual reason code in Danish (the code itself when no label is known)."""
    if not code:
        return ""
    return view_for(process).reasons.get(code) or SHARED_REASONS.get(code) or _any_reason(code) or code


def _any_reason(code: str) -> str | None:
    for view in _VIEWS.values():
        if code in view.reasons:
            return view.reasons[code]
    return None


def all_reason_labels() -> dict[str, str]:
    labels = dict(SHARED_REASONS)
    for view in _VIEWS.values():
        labels.update(view.reasons)
    return labels


def facts_of(backend: QueueBackend, item: WorkItem, files: list[FileRef]) -> dict[str, Any] | None:
    """The robot's facts for the case: its output, else its newest facts file; None if neither."""
    if isinstance(item.output, dict) and item.output:
        return item.output
    for ref in sorted(files, key=lambda f: f.id, reverse=True):
        if ref.name in FACTS_FILES and ref.size <= FACTS_MAX_BYTES:
            try:
                value = json.loads(backend.file_content(ref.id))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(value, dict):
                return value
    return None


# -- corrected data sent back to the robot -------------------------------------------------------


def correctable(payload: dict[str, Any]) -> list[tuple[str, Any]]:
    """The payload's top-level fields a caseworker can correct in a form: text, whole numbers, øre."""
    return [(k, v) for k, v in payload.items() if isinstance(v, str | int) and not isinstance(v, bool)]


def parse_correction(name: str, old: Any, text: str) -> Any:
    """The corrected value typed for field ``name`` (ValueError naming the field when it is not one).

    Amounts (fields ending in ``_ore``) are typed in kroner, Danish style (12.345,67); other whole
    numbers as digits; text as it is.
    """
    text = text.strip()
    if isinstance(old, int):
        if name.endswith("_ore"):
            try:
                kroner = Decimal(text.replace(" ", "").replace(".", "").replace(",", ".").removesuffix("kr"))
            except InvalidOperation:
                raise ValueError(f"{name}: '{text}' er ikke et beløb i kroner (fx 12.345,67)") from None
            ore = kroner * 100
            if ore != ore.to_integral_value():
                raise ValueError(f"{name}: højst to decimaler (øre)")
            return int(ore)
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{name}: '{text}' er ikke et helt tal") from None
    return text


def corrected_payload(item: WorkItem, decision: Decision, typed: dict[str, str]) -> dict[str, Any] | None:
    """The payload to send back with ``decision`` (None: unchanged). ``typed``: field -> text from the form."""
    payload = dict(item.payload)
    if decision.corrections:
        for name, old in correctable(item.payload):
            if name in typed:
                payload[name] = parse_correction(name, old, typed[name])
    if decision.payload_change:
        payload.update(decision.payload_change)
    return payload if payload != item.payload else None


# The processes' own views are registered by importing them.
from . import case_views as _case_views  # noqa: E402,F401
