"""Schema migrations (Alembic), driven from code so no alembic.ini is needed at run time."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from sitewarden.store.db import Store

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(store: Store) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    return cfg


def _run(store: Store, fn, *args: str) -> None:  # type: ignore[no-untyped-def]
    cfg = alembic_config(store)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        fn(cfg, *args)


def upgrade(store: Store, revision: str = "head") -> None:
    _run(store, command.upgrade, revision)


def downgrade(store: Store, revision: str) -> None:
    _run(store, command.downgrade, revision)


def current(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
