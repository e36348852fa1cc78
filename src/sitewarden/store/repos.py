"""Repository functions: every query the application makes, in one place, for both backends."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, selectinload

from sitewarden.store.casework import LIVE_STATES
from sitewarden.store.schema import (
    Asset,
    AuditEvent,
    Case,
    CaseEvent,
    CaseScan,
    Observation,
    Scan,
    SignalRow,
    Tenant,
    User,
    VerdictRow,
    utcnow,
)

# --- tenants and assets ------------------------------------------------------------------------


def upsert_tenant(s: Session, key: str, name: str | None = None, contact_email: str | None = None) -> Tenant:
    tenant = s.scalar(select(Tenant).where(Tenant.key == key))
    if tenant is None:
        tenant = Tenant(key=key, name=name or key, contact_email=contact_email)
        s.add(tenant)
        s.flush()
    else:
        if name:
            tenant.name = name
        if contact_email:
            tenant.contact_email = contact_email
    return tenant


def upsert_asset(
    s: Session, tenant: Tenant, kind: str, value: str, *, host: str | None, registrable_domain: str | None,
    ip: str | None,
) -> tuple[Asset, bool]:
    asset = s.scalar(
        select(Asset).where(Asset.tenant_id == tenant.id, Asset.kind == kind, Asset.value == value)
    )
    if asset is not None:
        if ip:
            asset.ip = ip
        asset.active = True
        return asset, False
    asset = Asset(
        tenant_id=tenant.id, kind=kind, value=value, host=host, registrable_domain=registrable_domain, ip=ip
    )
    s.add(asset)
    s.flush()
    return asset, True


def add_observation(
    s: Session, source: str, kind: str, value: str, dedupe_key: str, *, asset_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> tuple[Observation, bool]:
    """Record an observation once per (source, dedupe key); returns (row, created)."""
    obs = s.scalar(select(Observation).where(Observation.source == source, Observation.dedupe_key == dedupe_key))
    if obs is not None:
        return obs, False
    obs = Observation(
        source=source, kind=kind, value=value, dedupe_key=dedupe_key, asset_id=asset_id, payload=payload or {}
    )
    s.add(obs)
    s.flush()
    return obs, True


def import_sites(s: Session, rows: Sequence[Any], source: str) -> tuple[list[tuple[int, str]], int]:
    """Bulk form of upsert_tenant + upsert_asset + add_observation for one chunk of inventory sites.

    Rows need .tenant, .tenant_name, .contact_email, .url, .host, .registrable_domain, .ip, .line.
    Returns the (asset_id, url) of each newly observed site, and how many rows were already known.
    """
    keys = {f"{r.tenant}|{r.url}": r for r in rows}  # a key repeated within the chunk counts once
    seen = set(
        s.scalars(select(Observation.dedupe_key).where(Observation.source == source,
                                                       Observation.dedupe_key.in_(list(keys))))
    )
    fresh = [r for k, r in keys.items() if k not in seen]
    duplicates = len(rows) - len(fresh)
    if not fresh:
        return [], duplicates
    tenant_ids: dict[str, int] = {}
    for r in fresh:
        if r.tenant not in tenant_ids or r.tenant_name or r.contact_email:
            tenant_ids[r.tenant] = upsert_tenant(s, r.tenant, r.tenant_name, r.contact_email).id
    asset_ids: dict[tuple[int, str], int] = {}
    ip_of = {(tenant_ids[r.tenant], r.url): r.ip for r in fresh}
    for a in s.scalars(select(Asset).where(Asset.kind == "site", Asset.value.in_({r.url for r in fresh}),
                                           Asset.tenant_id.in_(set(tenant_ids.values())))):
        asset_ids[(a.tenant_id, a.value)] = a.id
        a.active = True
        if ip_of.get((a.tenant_id, a.value)):
            a.ip = ip_of[(a.tenant_id, a.value)]
    new_assets = [
        {"tenant_id": tenant_ids[r.tenant], "kind": "site", "value": r.url, "host": r.host,
         "registrable_domain": r.registrable_domain, "ip": r.ip, "active": True, "created_at": utcnow()}
        for r in fresh if (tenant_ids[r.tenant], r.url) not in asset_ids
    ]  # fresh rows are unique by (tenant, url), so each new asset appears once
    if new_assets:
        ids = s.scalars(insert(Asset).returning(Asset.id, sort_by_parameter_order=True), new_assets)
        for spec, asset_id in zip(new_assets, ids, strict=True):
            asset_ids[(spec["tenant_id"], spec["value"])] = asset_id
    asset_of = {r.url + "|" + r.tenant: asset_ids[(tenant_ids[r.tenant], r.url)] for r in fresh}
    s.execute(
        insert(Observation),
        [{"source": source, "kind": "url", "value": r.url, "dedupe_key": f"{r.tenant}|{r.url}",
          "asset_id": asset_of[r.url + "|" + r.tenant], "payload": {"line": r.line, "ip": r.ip},
          "received_at": utcnow()} for r in fresh],
    )
    return [(asset_of[r.url + "|" + r.tenant], r.url) for r in fresh], duplicates


def create_scans(s: Session, targets: Sequence[tuple[str, int | None]]) -> list[int]:
    if not targets:
        return []
    now = utcnow()
    rows = [{"url": url, "asset_id": asset_id, "status": "queued", "created_at": now, "rendered": False,
             "facts": {}, "fetch_info": {}, "timings": {}} for url, asset_id in targets]
    return list(s.scalars(insert(Scan).returning(Scan.id, sort_by_parameter_order=True), rows))


def feed_listings(s: Session, hosts: Sequence[str]) -> list[Observation]:
    """Feed observations that list any of these hosts (a site's host and its registrable domain)."""
    return list(
        s.scalars(
            select(Observation).where(Observation.source.like("feed:%"), Observation.value.in_(list(hosts)))
        )
    )


def get_asset(s: Session, asset_id: int) -> Asset | None:
    return s.get(Asset, asset_id, options=[selectinload(Asset.tenant)])


def list_sites(
    s: Session, *, tenant_key: str | None = None, verdict: str | None = None, limit: int = 200, offset: int = 0
) -> list[tuple[Asset, Scan | None]]:
    """Sites with their latest finished scan (and its verdict)."""
    latest = (
        select(Scan.asset_id, func.max(Scan.id).label("scan_id"))
        .where(Scan.status.in_(("done", "failed")))
        .group_by(Scan.asset_id)
        .subquery()
    )
    q = (
        select(Asset, Scan)
        .join(Tenant, Tenant.id == Asset.tenant_id)
        .outerjoin(latest, latest.c.asset_id == Asset.id)
        .outerjoin(Scan, Scan.id == latest.c.scan_id)
        .where(Asset.kind == "site")
        .options(selectinload(Asset.tenant), selectinload(Scan.verdict))
        .order_by(Asset.id)
        .limit(limit)
        .offset(offset)
    )
    if tenant_key:
        q = q.where(Tenant.key == tenant_key)
    if verdict:
        q = q.join(VerdictRow, VerdictRow.scan_id == Scan.id).where(VerdictRow.verdict == verdict)
    return [(a, sc) for a, sc in s.execute(q).all()]


def site_scans(s: Session, asset_id: int, limit: int = 20) -> list[Scan]:
    return list(
        s.scalars(
            select(Scan)
            .where(Scan.asset_id == asset_id)
            .options(selectinload(Scan.verdict))
            .order_by(Scan.id.desc())
            .limit(limit)
        )
    )


# --- scans -------------------------------------------------------------------------------------


def get_scan(s: Session, scan_id: int) -> Scan | None:
    return s.get(Scan, scan_id, options=[selectinload(Scan.signals), selectinload(Scan.verdict)])


def save_verdict(
    s: Session, scan: Scan, *, subject: str, verdict: str, score: float, fraud_type: str | None,
    brand: str | None, signals: Sequence[dict[str, Any]],
) -> VerdictRow:
    """Replace the scan's signals and verdict (a retried job rewrites, never duplicates)."""
    for old in list(scan.signals):
        s.delete(old)
    if scan.verdict is not None:
        s.delete(scan.verdict)
    s.flush()
    for sig in signals:
        s.add(
            SignalRow(
                scan_id=scan.id, name=sig["signal"], weight=sig["weight"], detail=sig["detail"],
                fraud_type=sig.get("fraud_type"), brand=sig.get("brand"), evidence=sig.get("evidence") or {},
            )
        )
    row = VerdictRow(
        scan_id=scan.id, subject=subject, verdict=verdict, score=score, fraud_type=fraud_type, brand=brand,
        reasons=list(signals),
    )
    s.add(row)
    s.flush()
    s.refresh(scan)
    return row


def related_confirmed(
    s: Session, *, kit_hash: str | None, ip: str | None, cert: str | None, exclude_scan: int
) -> dict[str, int]:
    """How many confirmed cases share this page kit, IP or TLS certificate (reputation evidence)."""
    bad_states = ("confirmed", "actioned", "closed", "upheld")
    out = {"kit": 0, "ip": 0, "cert": 0}
    for key, column, value in (("kit", Scan.kit_hash, kit_hash), ("ip", Scan.ip, ip), ("cert", Scan.cert_sha256, cert)):
        if not value:
            continue
        out[key] = s.scalar(
            select(func.count(func.distinct(Case.id)))
            .join(CaseScan, CaseScan.case_id == Case.id)
            .join(Scan, Scan.id == CaseScan.scan_id)
            .where(column == value, Scan.id != exclude_scan, Case.state.in_(bad_states))
        ) or 0
    return out


def sites_sharing_kit(s: Session, kit_hash: str, exclude_scan: int, limit: int = 20) -> list[str]:
    rows = s.scalars(
        select(func.distinct(Scan.final_url))
        .where(Scan.kit_hash == kit_hash, Scan.id != exclude_scan, Scan.final_url.is_not(None))
        .limit(limit)
    )
    return [r for r in rows if r]


# --- cases -------------------------------------------------------------------------------------


def open_or_append_case(
    s: Session, *, tenant: Tenant | None, asset_id: int | None, subject: str, scan: Scan, verdict: str,
    score: float, fraud_type: str | None, brand: str | None, source: str = "scan",
) -> tuple[Case, bool]:
    """One case per tenant and subject: a new finding appends evidence to the open one."""
    tenant_key = tenant.key if tenant else ""
    case = s.scalar(select(Case).where(Case.tenant_key == tenant_key, Case.subject == subject))
    created = case is None
    now = utcnow()
    if case is None:
        case = Case(
            tenant_id=tenant.id if tenant else None, tenant_key=tenant_key, asset_id=asset_id, subject=subject,
            state="open", verdict=verdict, score=score, fraud_type=fraud_type, brand=brand, source=source,
        )
        s.add(case)
        s.flush()
        s.add(CaseEvent(case_id=case.id, actor="system", kind="opened", detail={"scan_id": scan.id}))
    else:
        if case.state in ("closed", "cleared", "restored") and score >= case.score:
            case.state, case.reopened_at, case.closed_at = "reopened", now, None
            s.add(CaseEvent(case_id=case.id, actor="system", kind="reopened", detail={"scan_id": scan.id}))
        if score > case.score:
            case.score, case.verdict, case.fraud_type = score, verdict, fraud_type or case.fraud_type
            case.brand = brand or case.brand
        case.updated_at = now
    if s.get(CaseScan, (case.id, scan.id)) is None:
        s.add(CaseScan(case_id=case.id, scan_id=scan.id))
        if not created:
            s.add(CaseEvent(case_id=case.id, actor="system", kind="evidence", detail={"scan_id": scan.id}))
    s.flush()
    return case, created


def get_case(s: Session, case_id: int) -> Case | None:
    return s.get(
        Case,
        case_id,
        options=[
            selectinload(Case.tenant),
            selectinload(Case.asset),
            selectinload(Case.events),
            selectinload(Case.scans).selectinload(CaseScan.scan).selectinload(Scan.signals),
            selectinload(Case.scans).selectinload(CaseScan.scan).selectinload(Scan.verdict),
        ],
    )


def overview_counts(s: Session) -> dict[str, Any]:
    return {
        "tenants": s.scalar(select(func.count()).select_from(Tenant)) or 0,
        "sites": s.scalar(select(func.count()).select_from(Asset).where(Asset.kind == "site")) or 0,
        "scans": s.scalar(select(func.count()).select_from(Scan)) or 0,
        "scans_pending": s.scalar(
            select(func.count()).select_from(Scan).where(Scan.status.in_(("queued", "running")))
        ) or 0,
        "verdicts": dict(s.execute(select(VerdictRow.verdict, func.count()).group_by(VerdictRow.verdict)).all()),
        "cases_by_state": dict(s.execute(select(Case.state, func.count()).group_by(Case.state)).all()),
        "cases_by_type": dict(
            s.execute(
                select(Case.fraud_type, func.count()).where(Case.state.in_(LIVE_STATES)).group_by(Case.fraud_type)
            ).all()
        ),
    }


# --- users -------------------------------------------------------------------------------------


def get_user(s: Session, username: str) -> User | None:
    return s.scalar(select(User).where(User.username == username))


def create_user(s: Session, username: str, password_hash: str, role: str) -> User:
    user = User(username=username, password_hash=password_hash, role=role)
    s.add(user)
    s.flush()
    return user


# --- audit log ---------------------------------------------------------------------------------

GENESIS = "0" * 64


def audit_hash(prev_hash: str, row_id: int, at: datetime, actor: str, action: str, subject: str,
               detail: dict[str, Any]) -> str:
    body = json.dumps(
        [prev_hash, row_id, at.isoformat(), actor, action, subject, detail],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def audit(s: Session, actor: str, action: str, subject: str, detail: dict[str, Any] | None = None) -> AuditEvent:
    """Append to the hash chain. Writers are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a lock)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(7431)"))
    last = s.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_id, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
    at = utcnow()
    detail = json.loads(json.dumps(detail or {}, default=str))
    row_id = prev_id + 1
    event = AuditEvent(
        id=row_id, at=at, actor=actor, action=action, subject=subject, detail=detail, prev_hash=prev_hash,
        hash=audit_hash(prev_hash, row_id, at, actor, action, subject, detail),
    )
    s.add(event)
    s.flush()
    return event


def audit_events(s: Session, after_id: int = 0, limit: int | None = None) -> list[AuditEvent]:
    q = select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
    if limit:
        q = q.limit(limit)
    return list(s.scalars(q))
