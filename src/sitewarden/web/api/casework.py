"""Case work over REST: transitions, assignment, comments, actions and approvals, appeals, audit, users.

Reads of the case list and one case live in cases.py; this module holds everything that changes a case
and the queues around it. Every route declares its permission; errors name the rule that refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from sitewarden.act import appeals, enforce
from sitewarden.act import audit as audit_chain
from sitewarden.act import cases as workflow
from sitewarden.act.actions import restrictive_kinds
from sitewarden.store import auth_repo, casework, repos
from sitewarden.store.schema import Action, Appeal, Case, utcnow
from sitewarden.web.auth import (
    AuthError,
    Principal,
    create_token,
    create_user,
    require,
    revoke_token,
    set_active,
)
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(prefix="/api/v1", tags=["casework"])


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn the workflow's refusals into HTTP answers that say why (409 rule, 422 input, 404 missing)."""
    try:
        yield
    except LookupError as exc:
        raise HTTPException(404, str(exc).strip("'\"")) from None
    except (workflow.WorkflowError, enforce.EnforcementError) as exc:
        raise HTTPException(409, str(exc)) from None
    except (appeals.AppealError, AuthError) as exc:
        raise HTTPException(422, str(exc)) from None


def action_out(a: Action) -> dict[str, Any]:
    return {
        "id": a.id, "case_id": a.case_id, "kind": a.kind, "adapter": a.adapter, "state": a.state,
        "idempotency_key": a.idempotency_key, "decided_by": a.decided_by, "approved_by": a.approved_by,
        "auto": a.auto, "dry_run": a.dry_run, "reverses_action_id": a.reverses_action_id, "reason": a.request.get("reason"),
        "result": a.result, "attempts": a.attempts, "created_at": a.created_at.isoformat(),
        "executed_at": a.executed_at.isoformat() if a.executed_at else None,
    }


def appeal_out(a: Appeal) -> dict[str, Any]:
    return {
        "id": a.id, "case_id": a.case_id, "state": a.state, "message": a.message, "contact": a.contact,
        "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None, "decided_by": a.decided_by,
        "reason": a.reason,
    }


def case_state(case: Case, ctx: Context) -> dict[str, Any]:
    sla = workflow.sla_for(case.state, case.opened_at, case.confirmed_at, utcnow(), ctx.settings.sla_triage_hours,
                           ctx.settings.sla_action_hours, case.reopened_at)
    return {"id": case.id, "subject": case.subject, "state": case.state, "assignee_id": case.assignee_id,
            "sla": {"stage": sla.stage, "state": sla.state, "due_at": sla.due_at.isoformat() if sla.due_at else None}}


# --- cases ---------------------------------------------------------------------------------------


class TransitionIn(BaseModel):
    to: Literal["triage", "confirmed", "cleared", "closed"]
    note: str = Field("", max_length=2000)


class AssignIn(BaseModel):
    username: str | None = Field(None, max_length=150, description="null unassigns")


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=workflow.MAX_COMMENT)


class BulkIn(BaseModel):
    ids: list[int] = Field(min_length=1, max_length=500)


@router.post("/cases/{case_id}/transition")
def transition(case_id: int, body: TransitionIn, ctx: Context = Depends(get_ctx),
               who: Principal = Depends(require("triage"))) -> dict[str, Any]:
    with domain_errors(), ctx.store.write() as s:
        case = workflow.transition(s, workflow.load(s, case_id), body.to, who.username, body.note)
        return case_state(case, ctx)


@router.post("/cases/bulk-triage")
def bulk_triage(body: BulkIn, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("triage"))) -> dict[str, Any]:
    with ctx.store.write() as s:
        moved, skipped = workflow.bulk_triage(s, body.ids, who.username)
    return {"moved": moved, "skipped": {str(k): v for k, v in skipped.items()}}


@router.post("/cases/{case_id}/assign")
def assign(case_id: int, body: AssignIn, ctx: Context = Depends(get_ctx),
           who: Principal = Depends(require("triage"))) -> dict[str, Any]:
    with domain_errors(), ctx.store.write() as s:
        return case_state(workflow.assign(s, workflow.load(s, case_id), body.username, who.username), ctx)


