"""The caseworker desk: the manual-handling queue in a browser (``robots web``).

One ASGI app (FastAPI, Jinja2 templates, a little htmx) on the queue database::

    from robots.web import create_app
    app = create_app("sqlite:///queue/robots.sqlite3")

``users`` holds the people and their roles (``robots users``), ``desk`` the list's reads,
``cases`` the case page per process, ``server`` a uvicorn server in a thread for tests and scripts.
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    """See :func:`robots.web.app.create_app` (imported on use: the CLI's users need no web stack)."""
    from .app import create_app as create

    return create(*args, **kwargs)


__all__ = ["create_app"]
