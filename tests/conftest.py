"""Shared fixtures: isolated settings and database per test, the demo farm, an API client, services."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sitewarden.demo.farm import FarmHandle, running_farm
from sitewarden.settings import Settings, load_settings
from sitewarden.store import migrate
from sitewarden.store.db import Store
from sitewarden.work.api import Context

REQUIRE_SERVICES = os.environ.get("SITEWARDEN_REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get("SITEWARDEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def need_service(name: str, host: str, port: int) -> None:
    """Skip (or, in CI with SITEWARDEN_REQUIRE_SERVICES=1, fail) when a server is not listening."""
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as exc:
        message = f"{name} is not reachable on {host}:{port} ({exc})"
        if REQUIRE_SERVICES:
            pytest.fail(message + " and SITEWARDEN_REQUIRE_SERVICES=1")
        pytest.skip(message)


def need_chromium(path: str = "/usr/bin/chromium") -> None:
    if not Path(path).exists():
        message = f"Chromium not installed at {path} (Debian package 'chromium')"
        if REQUIRE_SERVICES:
            pytest.fail(message + " and SITEWARDEN_REQUIRE_SERVICES=1")
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read a developer's sitewarden.toml or SITEWARDEN_* variables."""
    for key in list(os.environ):
        if key.startswith("SITEWARDEN_") and key not in ("SITEWARDEN_REQUIRE_SERVICES", "SITEWARDEN_TEST_POSTGRES_URL"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Isolated var folder; loopback fetches allowed because every test server lives on 127.0.0.1."""
    return load_settings(
        var_dir=tmp_path / "var", fetch_allow_private=True, fetch_allow_any_port=True, render_enabled=False,
        fetch_timeout_seconds=5.0, job_backoff_seconds=0.05, job_poll_seconds=0.02,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    st = Store.from_settings(settings)
    migrate.upgrade(st)
    yield st
    st.dispose()


@pytest.fixture
def ctx(settings: Settings, store: Store) -> Context:
    return Context.from_settings(settings, store)


@pytest.fixture(scope="session")
def demo_farm() -> Iterator[FarmHandle]:
    """The demo hosting farm on a free 127.0.0.1 port for the whole test session."""
    with running_farm() as farm:
        yield farm


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
