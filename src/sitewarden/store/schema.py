"""SQLAlchemy 2 models: the one description of the database, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# SQLite has no 64-bit autoincrementing BIGINT primary key; INTEGER there is 64-bit anyway.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite drops tzinfo on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Tenant(Base):
    """A hosting customer (or registrar reseller) whose sites and domains we watch."""

    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    notify_webhook_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Asset(Base):
    """A site, domain or IP a tenant owns on our services."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "value"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # site | domain | ip
    value: Mapped[str] = mapped_column(String(2100))  # canonical URL, host or IP
    host: Mapped[str | None] = mapped_column(String(300), index=True)
    registrable_domain: Mapped[str | None] = mapped_column(String(300), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_scan_at: Mapped[datetime | None]
    tenant: Mapped[Tenant] = relationship()


class Observation(Base):
    """Something that came in from a source, deduplicated per source by its key."""

    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("source", "dedupe_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # url | host | domain
    value: Mapped[str] = mapped_column(String(2100))
    dedupe_key: Mapped[str] = mapped_column(String(300))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Scan(Base):
    """One fetch (and optional render) of a URL with what was found."""

    __tablename__ = "scans"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    url: Mapped[str] = mapped_column(String(2100))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|failed
    final_url: Mapped[str | None] = mapped_column(String(2100))
    http_status: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    kit_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    cert_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    rendered: Mapped[bool] = mapped_column(Boolean, default=False)
    render_note: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(40))
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fetch_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    signals: Mapped[list[SignalRow]] = relationship(order_by="SignalRow.weight.desc()")
    verdict: Mapped[VerdictRow | None] = relationship(back_populates="scan", uselist=False)


class SignalRow(Base):
    __tablename__ = "signals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    weight: Mapped[float] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text)
    fraud_type: Mapped[str | None] = mapped_column(String(40))
    brand: Mapped[str | None] = mapped_column(String(120))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)


class VerdictRow(Base):
    """A decision about a subject with its reasons; a scan has at most one."""

    __tablename__ = "verdicts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), unique=True)
    subject: Mapped[str] = mapped_column(String(2100))
    verdict: Mapped[str] = mapped_column(String(10), index=True)
    score: Mapped[float] = mapped_column(Float)
    fraud_type: Mapped[str | None] = mapped_column(String(40))
    brand: Mapped[str | None] = mapped_column(String(120))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    scan: Mapped[Scan | None] = relationship(back_populates="verdict")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # admin | analyst | approver | auditor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class SessionRow(Base):
    """Server-side dashboard session; only the SHA-256 of the cookie value is stored."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Case(Base):
    """One case per tenant and subject (registrable domain or site); new evidence appends."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("tenant_key", "subject"), Index("ix_cases_state_opened", "state", "opened_at"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    tenant_key: Mapped[str] = mapped_column(String(200))  # "" when no tenant owns the subject
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), default="open")
    verdict: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    fraud_type: Mapped[str | None] = mapped_column(String(40), index=True)
    brand: Mapped[str | None] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(40), default="scan")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    triaged_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    actioned_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]  # restarts the triage SLA clock when new evidence reopens a case
    tenant: Mapped[Tenant | None] = relationship()
    asset: Mapped[Asset | None] = relationship()
    scans: Mapped[list[CaseScan]] = relationship(order_by="CaseScan.added_at")
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id")


class CaseScan(Base):
    """Evidence attached to a case: the scans that produced it, frozen by content hash."""

    __tablename__ = "case_scans"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    scan: Mapped[Scan] = relationship()


class CaseEvent(Base):
    """The case timeline: state changes, comments, evidence, actions."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Action(Base):
    """An enforcement step: decided, then executed; idempotent by key and reversible."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    adapter: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="decided")
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    decided_by: Mapped[str] = mapped_column(String(150))
    approved_by: Mapped[str | None] = mapped_column(String(150))
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    reverses_action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    request: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    executed_at: Mapped[datetime | None]


class Appeal(Base):
    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="invited")  # invited|pending|restored|upheld
    message: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(320))
    submitted_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(150))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(Base):
    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(2100))
    status: Mapped[str] = mapped_column(String(20))
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Insert-only, hash-chained: each row's hash covers its content and the previous row's hash."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(150))
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Job(Base):
    """Durable work item: leased by a worker, retried with backoff, dead-lettered after max attempts."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "state", "run_after"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class Schedule(Base):
    """A periodic job: the scheduler enqueues `task` every `interval_seconds`."""

    __tablename__ = "schedules"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    task: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    interval_seconds: Mapped[float] = mapped_column(Float)
    next_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_run_at: Mapped[datetime | None]
