"""`sitewarden user ...`: add, list, disable, set-password, and API tokens (shown once)."""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.console import Console
from rich.table import Table

from sitewarden.commands.core import initialise, settings_or_exit
from sitewarden.store import auth_repo
from sitewarden.store.schema import utcnow
from sitewarden.web import auth

err = Console(stderr=True)
ACTOR = "cli"


def _password(given: str | None) -> str:
    return given if given is not None else typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _run(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return fn(*args, **kwargs)
    except auth.AuthError as exc:
        err.print(f"[red]error: {exc}[/red]")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    users = typer.Typer(no_args_is_help=True, help="Dashboard and API users, roles and tokens.")
    tokens = typer.Typer(no_args_is_help=True, help="API tokens: shown once, stored hashed, scoped, expiring.")
    users.add_typer(tokens, name="token")
    app.add_typer(users, name="user")

    @users.command("add")
    def add(
        username: str,
        role: str = typer.Option(..., help=f"One of: {', '.join(auth.ROLES)}"),
        password: str | None = typer.Option(None, help="Prompted when omitted (preferred: keeps it out of history)."),
    ) -> None:
        """Create a user with an argon2id password."""
        store = initialise(settings_or_exit())
        user_id = _run(auth.create_user, store, username, _password(password), role, actor=ACTOR)
        typer.echo(f"user {username} ({role}) created, id {user_id}")

    @users.command("list")
    def list_() -> None:
        """Users, roles and whether they are active."""
        store = initialise(settings_or_exit())
        table = Table("id", "username", "role", "active", "last login")
        with store.read() as s:
            for u in auth_repo.list_users(s):
                table.add_row(str(u.id), u.username, u.role, "yes" if u.active else "no", str(u.last_login_at or "-"))
        Console().print(table)

    @users.command("disable")
    def disable(username: str) -> None:
        """Disable a user and end their sessions."""
        _run(auth.set_active, initialise(settings_or_exit()), username, False, actor=ACTOR)
        typer.echo(f"user {username} disabled")

    @users.command("enable")
    def enable(username: str) -> None:
        _run(auth.set_active, initialise(settings_or_exit()), username, True, actor=ACTOR)
        typer.echo(f"user {username} enabled")

    @users.command("set-password")
    def set_password(username: str, password: str | None = typer.Option(None)) -> None:
        """Replace a password; every session of the user ends."""
        _run(auth.set_password, initialise(settings_or_exit()), username, _password(password), actor=ACTOR)
        typer.echo(f"password of {username} replaced")

    @tokens.command("create")
    def token_create(
        username: str,
        name: str = typer.Option(..., help="What the token is for."),
        scope: list[str] = typer.Option(["read"], help=f"Repeatable; of {', '.join(auth.PERMISSIONS)}."),
        days: float = typer.Option(90.0, help="Lifetime in days; 0 never expires."),
    ) -> None:
        """Create a token for a user and print it once."""
        expires = utcnow() + timedelta(days=days) if days > 0 else None
        token_id, secret = _run(auth.create_token, initialise(settings_or_exit()), username, name, scope, expires,
                                actor=ACTOR)
        typer.echo(f"token id {token_id} (shown once, store it now):")
        typer.echo(secret)

    @tokens.command("revoke")
    def token_revoke(token_id: int) -> None:
        _run(auth.revoke_token, initialise(settings_or_exit()), token_id, actor=ACTOR)
        typer.echo(f"token {token_id} revoked")
