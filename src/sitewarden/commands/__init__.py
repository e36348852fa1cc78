"""CLI command modules. Each module exposes `register(app: typer.Typer) -> None`; cli.py discovers them,
so built-in commands plug in the same way a third-party one would."""
