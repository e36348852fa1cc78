"""Dashboard pages (GET): overview, queue, overdue, case, approvals, appeals, sites, tenants, audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from sitewarden.act import audit as audit_chain
from sitewarden.act import cases as workflow
from sitewarden.act import enforce
from sitewarden.act.actions import restrictive_kinds
from sitewarden.domain.models import FraudType
from sitewarden.settings import Settings
from sitewarden.store import casework, repos
from sitewarden.store.auth_repo import list_users
from sitewarden.store.schema import Case, utcnow
from sitewarden.web.auth import Principal, require
from sitewarden.web.deps import get_ctx
from sitewarden.web.ui import charts
from sitewarden.web.ui.render import page
from sitewarden.work.api import Context

router = APIRouter(include_in_schema=False)
CHART_DAYS = 30


def sla_of(case: Case, settings: Settings) -> workflow.Sla:
    return workflow.sla_for(case.state, case.opened_at, case.confirmed_at, utcnow(), settings.sla_triage_hours,
                            settings.sla_action_hours, case.reopened_at)


def queue_rows(s: Session, cases: list[Case], settings: Settings) -> list[dict[str, Any]]:
    names = casework.usernames(s, {c.assignee_id for c in cases if c.assignee_id})
    return [{"case": c, "sla": sla_of(c, settings), "assignee": names.get(c.assignee_id or 0)} for c in cases]


@router.get("/")
def overview(request: Request, who: Principal = Depends(require("read")), ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    with ctx.store.read() as s:
        counts = repos.overview_counts(s)
        top = queue_rows(s, casework.queue(s, state="live", limit=10), ctx.settings)
        overdue = len(casework.overdue(s, ctx.settings.sla_triage_hours, ctx.settings.sla_action_hours))
        pending = len(casework.pending_approvals(s))
        appeals = len(casework.appeals(s, "pending"))
    return page(request, "overview.html", who, counts=counts, top=top, overdue=overdue, pending=pending,
                appeals=appeals)


@router.get("/ui/charts.json")
def chart_data(who: Principal = Depends(require("read")), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    since = utcnow() - timedelta(days=CHART_DAYS)
    with ctx.store.read() as s:
        opened = casework.opened_since(s, since)
        durations = casework.action_durations(s, since)
        states = [sla_of(c, ctx.settings).state for c in casework.live_cases(s)]
    return {
        "per_day": charts.per_day_by_type(opened, utcnow().date(), CHART_DAYS),
        "time_to_action": charts.time_to_action(durations),
        "sla": charts.by_sla_state(states),
    }


@router.get("/cases")
def queue(
    request: Request,
    state: str = Query("live", max_length=20),
    fraud_type: str = Query("", max_length=40),
    tenant: str = Query("", max_length=200),
    source: str = Query("", max_length=40),
    max_age_hours: str = Query("", max_length=12, description="Empty (any age) or hours."),
    sort: str = Query("score", max_length=20),
    who: Principal = Depends(require("read")),
    ctx: Context = Depends(get_ctx),
) -> HTMLResponse:
    fragment = bool(request.headers.get("HX-Request"))
    try:
        max_age = float(max_age_hours) if max_age_hours.strip() else None
    except ValueError:
        return filter_error(request, who, fragment, f"max_age_hours: not a number: {max_age_hours!r}")
    if state not in ("live", "", *workflow.STATES):
        return filter_error(request, who, fragment, f"state: unknown case state {state!r}")
    if sort not in casework.QUEUE_SORTS:
        return filter_error(request, who, fragment, f"sort: one of {', '.join(casework.QUEUE_SORTS)}")
    with ctx.store.read() as s:
        cases = casework.queue(s, state=state or None, fraud_type=fraud_type or None, tenant_key=tenant or None,
                               source=source or None, max_age_hours=max_age, sort=sort)
        rows = queue_rows(s, cases, ctx.settings)
        facets = casework.facets(s)
    filters = {"state": state, "fraud_type": fraud_type, "tenant": tenant, "source": source,
               "max_age_hours": max_age_hours, "sort": sort}
    name = "_queue_table.html" if fragment else "queue.html"
    return page(request, name, who, rows=rows, filters=filters, facets=facets, states=workflow.STATES,
                fraud_types=[f.value for f in FraudType], title="Queue")


def filter_error(request: Request, who: Principal, fragment: bool, problem: str) -> HTMLResponse:
    """htmx swaps error bodies too, so a bad filter answers with a queue fragment that says what is wrong."""
    if not fragment:
        raise HTTPException(422, problem)
    return page(request, "_queue_table.html", who, 422, rows=[], problem=problem)


@router.get("/overdue")
def overdue(request: Request, who: Principal = Depends(require("read")), ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    with ctx.store.read() as s:
        rows = queue_rows(s, casework.overdue(s, ctx.settings.sla_triage_hours, ctx.settings.sla_action_hours),
                          ctx.settings)
    return page(request, "overdue.html", who, rows=rows, title="Overdue")


@router.get("/cases/{case_id}")
def case_page(case_id: int, request: Request, who: Principal = Depends(require("read")),
              ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    with ctx.store.read() as s:
        case = casework.case_detail(s, case_id)
        if case is None:
            raise HTTPException(404, f"no case {case_id}")
        actions = casework.case_actions(s, case_id)
        in_force = {a.id for a in enforce.executed_restrictions(s, case_id)}
        names = casework.usernames(s, {case.assignee_id} if case.assignee_id else set())
        context = {
            "case": case, "sla": sla_of(case, ctx.settings), "assignee": names.get(case.assignee_id or 0),
            "scans": list(reversed([cs.scan for cs in case.scans])), "related": casework.related(s, case),
            "actions": actions, "in_force": in_force, "appeals": casework.appeals(s, case_id=case_id),
            "notices": casework.case_notices(s, case_id),
            "manual": sorted(workflow.MANUAL & workflow.TRANSITIONS.get(case.state, frozenset())),
            "kinds": restrictive_kinds(),
            "users": [u.username for u in list_users(s) if u.active and u.role != "auditor"],
        }
    return page(request, "case.html", who, **context)


@router.get("/approvals")
def approvals(request: Request, who: Principal = Depends(require("read")), ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    with ctx.store.read() as s:
        pending = casework.pending_approvals(s)
        subjects = {a.case_id: s.get(Case, a.case_id) for a in pending}
    return page(request, "approvals.html", who, pending=pending, subjects=subjects)


@router.get("/appeals")
def appeals_page(request: Request, state: str = Query("pending", max_length=20),
                 who: Principal = Depends(require("read")), ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    with ctx.store.read() as s:
        rows = casework.appeals(s, state or None)
        subjects = {a.case_id: s.get(Case, a.case_id) for a in rows}
    return page(request, "appeals.html", who, rows=rows, subjects=subjects, state=state)


@router.get("/sites")
def sites(request: Request, tenant: str = Query("", max_length=200), who: Principal = Depends(require("read")),
          ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    with ctx.store.read() as s:
        rows = repos.list_sites(s, tenant_key=tenant or None, limit=1000)
        case_of = casework.cases_for_asset(s, [a.id for a, _ in rows])
    return page(request, "sites.html", who, rows=rows, case_of=case_of, tenant=tenant)


@router.get("/tenants")
def tenants(request: Request, who: Principal = Depends(require("read")), ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    with ctx.store.read() as s:
        rows = casework.tenants(s)
    return page(request, "tenants.html", who, rows=rows)


@router.get("/audit")
def audit_log(request: Request, after: int = Query(0, ge=0), who: Principal = Depends(require("read")),
              ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    report = audit_chain.verify(ctx.store)
    with ctx.store.read() as s:
        events = repos.audit_events(s, after, 200)
    return page(request, "audit.html", who, report=report, events=events,
                next_after=events[-1].id if len(events) == 200 else None)
