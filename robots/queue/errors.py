"""Errors the queue raises. Each names the problem in one line a person can act on."""

from __future__ import annotations


class QueueError(Exception):
    """Base class: a queue operation could not be done."""


class UnknownQueue(QueueError):
    def __init__(self, name: str, known: list[str]) -> None:
        hint = ", ".join(known) if known else "none defined yet"
        super().__init__(f"unknown queue {name!r} (known queues: {hint})")
        self.name = name


class ItemNotFound(QueueError):
    def __init__(self, item_id: int | str) -> None:
        super().__init__(f"no work item with id {item_id}")
        self.item_id = item_id


class InvalidTransition(QueueError):
    """The item is not in a state that allows the operation (e.g. completing a done item)."""


class LeaseLost(InvalidTransition):
    """The worker no longer holds the item: its lease expired and someone else may have it."""

    def __init__(self, item_id: int, worker: str) -> None:
        super().__init__(f"work item {item_id} is no longer leased to {worker} (lease expired or released)")
        self.item_id = item_id
        self.worker = worker


class InvalidItem(QueueError):
    """An item to add is malformed (empty reference, payload not a JSON object, ...)."""
