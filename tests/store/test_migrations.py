from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect, text

from sitewarden.store import migrate
from sitewarden.store.db import Store
from sitewarden.store.schema import Base
from tests.conftest import POSTGRES_URL, need_service


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


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """A fresh PostgreSQL database per test, dropped afterwards."""
    need_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"sw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    store = Store(url)
    yield store
    store.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
def test_postgres_migrations_cycle(pg_store: Store) -> None:
    _cycle(pg_store)
