"""`sitewarden model ...`: the group of model-training commands.

Other modules extend it by importing the group and decorating a command, e.g.
`@model_app.command("train-pages")` in their own commands module; the group is registered here once.
"""

from __future__ import annotations

import typer

model_app = typer.Typer(no_args_is_help=True, help="Train the shipped models.")


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
