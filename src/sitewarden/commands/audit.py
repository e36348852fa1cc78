"""`sitewarden audit verify|export-head`: check the hash chain, export its head for anchoring."""

from __future__ import annotations

import json

import typer

from sitewarden.act import audit as chain
from sitewarden.commands.core import initialise, settings_or_exit


def _anchor(value: str | None) -> tuple[int, str] | None:
    """Parse "ID:HASH" or the JSON printed by export-head."""
    if not value:
        return None
    try:
        if value.lstrip().startswith("{"):
            data = json.loads(value)
            return int(data["id"]), str(data["hash"])
        row_id, digest = value.split(":", 1)
        return int(row_id), digest.strip()
    except (ValueError, KeyError, TypeError):
        raise typer.BadParameter("expected ID:HASH or the JSON from `audit export-head`", param_hint="--anchor") from None


def register(app: typer.Typer) -> None:
    audit = typer.Typer(no_args_is_help=True, help="The tamper-evident audit trail.")
    app.add_typer(audit, name="audit")

    @audit.command("verify")
    def verify(
        anchor: str | None = typer.Option(None, help="A head exported earlier (ID:HASH or its JSON); must still be there."),
    ) -> None:
        """Recompute the chain; name every edited, deleted or reordered row. Exit 1 when broken."""
        report = chain.verify(initialise(settings_or_exit()), _anchor(anchor))
        for problem in report.problems:
            typer.echo(f"TAMPERED: {problem}", err=True)
        typer.echo(f"{report.rows} rows, head {report.head_id} {report.head_hash}: {'ok' if report.ok else 'BROKEN'}")
        if not report.ok:
            raise typer.Exit(1)

    @audit.command("export-head")
    def export_head() -> None:
        """Print the latest row id and hash as JSON, to anchor elsewhere (ticket, e-mail, notary)."""
        typer.echo(json.dumps(chain.export_head(initialise(settings_or_exit()), "cli")))
