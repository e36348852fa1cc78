"""`sitewarden import FILE`: load hosted inventory and queue a scan per new site."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sitewarden.commands.core import initialise, open_input, settings_or_exit
from sitewarden.sources.inventory import InventoryError, detect_format, import_inventory
from sitewarden.work.api import Context


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        file: Path = typer.Argument(..., help="CSV or JSON/JSON-lines inventory file, or - for stdin."),
        fmt: str = typer.Option("auto", "--format", help="auto, csv or json."),
        partial: bool = typer.Option(
            False, "--partial", help="Commit good rows and report bad ones (default: any bad row rejects all)."
        ),
    ) -> None:
        """Import tenants and their sites (columns: tenant, url or host, ip, tenant_name, contact_email)."""
        if fmt not in ("auto", "csv", "json"):
            raise typer.BadParameter("must be auto, csv or json", param_hint="--format")
        settings = settings_or_exit()
        store = initialise(settings)
        stream = open_input(file)
        with stream:
            head = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
            kind = detect_format(None if str(file) == "-" else file.name, head) if fmt == "auto" else fmt
            try:
                result = import_inventory(Context.from_settings(settings, store), stream, kind, partial=partial)
            except InventoryError as exc:
                typer.echo(f"error: {file}: {exc}", err=True)
                raise typer.Exit(2) from None
        for e in result.errors:
            typer.echo(f"{file}: line {e.line}: {e.reason}", err=True)
        if result.errors_truncated:
            typer.echo("(more errors not shown)", err=True)
        typer.echo(json.dumps({k: v for k, v in result.to_dict().items() if k != "errors"}))
        if not result.committed:
            typer.echo("nothing imported: fix the rows above or use --partial", err=True)
            raise typer.Exit(1)

