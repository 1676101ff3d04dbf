"""``robots web``: the caseworker desk in a browser."""

from __future__ import annotations

import click

from ._common import friendly_errors, open_queue


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--secure-cookies", is_flag=True,
              help="Mark cookies Secure and trust X-Forwarded-* (the desk is behind an HTTPS proxy).")
@friendly_errors
def web(host: str, port: int, secure_cookies: bool) -> None:
    """Serve the desk (manual-handling queue, case pages, watch list) until interrupted."""
    from ..web import users
    from ..web.server import serve

    backend = open_queue()
    if not any(u.active for u in users.ls(backend)):
        click.echo("robots web: no users yet; add one with: robots users add NAME --role admin", err=True)
    click.echo(f"robots web: the desk on http://{host}:{port}/ (Ctrl+C stops it)")
    try:
        serve(backend, host=host, port=port, secure_cookies=secure_cookies)
    finally:
        backend.close()
