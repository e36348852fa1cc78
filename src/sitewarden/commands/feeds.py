"""`sitewarden feed import FILE --name NAME`: load a threat feed or regulator list."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sitewarden.commands.core import initialise, open_input, settings_or_exit
from sitewarden.domain.models import FraudType
from sitewarden.sources.feeds import FeedError, import_feed

feed_app = typer.Typer(no_args_is_help=True, help="Threat feeds and regulator lists.")


@feed_app.command("import")
def import_(
    file: Path = typer.Argument(..., help="One URL/host per line, or CSV with a url/host/domain column; - for stdin."),
    name: str = typer.Option(..., "--name", help="Feed name, e.g. openphish or regulator-2026-11."),
    fraud_type: FraudType | None = typer.Option(None, "--fraud-type", help="What the feed lists, if one kind."),
) -> None:
    """Record every listed host; scans of those hosts (or their registrable domains) carry a feed signal."""
    store = initialise(settings_or_exit())
    with open_input(file) as stream:
        try:
            result = import_feed(store, stream, name, fraud_type)
        except FeedError as exc:
            raise typer.BadParameter(str(exc), param_hint="--name") from None
    for line, reason in result.errors:
        typer.echo(f"{file}: line {line}: {reason}", err=True)
    typer.echo(json.dumps({"lines": result.lines, "listed": result.listed, "already_listed": result.already_listed,
                           "errors": len(result.errors)}))


def register(app: typer.Typer) -> None:
    app.add_typer(feed_app, name="feed")
