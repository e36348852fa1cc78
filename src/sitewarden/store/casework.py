"""Queries for case work: timeline, queue and overdue views, actions, appeals, notices, charts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from sitewarden.store.schema import (
    Action,
    Appeal,
    Asset,
    Case,
    CaseEvent,
    CaseScan,
    Notice,
    Scan,
    Tenant,
    User,
    utcnow,
)

QUEUE_SORTS = {
    "score": (Case.score.desc(), Case.opened_at.desc()),
    "newest": (Case.opened_at.desc(),),
    "oldest": (Case.opened_at.asc(),),
    "updated": (Case.updated_at.desc(),),
}
LIVE_STATES = ("open", "reopened", "triage", "confirmed", "actioned", "appealed")


def add_event(s: Session, case_id: int, actor: str, kind: str, detail: dict[str, Any]) -> CaseEvent:
    event = CaseEvent(case_id=case_id, actor=actor, kind=kind, detail=detail)
    s.add(event)
    s.flush()
    return event


def queue(
    s: Session, *, state: str | None = None, fraud_type: str | None = None, tenant_key: str | None = None,
    source: str | None = None, max_age_hours: float | None = None, sort: str = "score", limit: int = 200,
    offset: int = 0,
) -> list[Case]:
    """The analyst queue; `state="live"` means every state still needing work."""
    q: Select[tuple[Case]] = select(Case).options(selectinload(Case.tenant))
    if state == "live":
        q = q.where(Case.state.in_(LIVE_STATES))
    elif state:
        q = q.where(Case.state == state)
    if fraud_type:
        q = q.where(Case.fraud_type == fraud_type)
    if tenant_key:
        q = q.where(Case.tenant_key == tenant_key)
    if source:
        q = q.where(Case.source == source)
    if max_age_hours is not None:
        q = q.where(Case.opened_at >= utcnow() - timedelta(hours=max_age_hours))
    return list(s.scalars(q.order_by(*QUEUE_SORTS[sort]).limit(limit).offset(offset)))


def overdue(s: Session, triage_hours: float, action_hours: float, limit: int = 500) -> list[Case]:
    """Cases past their SLA target (same rule as act.cases.sla_for, expressed in SQL)."""
    now = utcnow()
    triage_due = now - timedelta(hours=triage_hours)
    q = (
        select(Case)
        .options(selectinload(Case.tenant))
        .where(
            or_(
                and_(Case.state == "open", Case.opened_at <= triage_due),
                and_(Case.state == "reopened", func.coalesce(Case.reopened_at, Case.opened_at) <= triage_due),
                and_(Case.state == "triage",
                     func.coalesce(Case.reopened_at, Case.opened_at) <= triage_due - timedelta(hours=action_hours)),
                and_(Case.state == "confirmed", Case.confirmed_at <= now - timedelta(hours=action_hours)),
            )
        )
        .order_by(Case.opened_at)
        .limit(limit)
    )
    return list(s.scalars(q))


def facets(s: Session) -> dict[str, list[str]]:
    """Distinct values for the queue filters."""
    def distinct(col: Any) -> list[str]:
        return [v for v in s.scalars(select(func.distinct(col)).order_by(col)) if v]

    return {"fraud_type": distinct(Case.fraud_type), "tenant": distinct(Case.tenant_key), "source": distinct(Case.source)}


def usernames(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(s.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def case_detail(s: Session, case_id: int) -> Case | None:
    return s.get(
        Case, case_id,
        options=[
            selectinload(Case.tenant), selectinload(Case.asset), selectinload(Case.events),
            selectinload(Case.scans).selectinload(CaseScan.scan).selectinload(Scan.signals),
            selectinload(Case.scans).selectinload(CaseScan.scan).selectinload(Scan.verdict),
        ],
    )


def related(s: Session, case: Case, limit: int = 20) -> dict[str, list[tuple[int, str, str]]]:
    """Other cases sharing a kit fingerprint, an IP or a brand with this one: (id, subject, state)."""
    scans = [cs.scan for cs in case.scans]
    kits = {sc.kit_hash for sc in scans if sc.kit_hash}
    ips = {sc.ip for sc in scans if sc.ip}
    out: dict[str, list[tuple[int, str, str]]] = {}
    for key, column, values in (("kit", Scan.kit_hash, kits), ("ip", Scan.ip, ips)):
        rows = s.execute(
            select(Case.id, Case.subject, Case.state).distinct()
            .join(CaseScan, CaseScan.case_id == Case.id).join(Scan, Scan.id == CaseScan.scan_id)
            .where(column.in_(values), Case.id != case.id).limit(limit)
        ).all() if values else []
        out[key] = [(r[0], r[1], r[2]) for r in rows]
    out["brand"] = [
        (r[0], r[1], r[2]) for r in s.execute(
            select(Case.id, Case.subject, Case.state).where(Case.brand == case.brand, Case.id != case.id).limit(limit)
        ).all()
    ] if case.brand else []
    return out


# --- actions -------------------------------------------------------------------------------------


def add_action(s: Session, **fields: Any) -> Action:
    action = Action(**fields)
    s.add(action)
    s.flush()
    return action


def action_by_key(s: Session, key: str) -> Action | None:
    return s.scalar(select(Action).where(Action.idempotency_key == key))


def case_actions(s: Session, case_id: int) -> list[Action]:
    return list(s.scalars(select(Action).where(Action.case_id == case_id).order_by(Action.id)))


def action_count(s: Session, case_id: int, kind: str) -> int:
    return s.scalar(select(func.count()).select_from(Action).where(Action.case_id == case_id, Action.kind == kind)) or 0


def actions_since(s: Session, since: datetime, *, auto: bool | None = None, tenant_id: int | None = None) -> int:
    """Restrictive actions decided since a time (reversals never count against caps)."""
    q = select(func.count()).select_from(Action).where(
        Action.created_at >= since, Action.reverses_action_id.is_(None), Action.state != "rejected"
    )
    if auto is not None:
        q = q.where(Action.auto == auto)
    if tenant_id is not None:
        q = q.join(Case, Case.id == Action.case_id).where(Case.tenant_id == tenant_id)
    return s.scalar(q) or 0


def pending_approvals(s: Session, limit: int = 200) -> list[Action]:
    return list(s.scalars(select(Action).where(Action.state == "decided").order_by(Action.id).limit(limit)))


def reversal_of(s: Session, action_id: int) -> Action | None:
    return s.scalar(select(Action).where(Action.reverses_action_id == action_id))


# --- appeals and notices -------------------------------------------------------------------------


def add_appeal(s: Session, case_id: int, token_hash: str) -> Appeal:
    appeal = Appeal(case_id=case_id, token_hash=token_hash)
    s.add(appeal)
    s.flush()
    return appeal


def appeal_by_token(s: Session, token_hash: str) -> Appeal | None:
    return s.scalar(select(Appeal).where(Appeal.token_hash == token_hash))


def appeals(s: Session, state: str | None = None, case_id: int | None = None, limit: int = 200) -> list[Appeal]:
    q = select(Appeal).order_by(Appeal.submitted_at.desc().nulls_last(), Appeal.id.desc()).limit(limit)
    if state:
        q = q.where(Appeal.state == state)
    if case_id is not None:
        q = q.where(Appeal.case_id == case_id)
    return list(s.scalars(q))


def add_notice(s: Session, **fields: Any) -> Notice:
    notice = Notice(**fields)
    s.add(notice)
    s.flush()
    return notice


def case_notices(s: Session, case_id: int) -> list[Notice]:
    return list(s.scalars(select(Notice).where(Notice.case_id == case_id).order_by(Notice.id)))


# --- overview and lists --------------------------------------------------------------------------


def opened_since(s: Session, since: datetime) -> list[tuple[datetime, str | None]]:
    return [(r[0], r[1]) for r in s.execute(select(Case.opened_at, Case.fraud_type).where(Case.opened_at >= since))]


def action_durations(s: Session, since: datetime) -> list[float]:
    """Hours from opening to action for cases actioned since a time."""
    rows = s.execute(select(Case.opened_at, Case.actioned_at).where(Case.actioned_at >= since)).all()
    return [(b - a).total_seconds() / 3600 for a, b in rows if a and b]


def live_cases(s: Session) -> list[Case]:
    return list(s.scalars(select(Case).where(Case.state.in_(LIVE_STATES))))


def tenants(s: Session) -> list[tuple[Tenant, int, int]]:
    """Tenants with their site count and live case count."""
    sites = (
        select(Asset.tenant_id, func.count().label("n")).where(Asset.kind == "site").group_by(Asset.tenant_id).subquery()
    )
    cases = (
        select(Case.tenant_id, func.count().label("n")).where(Case.state.in_(LIVE_STATES))
        .group_by(Case.tenant_id).subquery()
    )
    rows = s.execute(
        select(Tenant, func.coalesce(sites.c.n, 0), func.coalesce(cases.c.n, 0))
        .outerjoin(sites, sites.c.tenant_id == Tenant.id).outerjoin(cases, cases.c.tenant_id == Tenant.id)
        .order_by(Tenant.key)
    ).all()
    return [(t, int(a), int(b)) for t, a, b in rows]


def cases_for_asset(s: Session, asset_ids: list[int]) -> dict[int, tuple[int, str]]:
    if not asset_ids:
        return {}
    rows = s.execute(select(Case.asset_id, Case.id, Case.state).where(Case.asset_id.in_(asset_ids))).all()
    return {r[0]: (r[1], r[2]) for r in rows}
