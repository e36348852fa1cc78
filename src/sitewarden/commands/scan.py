"""`sitewarden scan`: scan URLs now (or a saved page) and print the scan records."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from sitewarden.commands.core import open_input, settings_or_exit
from sitewarden.normalise.urls import InvalidInput, canonical_url

MAX_SAVED_PAGE_BYTES = 20 * 1024 * 1024


def register(app: typer.Typer) -> None:
    @app.command()
    def scan(
        urls: list[str] = typer.Argument(None, help="URLs, hosts or domains."),
        from_file: Path | None = typer.Option(None, "--from", help="File with one URL per line (- for stdin)."),
        html: Path | None = typer.Option(None, "--html", help="Analyse this saved page instead of fetching."),
        as_url: str | None = typer.Option(None, "--as-url", help="The URL the saved page came from."),
        render: bool | None = typer.Option(None, "--render/--no-render", help="Render in Chromium (default: setting)."),
        ip: str | None = typer.Option(
            None, "--ip", help="Connect to this address for the URLs' own host (a site you host; still guarded)."
        ),
        fmt: str = typer.Option("", "--format", help="json or table (default: table on a terminal, else json)."),
    ) -> None:
        """Scan now and print verdicts with reasons; evidence goes to the evidence store."""
        fmt = fmt or ("table" if sys.stdout.isatty() else "json")
        if ip is not None:
            try:
                ip = str(ipaddress.ip_address(ip))
            except ValueError:
                raise typer.BadParameter(f"not an IP address: {ip!r}", param_hint="--ip") from None
        if fmt not in ("json", "table"):
            raise typer.BadParameter("must be json or table", param_hint="--format")
        settings = settings_or_exit()
        from sitewarden.pipeline import close_resources, scan_now, scan_saved_page
        from sitewarden.work.api import Context

        ctx = Context.from_settings(settings)
        if html is not None:
            if not as_url:
                raise typer.BadParameter("--html needs --as-url (where the page claims to be)", param_hint="--as-url")
            try:
                url = canonical_url(as_url)
            except InvalidInput as exc:
                raise typer.BadParameter(str(exc), param_hint="--as-url") from None
            data = html.read_bytes() if html.stat().st_size <= MAX_SAVED_PAGE_BYTES else None
            if data is None:
                raise typer.BadParameter(f"larger than {MAX_SAVED_PAGE_BYTES} bytes", param_hint="--html")
            _emit([scan_saved_page(ctx, data, url)], fmt)
            return
        targets = list(urls or [])
        if from_file is not None:
            with open_input(from_file, "--from") as stream:
                lines = stream.read().decode("utf-8", "replace").splitlines()
            targets += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        if not targets:
            raise typer.BadParameter("give URLs, --from FILE or --html FILE --as-url URL")

        async def run() -> list[dict[str, Any]]:
            records: list[dict[str, Any]] = []
            sem = asyncio.Semaphore(settings.workers)
            with Progress(console=Console(stderr=True), transient=True, disable=len(targets) < 3) as bar:
                task = bar.add_task("scanning", total=len(targets))

                async def one(index: int, raw: str) -> tuple[int, dict[str, Any]]:
                    async with sem:
                        try:
                            rec = await scan_now(ctx, canonical_url(raw), render=render, pin_ip=ip)
                        except InvalidInput as exc:
                            rec = {"url": raw, "error": f"invalid URL: {exc}", "error_kind": "invalid_url"}
                        bar.advance(task)
                        return index, rec

                done = await asyncio.gather(*(one(i, t) for i, t in enumerate(targets)))
                records = [rec for _, rec in sorted(done, key=lambda p: p[0])]
            await close_resources(ctx)
            return records

        _emit(asyncio.run(run()), fmt)


def _emit(records: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        for rec in records:
            typer.echo(json.dumps(rec, ensure_ascii=False, default=str))
        return
    table = Table("url", "verdict", "score", "fraud type", "brand", "top reasons", show_lines=True)
    for rec in records:
        reasons = "\n".join(f"{r['weight']:.2f} {r['detail']}" for r in rec.get("reasons", [])[:4])
        table.add_row(
            rec.get("final_url") or rec.get("url") or "",
            rec.get("verdict") or f"error: {rec.get('error_kind')}",
            "" if rec.get("score") is None else f"{rec['score']:.2f}",
            rec.get("fraud_type") or "",
            rec.get("brand") or "",
            reasons or (rec.get("error") or ""),
        )
    Console().print(table)
