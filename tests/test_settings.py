from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sitewarden.cli import app
from sitewarden.commands.config import settings_markdown
from sitewarden.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_env_overrides_every_kind_of_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEWARDEN_WORKERS", "7")
    monkeypatch.setenv("SITEWARDEN_FETCH_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("SITEWARDEN_FETCH_ALLOWED_PORTS", "[80, 8080]")
    monkeypatch.setenv("SITEWARDEN_DATABASE_URL", "postgresql+psycopg://u@h/db")
    s = load_settings()
    assert (s.workers, s.fetch_allow_private, s.fetch_allowed_ports) == (7, True, [80, 8080])
    assert s.effective_database_url == "postgresql+psycopg://u@h/db"


def test_invalid_settings_name_the_key_and_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEWARDEN_WORKERS", "many")
    monkeypatch.setenv("SITEWARDEN_DATABASE_URL", "mysql://x")
    with pytest.raises(SettingsError) as err:
        load_settings()
    text = str(err.value)
    assert "workers" in text and "integer" in text
    assert "database_url" in text and "sqlite" in text


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(SettingsError, match="page_review_threshold must not exceed"):
        load_settings(page_review_threshold=0.9, page_block_threshold=0.5)


def test_toml_file_is_read_and_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "sw.toml"
    cfg.write_text('workers = 3\nport = 9000\n')
    monkeypatch.setenv("SITEWARDEN_CONFIG", str(cfg))
    monkeypatch.setenv("SITEWARDEN_PORT", "9100")
    s = load_settings()
    assert (s.workers, s.port) == (3, 9100)


def test_unknown_key_in_toml_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "sw.toml"
    cfg.write_text("wrokers = 3\n")
    monkeypatch.setenv("SITEWARDEN_CONFIG", str(cfg))
    with pytest.raises(SettingsError, match="wrokers"):
        load_settings()


def test_missing_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEWARDEN_CONFIG", "/nonexistent/sw.toml")
    with pytest.raises(SettingsError, match="no such file"):
        load_settings()


def test_every_setting_is_described_and_the_docs_are_current() -> None:
    undocumented = [name for name, f in Settings.model_fields.items() if not (f.description or "").strip()]
    assert undocumented == []
    committed = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert committed == settings_markdown(), "docs/settings.md is stale: run `sitewarden config docs`"


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEWARDEN_SECRET_KEY", "hunter2-very-secret")
    monkeypatch.setenv("SITEWARDEN_ENFORCEMENT_WEBHOOK_SECRET", "whsec-abc")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output and "whsec-abc" not in result.output
    assert "secret_key" in result.output and "********" in result.output


def test_cli_refuses_invalid_settings_with_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEWARDEN_PORT", "99999")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "port" in result.output
