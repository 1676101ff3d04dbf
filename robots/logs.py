"""Structured logs: JSON lines to a file per run, readable lines on the console.

Every line carries the run id, process, step and item id bound with structlog's contextvars.
The CPR processor masks CPR numbers (DDMMYY-XXXX) in the message, every field and the exception
text; exceptions are rendered to text *before* masking so no traceback escapes it. Standard
library loggers (httpx, playwright, ...) go through the same chain.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

from .cpr import mask_value

_secrets: set[str] = set()
_configured = False


def hide(secret: str) -> None:
    """Mask this exact value wherever it appears in a log line (passwords, tokens)."""
    if secret and len(secret) >= 4:
        _secrets.add(secret)


def _mask_secrets(value: Any) -> Any:
    if isinstance(value, str):
        for secret in _secrets:
            value = value.replace(secret, "********")
        return value
    if isinstance(value, dict):
        return {k: _mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask_secrets(v) for v in value)
    return value


def mask_personal_data(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: CPR numbers and registered secrets out of every field."""
    return {key: _mask_secrets(mask_value(value)) for key, value in event.items()}


SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    structlog.processors.format_exc_info,
    structlog.processors.UnicodeDecoder(),
    mask_personal_data,
]


def _formatter(renderer: Any) -> structlog.stdlib.ProcessorFormatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


def configure(log_file: Path | None = None, level: int = logging.INFO, console: bool = True) -> None:
    """Set up logging for this process: console lines and, with ``log_file``, JSON lines there."""
    global _configured
    _configured = True
    structlog.configure(
        processors=[*SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_robots", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(_formatter(structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(),
                                                                     exception_formatter=structlog.dev.plain_traceback)))
        handlers.append(stream)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file = logging.FileHandler(log_file, encoding="utf-8")
        file.setFormatter(_formatter(structlog.processors.JSONRenderer(ensure_ascii=False)))
        handlers.append(file)
    for handler in handlers:
        handler._robots = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "urllib3", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str = "robots") -> Any:
    """A bound logger. Configures console logging on first use, so masking is never skipped
    (structlog's unconfigured default would print tracebacks with their local variables)."""
    if not _configured:
        configure()
    return structlog.get_logger(name)


bind = structlog.contextvars.bind_contextvars
unbind = structlog.contextvars.unbind_contextvars
clear = structlog.contextvars.clear_contextvars
