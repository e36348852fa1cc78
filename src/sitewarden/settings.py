"""Typed settings: declared once here, overridable by SITEWARDEN_<KEY> env vars or a TOML file.

Every key carries a description; `sitewarden config docs` writes docs/settings.md from them and a test
checks that the committed page is current.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "SITEWARDEN_CONFIG"
DEFAULT_CONFIG_FILE = "sitewarden.toml"


class SettingsError(Exception):
    """Raised at start-up when a setting is invalid; the message names each key and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SITEWARDEN_", extra="forbid", validate_default=True)

    # --- storage ---------------------------------------------------------------------------
    var_dir: Path = Field(Path("var"), description="Folder for the embedded database, evidence and secrets.")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL. Empty means SQLite at <var_dir>/sitewarden.db; "
        "postgresql+psycopg://... selects PostgreSQL.",
    )
    evidence_dir: Path | None = Field(None, description="Evidence store folder; default <var_dir>/evidence.")

    # --- work queue ------------------------------------------------------------------------
    work_backend: str = Field("inprocess", description="Task backend: 'inprocess' or 'dramatiq'.")
    workers: int = Field(2, ge=1, le=64, description="Concurrent in-process workers.")
    job_lease_seconds: float = Field(120.0, gt=0, description="A claimed job not finished by then is retried.")
    job_max_attempts: int = Field(5, ge=1, description="Attempts before a job goes to the dead-letter state.")
    job_backoff_seconds: float = Field(2.0, gt=0, description="Base of the exponential retry backoff.")
    job_poll_seconds: float = Field(0.2, gt=0, description="Idle workers poll the jobs table this often.")
    rescan_interval_hours: float = Field(24.0, ge=0, description="Scheduler re-scans every site this often; 0 disables.")
    broker_url: str = Field("amqp://guest:guest@127.0.0.1:5672/", description="Dramatiq broker (amqp:// or redis://).")
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis for cluster-wide politeness limits.")

    # --- fetching --------------------------------------------------------------------------
    fetch_allow_private: bool = Field(
        False, description="Allow fetches to loopback/private/link-local addresses. Only for demos and tests."
    )
    fetch_allowed_ports: list[int] = Field([80, 443], description="Destination ports the crawler may connect to.")
    fetch_allow_any_port: bool = Field(False, description="Ignore fetch_allowed_ports (demos and tests).")
    fetch_allowed_networks: list[str] = Field(
        [],
        description="CIDR networks the crawler and renderer may reach even though they are loopback/private/"
        "metadata (e.g. a provider's own range, or one test server: 127.0.0.2/32). Everything else stays blocked.",
    )
    fetch_ca_file: Path | None = Field(
        None, description="Extra PEM CA bundle trusted besides the system store (private PKI, tests)."
    )
    fetch_timeout_seconds: float = Field(15.0, gt=0, description="Wall-clock deadline for one fetch, redirects included.")
    fetch_connect_timeout_seconds: float = Field(5.0, gt=0, description="Deadline for one TCP/TLS connect.")
    fetch_max_body_bytes: int = Field(5_000_000, gt=0, description="Decoded body cap; larger bodies are cut and flagged.")
    fetch_max_header_bytes: int = Field(65_536, gt=0, description="Response header cap.")
    fetch_max_redirects: int = Field(10, ge=0, le=10, description="Redirect hops followed (each re-checked).")
    fetch_per_host_concurrency: int = Field(2, ge=1, description="Concurrent fetches per host.")
    fetch_per_ip_concurrency: int = Field(4, ge=1, description="Concurrent fetches per destination IP.")
    fetch_user_agent: str = Field(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
        description="Desktop crawler User-Agent.",
    )
    fetch_mobile_user_agent: str = Field(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        description="Mobile profile User-Agent used for cloaking checks.",
    )
    dns_resolver: str = Field("", description="Nameserver IP for the crawler; empty uses the system resolver.")

    # --- rendering -------------------------------------------------------------------------
    render_enabled: bool = Field(True, description="Render pages in headless Chromium when available.")
    chromium_path: Path = Field(Path("/usr/bin/chromium"), description="Chromium binary (Debian package).")
    render_pool_size: int = Field(2, ge=1, le=16, description="Concurrent browser pages.")
    render_recycle_after: int = Field(50, ge=1, description="Restart the browser after this many pages.")
    render_settle_seconds: float = Field(
        2.0, ge=0, description="After load, wait up to this long for the network to go quiet (late-built forms)."
    )
    render_timeout_seconds: float = Field(20.0, gt=0, description="Deadline for one render job.")

    # --- brands ----------------------------------------------------------------------------
    brands_file: Path | None = Field(
        None,
        description="Operator brand file (JSON list of brands) that adds to or overrides the shipped "
        "catalogue by brand id; default <var_dir>/brands.json, which the brands API edits.",
    )

    # --- scoring thresholds ----------------------------------------------------------------
    domain_review_threshold: float = Field(
        0.902572, ge=0, le=1,
        description="Domain score at or above which -> review (default: FPR 1 % on the validation months).",
    )
    domain_block_threshold: float = Field(
        0.994657, ge=0, le=1,
        description="Domain score at or above which -> block (default: FPR 0.1 % on the validation months).",
    )
    page_review_threshold: float = Field(0.45, ge=0, le=1, description="Page score at or above which -> review.")
    page_block_threshold: float = Field(0.85, ge=0, le=1, description="Page score at or above which -> block.")

    # --- policy ----------------------------------------------------------------------------
    auto_action_threshold: float = Field(
        0.98, ge=0, le=1, description="Score at or above which a case is confirmed and actioned without review."
    )
    auto_action_enabled: bool = Field(False, description="Allow automatic enforcement above auto_action_threshold.")
    auto_action_tenant_hourly_cap: int = Field(3, ge=0, description="Automatic actions per tenant per hour.")
    auto_action_global_hourly_cap: int = Field(20, ge=0, description="Automatic actions per hour in total.")
    action_hourly_cap: int = Field(100, ge=0, description="All enforcement actions per hour (manual included).")
    sla_triage_hours: float = Field(1.0, gt=0, description="Target time from case open to triage.")
    sla_action_hours: float = Field(4.0, gt=0, description="Target time from confirmation to action.")

    # --- enforcement and notices -----------------------------------------------------------
    enforcement_dry_run: bool = Field(False, description="Record enforcement actions without calling adapters.")
    enforcement_webhook_url: str = Field("", description="Hosting/registrar control-plane webhook endpoint.")
    enforcement_webhook_secret: SecretStr = Field(SecretStr(""), description="HMAC-SHA256 key for signed webhooks.")
    enforcement_webhook_attempts: int = Field(4, ge=1, le=20, description="Delivery attempts per enforcement webhook.")
    enforcement_webhook_backoff_seconds: float = Field(
        1.0, ge=0, description="Base of the exponential backoff between enforcement webhook attempts."
    )
    notify_webhook_url: str = Field("", description="Customer-notice webhook endpoint (optional).")
    smtp_host: str = Field("", description="SMTP server for customer notices; empty disables e-mail.")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port.")
    smtp_from: str = Field("abuse@localhost", description="Sender address of customer notices.")

    # --- web -------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the web server binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web server binds.")
    public_url: str = Field("http://127.0.0.1:8000", description="External base URL (appeal links in notices).")
    secret_key: SecretStr = Field(
        SecretStr(""), description="Session/CSRF signing key; empty generates one in <var_dir>/secret_key."
    )
    session_hours: float = Field(12.0, gt=0, description="Dashboard session lifetime.")
    api_max_upload_bytes: int = Field(256 * 1024 * 1024, gt=0, description="Largest inventory upload accepted by the API.")
    login_attempts_per_minute: int = Field(10, ge=1, description="Failed logins allowed per user+IP per minute.")

    # --- demo ------------------------------------------------------------------------------
    demo_farm_port: int = Field(8600, ge=1, le=65535, description="Port of the demo hosting farm on 127.0.0.1.")
    demo_admin_password: SecretStr = Field(
        SecretStr(""), description="Demo admin password; empty generates one and prints it once."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, v: str) -> str:
        if v and not v.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
        return v

    @field_validator("fetch_allowed_networks")
    @classmethod
    def _cidr_networks(cls, v: list[str]) -> list[str]:
        for item in v:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not a CIDR network like 10.0.0.0/8 or 127.0.0.2/32") from None
        return v

    @field_validator("work_backend")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        if v not in ("inprocess", "dramatiq"):
            raise ValueError("must be 'inprocess' or 'dramatiq'")
        return v

    @model_validator(mode="after")
    def _ordered_thresholds(self) -> Settings:
        for kind in ("domain", "page"):
            if getattr(self, f"{kind}_review_threshold") > getattr(self, f"{kind}_block_threshold"):
                raise ValueError(f"{kind}_review_threshold must not exceed {kind}_block_threshold")
        return self

    # --- derived values -------------------------------------------------------------------
    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'sitewarden.db'}"

    @property
    def effective_evidence_dir(self) -> Path:
        return self.evidence_dir or self.var_dir / "evidence"

    def signing_key(self) -> bytes:
        """The configured secret, or one generated once and kept in the var folder."""
        if self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value().encode()
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(os.urandom(32).hex())
        return path.read_text().strip().encode()


def config_file() -> Path | None:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise SettingsError(f"{CONFIG_ENV}: no such file: {path}")
        return path
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation errors into one message that names every bad key."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "settings"
            lines.append(f"  {key}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings:\n" + "\n".join(lines)) from None
    except ValueError as exc:  # TOML syntax errors and similar
        raise SettingsError(f"invalid settings: {exc}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def masked(settings: Settings) -> dict[str, Any]:
    """Effective settings with secrets masked, for display."""
    out: dict[str, Any] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = "********" if value.get_secret_value() else ""
        elif isinstance(value, Path):
            value = str(value)
        out[name] = value
    return out
