"""The `sitewarden` command: a Typer app whose sub-commands live in sitewarden.commands.*."""

from __future__ import annotations

import importlib
import pkgutil

import typer

from sitewarden import commands

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Sitewarden anti-fraud platform.")


def _register_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{mod.name}")
        module.register(app)


_register_commands()


def main() -> None:
    app()
