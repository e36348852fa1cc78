"""Set-up and run: `init`, `serve`, `work`, `demo`."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from pathlib import Path
from typing import IO

import typer
from rich.console import Console

from sitewarden.settings import Settings, SettingsError, load_settings
from sitewarden.store import jobs, migrate, repos
from sitewarden.store.db import Store

err = Console(stderr=True)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def open_input(path: Path, hint: str = "FILE") -> IO[bytes]:
    """A command's input file as bytes, `-` meaning stdin; an unreadable path is a usage error."""
    if str(path) == "-":
        return sys.stdin.buffer
    try:
        return path.open("rb")
    except OSError as exc:
        raise typer.BadParameter(f"cannot open {path}: {exc.strerror}", param_hint=hint) from None


def initialise(settings: Settings) -> Store:
    """Create the var folder, migrate the database to head and make sure the evidence folder exists."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.effective_evidence_dir.mkdir(parents=True, exist_ok=True)
    store = Store.from_settings(settings)
    migrate.upgrade(store)
    if settings.rescan_interval_hours > 0:
        with store.write() as s:
            jobs.ensure_schedule(s, "rescan-sites", "rescan_sites", settings.rescan_interval_hours * 3600, {})
    return store


def register(app: typer.Typer) -> None:
    @app.command()
    def init() -> None:
        """Create ./var (database, evidence store) and migrate the schema to the latest version."""
        settings = settings_or_exit()
        store = initialise(settings)
        typer.echo(f"database ready: {store.engine.url.render_as_string(hide_password=True)}")
        typer.echo(f"evidence store: {settings.effective_evidence_dir}")

    @app.command()
    def serve(
        worker: bool = typer.Option(True, help="Run the in-process job workers inside the server."),
    ) -> None:
        """Run the API and dashboard (and, by default, the job workers)."""
        settings = settings_or_exit()
        initialise(settings)
        _serve(settings, run_worker=worker)

    @app.command()
    def work(
        until_idle: bool = typer.Option(False, "--until-idle", help="Exit when no job is queued or running."),
        concurrency: int = typer.Option(0, min=0, help="Workers (0: the 'workers' setting)."),
    ) -> None:
        """Run the in-process job workers (and the periodic scheduler) until SIGTERM."""
        settings = settings_or_exit()
        initialise(settings)
        from sitewarden.pipeline import close_resources
        from sitewarden.work.api import Context
        from sitewarden.work.inprocess import Worker

        if settings.work_backend == "dramatiq":
            _work_dramatiq(Context.from_settings(settings), concurrency)
            return

        async def main() -> int:
            ctx = Context.from_settings(settings)
            w = Worker(ctx, concurrency or None)
            w.install_signal_handlers()
            try:
                await w.run(until_idle=until_idle)
            finally:
                await close_resources(ctx)
            return w.processed

        typer.echo(f"processed {asyncio.run(main())} job(s)")

    @app.command()
    def demo(
        port: int = typer.Option(0, help="Dashboard port (0: the 'port' setting)."),
    ) -> None:
        """Set up the demo: database, demo farm sites as inventory, demo admin; then serve everything."""
        from sitewarden.demo.farm import running_farm
        from sitewarden.demo.sites import inventory_rows

        # The farm lives on 127.0.0.1, so the demo (and only the demo) opens loopback to the crawler.
        settings = settings_or_exit(fetch_allow_private=True, fetch_allow_any_port=True)
        if port:
            settings = settings.model_copy(update={"port": port})
        for what, key, bind_port in (("dashboard", "PORT", settings.port),
                                     ("demo farm", "DEMO_FARM_PORT", settings.demo_farm_port)):
            problem = _port_problem(settings.host if what == "dashboard" else "127.0.0.1", bind_port)
            if problem:
                err.print(f"[red]{what}: cannot listen on port {bind_port} ({problem}); "
                          f"choose another with SITEWARDEN_{key}=...[/red]")
                raise typer.Exit(2)
        store = initialise(settings)
        password = _demo_admin(settings, store)
        with running_farm(settings.demo_farm_port) as farm:
            result = load_demo_inventory(settings, store, inventory_rows(farm.port))
            typer.echo(f"demo farm: {len(inventory_rows(farm.port))} sites on http://127.0.0.1:{farm.port}/ "
                       f"(Host-header virtual hosting)")
            typer.echo(f"inventory: {result.imported} new site(s), {result.duplicates} already known, "
                       f"{result.scans_queued} scan(s) queued")
            typer.echo("")
            typer.echo(f"  Dashboard:  http://{settings.host}:{settings.port}/")
            typer.echo(f"  API docs:   http://{settings.host}:{settings.port}/api/docs")
            typer.echo(f"  Log in as:  admin / {password}")
            typer.echo("")
            _serve(settings, run_worker=True)


def _work_dramatiq(ctx, concurrency: int) -> None:  # type: ignore[no-untyped-def]
    """Dramatiq worker threads plus the sweeper (lost messages, periodic jobs) until SIGTERM."""
    import signal
    import threading

    backend = ctx.resources["backend"]
    worker = backend.worker(concurrency or None)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    typer.echo(f"dramatiq worker on {ctx.settings.broker_url.split('@')[-1]} ({worker.worker_threads} threads)")
    try:
        while not stop.wait(10.0):
            backend.sweep()
    finally:
        worker.stop()  # finishes the messages in hand


def load_demo_inventory(settings: Settings, store: Store, rows: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    import io
    import json

    from sitewarden.sources.inventory import import_inventory
    from sitewarden.work.api import Context

    data = "\n".join(json.dumps(r) for r in rows).encode()
    return import_inventory(Context.from_settings(settings, store), io.BytesIO(data), "json", source="demo")


def _demo_admin(settings: Settings, store: Store) -> str:
    """The demo admin's password: from settings, else generated once and kept (0600) in the var folder."""
    from sitewarden.web.auth import create_user

    path = Path(settings.var_dir) / "demo_admin_password"
    configured = settings.demo_admin_password.get_secret_value()
    if configured:
        password = configured
    elif path.exists():
        password = path.read_text().strip()
    else:
        password = secrets.token_urlsafe(12)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password)
    with store.read() as s:
        exists = repos.get_user(s, "admin") is not None
    if not exists:
        create_user(store, "admin", password, "admin")
    return password


def _port_problem(host: str, port: int) -> str | None:
    """Why binding host:port would fail (in use, not permitted), or None."""
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def _serve(settings: Settings, *, run_worker: bool) -> None:
    import uvicorn

    from sitewarden.web.app import create_app

    app = create_app(settings, run_worker=run_worker)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", timeout_graceful_shutdown=30)
