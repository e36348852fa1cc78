"""`sitewarden evidence check`: re-hash every evidence blob and report any that changed."""

from __future__ import annotations

import typer

from sitewarden.commands.core import settings_or_exit
from sitewarden.store.blobs import BlobStore

evidence_app = typer.Typer(no_args_is_help=True, help="Evidence store.")


@evidence_app.command("check")
def check() -> None:
    """Re-hash every blob; exit 1 if any content no longer matches its SHA-256 name."""
    blobs = BlobStore(settings_or_exit().effective_evidence_dir)
    total = sum(1 for _ in blobs)
    problems = list(blobs.verify())
    for p in problems:
        typer.echo(f"CORRUPT {p.sha256}: {p.problem}", err=True)
    typer.echo(f"{total} blob(s) checked, {len(problems)} problem(s)")
    if problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
