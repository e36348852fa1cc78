"""`sitewarden user ...`: add, list, disable, set-password, token create/revoke; bad input exits 2 with a reason."""

from __future__ import annotations

from typer.testing import CliRunner

from sitewarden.cli import app
from sitewarden.settings import Settings
from sitewarden.store.db import Store
from sitewarden.web import auth


def test_user_commands(settings: Settings, store: Store) -> None:
    run = CliRunner()
    env = {"SITEWARDEN_VAR_DIR": str(settings.var_dir)}
    out = run.invoke(app, ["user", "add", "ana", "--role", "analyst", "--password", "analyst-password-1"], env=env)
    assert out.exit_code == 0, out.output
    bad = run.invoke(app, ["user", "add", "eve", "--role", "root", "--password", "long-enough-pw"], env=env)
    assert bad.exit_code == 2 and "role 'root'" in bad.output
    assert "ana" in run.invoke(app, ["user", "list"], env=env).output
    tok = run.invoke(app, ["user", "token", "create", "ana", "--name", "ci", "--scope", "read"], env=env)
    assert tok.exit_code == 0
    secret = tok.output.strip().splitlines()[-1]
    assert secret.startswith(auth.TOKEN_PREFIX) and auth.token_principal(store, secret) is not None
    assert run.invoke(app, ["user", "token", "revoke", "1"], env=env).exit_code == 0
    assert auth.token_principal(store, secret) is None
    assert run.invoke(app, ["user", "set-password", "ana", "--password", "new-password-123"], env=env).exit_code == 0
    assert auth.login(store, settings, "ana", "new-password-123", None) is not None
    assert run.invoke(app, ["user", "disable", "ana"], env=env).exit_code == 0
    assert auth.login(store, settings, "ana", "new-password-123", None) is None
    assert run.invoke(app, ["user", "disable", "ghost"], env=env).exit_code == 2