@router.post("/cases/{case_id}/comments", status_code=201)
def comment(case_id: int, body: CommentIn, ctx: Context = Depends(get_ctx),
            who: Principal = Depends(require("triage"))) -> dict[str, Any]:
    with domain_errors(), ctx.store.write() as s:
        workflow.comment(s, workflow.load(s, case_id), body.text, who.username)
    return {"case_id": case_id, "ok": True}


@router.get("/sla/overdue", dependencies=[Depends(require("read"))])
def overdue(ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        rows = casework.overdue(s, ctx.settings.sla_triage_hours, ctx.settings.sla_action_hours)
        return {"items": [case_state(c, ctx) for c in rows]}


# --- actions -------------------------------------------------------------------------------------


class ActionIn(BaseModel):
    kind: str = Field(max_length=40, description="A restrictive kind: suspend_site, suspend_account, client_hold")
    reason: str = Field(min_length=1, max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/action-kinds", dependencies=[Depends(require("read"))])
def action_kinds() -> dict[str, str]:
    return restrictive_kinds()


@router.get("/cases/{case_id}/actions", dependencies=[Depends(require("read"))])
def case_actions(case_id: int, ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        return {"items": [action_out(a) for a in casework.case_actions(s, case_id)]}


def run_if_approved(ctx: Context, action: Action, actor: str) -> dict[str, Any]:
    """Phase two right away once approval is in (the decision is already committed)."""
    if action.state == "approved":
        with domain_errors():
            action = enforce.execute(ctx, action.id, actor)
    return action_out(action)


@router.post("/cases/{case_id}/actions", status_code=201)
def decide_action(case_id: int, body: ActionIn, ctx: Context = Depends(get_ctx),
                  who: Principal = Depends(require("triage"))) -> dict[str, Any]:
    with domain_errors(), ctx.store.write() as s:
        action = enforce.propose(s, ctx.settings, workflow.load(s, case_id), body.kind, who.username, body.reason)
    return run_if_approved(ctx, action, who.username)


@router.get("/actions/pending", dependencies=[Depends(require("read"))])
def pending(ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        return {"items": [action_out(a) for a in casework.pending_approvals(s)]}


@router.post("/actions/{action_id}/approve")
def approve(action_id: int, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("approve"))) -> dict[str, Any]:
    with domain_errors(), ctx.store.write() as s:
        action = enforce.approve(s, action_id, who.username)
    return run_if_approved(ctx, action, who.username)


@router.post("/actions/{action_id}/reject")
def reject(action_id: int, body: ReasonIn, ctx: Context = Depends(get_ctx),
           who: Principal = Depends(require("approve"))) -> dict[str, Any]:
    with domain_errors(), ctx.store.write() as s:
        return action_out(enforce.reject(s, action_id, who.username, body.reason))


@router.post("/actions/{action_id}/execute")
def retry(action_id: int, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("approve"))) -> dict[str, Any]:
    with domain_errors():
        return action_out(enforce.execute(ctx, action_id, who.username))


def reverse_and_restore(ctx: Context, action_id: int, actor: str, reason: str) -> Action:
    """Undo a restriction now; once nothing restricts the case any more it is marked restored."""
    with ctx.store.write() as s:
        reversal = enforce.reverse(s, action_id, actor, reason)
    reversal = enforce.execute(ctx, reversal.id, actor)
    if reversal.state == "executed":
        with ctx.store.write() as s:
            case = workflow.load(s, reversal.case_id)
            if case.state == "actioned" and not enforce.executed_restrictions(s, case.id):
                workflow.transition(s, case, "restored", actor, reason, manual=False)
    return reversal


@router.post("/actions/{action_id}/reverse")
def reverse(action_id: int, body: ReasonIn, ctx: Context = Depends(get_ctx),
            who: Principal = Depends(require("approve"))) -> dict[str, Any]:
    with domain_errors():
        return action_out(reverse_and_restore(ctx, action_id, who.username, body.reason))


# --- appeals -------------------------------------------------------------------------------------


class DecideAppealIn(BaseModel):
    outcome: Literal["restore", "uphold"]
    reason: str = Field(min_length=1, max_length=2000)


def issue_appeal_link(ctx: Context, case_id: int, actor: str) -> str:
    """A fresh appeal link for a case, for when a notice could not reach the customer (shown once)."""
    with ctx.store.write() as s:
        case = workflow.load(s, case_id)
        if not enforce.executed_restrictions(s, case.id):
            raise workflow.WorkflowError(f"case {case_id} has no restriction in force to appeal")
        token = appeals.invite(s, case.id)
        repos.audit(s, actor, "appeal.link_issued", f"case:{case_id}", {})
    return f"{ctx.settings.public_url.rstrip('/')}/appeal/{token}"


@router.post("/cases/{case_id}/appeal-link", status_code=201)
def appeal_link(case_id: int, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("triage"))) -> dict[str, Any]:
    with domain_errors():
        return {"case_id": case_id, "appeal_url": issue_appeal_link(ctx, case_id, who.username),
                "note": "shown once; only its hash is stored"}


@router.get("/appeals", dependencies=[Depends(require("read"))])
def list_appeals(state: str | None = Query(None, max_length=20), ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        return {"items": [appeal_out(a) for a in casework.appeals(s, state)]}


@router.post("/appeals/{appeal_id}/decide")
def decide_appeal(appeal_id: int, body: DecideAppealIn, ctx: Context = Depends(get_ctx),
                  who: Principal = Depends(require("triage"))) -> dict[str, Any]:
    with domain_errors():
        return appeal_out(appeals.decide(ctx, appeal_id, body.outcome, body.reason, who.username))


# --- audit ---------------------------------------------------------------------------------------


@router.get("/audit/events", dependencies=[Depends(require("read"))])
def audit_events(after: int = Query(0, ge=0), limit: int = Query(200, ge=1, le=5000),
                 ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        rows = repos.audit_events(s, after, limit)
        return {"items": [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                           "subject": e.subject, "detail": e.detail, "prev_hash": e.prev_hash, "hash": e.hash}
                          for e in rows]}


@router.get("/audit/verify", dependencies=[Depends(require("read"))])
def audit_verify(ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    report = audit_chain.verify(ctx.store)
    return {"ok": report.ok, "rows": report.rows, "head": {"id": report.head_id, "hash": report.head_hash},
            "problems": report.problems}


@router.post("/audit/export-head")
def audit_export_head(ctx: Context = Depends(get_ctx), who: Principal = Depends(require("read"))) -> dict[str, Any]:
    return audit_chain.export_head(ctx.store, who.username)


# --- users and tokens (admin) --------------------------------------------------------------------


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1000)
    role: str = Field(max_length=20)


class TokenIn(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    name: str = Field(min_length=1, max_length=150)
    scopes: list[str] = Field(min_length=1, max_length=4)
    expires_days: float | None = Field(30, gt=0, le=3650, description="null never expires")


@router.get("/users", dependencies=[Depends(require("admin"))])
def users(ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        return {"items": [{"id": u.id, "username": u.username, "role": u.role, "active": u.active,
                           "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None}
                          for u in auth_repo.list_users(s)]}


@router.post("/users", status_code=201)
def add_user(body: UserIn, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("admin"))) -> dict[str, Any]:
    with domain_errors():
        return {"id": create_user(ctx.store, body.username, body.password, body.role, actor=who.username)}


@router.post("/users/{username}/disable")
def disable_user(username: str, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("admin"))) -> dict[str, Any]:
    with domain_errors():
        set_active(ctx.store, username, False, actor=who.username)
    return {"username": username, "active": False}


@router.get("/tokens", dependencies=[Depends(require("admin"))])
def tokens(ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        return {"items": [{"id": t.id, "user_id": t.user_id, "name": t.name, "scopes": t.scopes,
                           "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                           "revoked": t.revoked_at is not None} for t in auth_repo.list_tokens(s)]}


@router.post("/tokens", status_code=201)
def add_token(body: TokenIn, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("admin"))) -> dict[str, Any]:
    expires = utcnow() + timedelta(days=body.expires_days) if body.expires_days else None
    with domain_errors():
        token_id, secret = create_token(ctx.store, body.username, body.name, body.scopes, expires, actor=who.username)
    return {"id": token_id, "token": secret, "note": "shown once; only its hash is stored"}


@router.delete("/tokens/{token_id}")
def delete_token(token_id: int, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("admin"))) -> dict[str, Any]:
    with domain_errors():
        revoke_token(ctx.store, token_id, actor=who.username)
    return {"id": token_id, "revoked": True}
