"""`sitewarden demo-farm`: serve the demo hosting farm for the demo and manual testing."""

from __future__ import annotations

import asyncio
import contextlib

import typer

from sitewarden.demo.farm import serve
from sitewarden.demo.sites import SITES
from sitewarden.settings import get_settings


def demo_farm(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(0, help="Port to bind; 0 uses the demo_farm_port setting."),
) -> None:
    """Serve every demo site from one port, routed by the Host header (Ctrl-C stops)."""
    port = port or get_settings().demo_farm_port
    for site in SITES:
        kind = site.fraud_type or site.label
        typer.echo(f"  {site.host:<38} {site.tenant}  {kind}")
    typer.echo(f"\n{len(SITES)} sites on http://{host}:{port}/  e.g.")
    typer.echo(f"  curl -H 'Host: {SITES[0].host}' http://{host}:{port}/")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, port))


def register(app: typer.Typer) -> None:
    app.command("demo-farm")(demo_farm)
