from __future__ import annotations

import pytest
from sqlalchemy import inspect

from sitewarden.store import migrate
from sitewarden.store.db import Store
from sitewarden.store.schema import Base


def _cycle(store: Store) -> None:
    """Upgrade from empty, downgrade one step, upgrade again; the schema matches the models each time."""
    migrate.upgrade(store)
    head = migrate.current(store)
    assert head is not None
    assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())
    migrate.downgrade(store, "-1")
    assert migrate.current(store) != head
    migrate.upgrade(store)
    assert migrate.current(store) == head
    assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())


def test_sqlite_migrations_cycle(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    _cycle(store)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.postgres
def test_postgres_migrations_cycle(pg_store: Store) -> None:
    _cycle(pg_store)
