"""Two-phase enforcement: decide (a row, committed) then execute (the adapter call, result recorded).

Decisions are idempotent (one live action per case and kind; the idempotency key travels with every
delivery attempt), reversible (a reversal is its own action pointing at the original), capped per hour
and audited. Execution happens outside any database transaction so a slow control plane never holds
the write lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sitewarden.act import cases as workflow
from sitewarden.act.actions import ActionRequest, Outcome, adapter_for, dryrun, restrictive_kinds
from sitewarden.decide import policy
from sitewarden.settings import Settings
from sitewarden.store import casework, jobs, repos
from sitewarden.store.schema import Action, Case, utcnow
from sitewarden.work.api import Context

EXECUTE_TASK = "act.execute"
LIVE = ("decided", "approved", "executed", "failed")


class EnforcementError(ValueError):
    """An enforcement request the rules refuse; the message says which rule."""


def _hour_ago() -> datetime:
    return utcnow() - timedelta(hours=1)


def _load_action(s: Session, action_id: int) -> Action:
    action = s.get(Action, action_id)
    if action is None:
        raise LookupError(f"no action {action_id}")
    return action


def _record(s: Session, action: Action, actor: str, what: str, extra: dict[str, Any] | None = None) -> None:
    detail = {"action_id": action.id, "kind": action.kind, "state": action.state, **(extra or {})}
    casework.add_event(s, action.case_id, actor, f"action.{what}", detail)
    repos.audit(s, actor, f"action.{what}", f"case:{action.case_id}", detail)


def frozen_evidence(case: Case) -> list[dict[str, Any]]:
    """The evidence the decision rests on, pinned by content hash (blobs are write-once)."""
    return [{"scan_id": link.scan_id, "manifest_sha256": link.scan.manifest_sha256} for link in case.scans]


def propose(
    s: Session, settings: Settings, case: Case, kind: str, actor: str, reason: str, *, auto: bool = False
) -> Action:
    """Phase one: record a restrictive action. Needs approval by a second person unless `auto`."""
    reversals = restrictive_kinds()
    if kind not in reversals:
        raise EnforcementError(f"unknown action kind {kind!r}; choose one of {', '.join(sorted(reversals))}")
    if case.state not in ("confirmed", "actioned"):
        raise EnforcementError(f"case {case.id} is {case.state!r}; confirm it before deciding an action")
    for existing in casework.case_actions(s, case.id):
        if existing.kind == kind and existing.state in LIVE and casework.reversal_of(s, existing.id) is None:
            return existing  # a double click or a retried request: same action, no duplicate effect
    recent = casework.actions_since(s, _hour_ago())
    if recent >= settings.action_hourly_cap:
        raise EnforcementError(f"enforcement hourly cap reached ({recent}/{settings.action_hourly_cap})")
    key = f"sitewarden-case{case.id}-{kind}-{casework.action_count(s, case.id, kind) + 1}"
    four_eyes = policy.needs_second_approver(kind, auto)
    try:
        with s.begin_nested():
            action = casework.add_action(
                s, case_id=case.id, kind=kind, adapter=adapter_for(kind).name,
                state="decided" if four_eyes else "approved", idempotency_key=key, decided_by=actor,
                approved_by=None if four_eyes else actor, auto=auto, dry_run=settings.enforcement_dry_run,
                request={"reason": reason, "evidence": frozen_evidence(case)},
            )
    except IntegrityError:  # a concurrent decision of the same kind won: that one is the action
        existing = casework.action_by_key(s, key)
        if existing is None:
            raise
        return existing
    _record(s, action, actor, "decided", {"reason": reason, "auto": auto, "needs_second_approver": four_eyes})
    return action


def approve(s: Session, action_id: int, approver: str) -> Action:
    action = _load_action(s, action_id)
    if action.state != "decided":
        raise EnforcementError(f"action {action_id} is {action.state!r}, not awaiting approval")
    why = policy.approval_error(action.kind, action.decided_by, approver, action.auto)
    if why:
        raise EnforcementError(why)
    action.state, action.approved_by = "approved", approver
    _record(s, action, approver, "approved")
    return action


def reject(s: Session, action_id: int, actor: str, reason: str) -> Action:
    action = _load_action(s, action_id)
    if action.state != "decided":
        raise EnforcementError(f"action {action_id} is {action.state!r}; only undecided actions can be rejected")
    action.state = "rejected"
    _record(s, action, actor, "rejected", {"reason": reason})
    return action


def reverse(s: Session, action_id: int, actor: str, reason: str) -> Action:
    """Record the reversal of an executed restriction; restoring service never waits for a second person."""
    original = _load_action(s, action_id)
    if original.reverses_action_id is not None or original.kind not in restrictive_kinds():
        raise EnforcementError(f"action {action_id} ({original.kind}) is not a restriction that can be reversed")
    if original.state != "executed":
        raise EnforcementError(f"action {action_id} is {original.state!r}; only executed actions are reversed")
    existing = casework.reversal_of(s, action_id)
    if existing is not None:
        return existing
    action = casework.add_action(
        s, case_id=original.case_id, kind=restrictive_kinds()[original.kind], adapter=original.adapter,
        state="approved", idempotency_key=f"{original.idempotency_key}-reverse", decided_by=actor,
        approved_by=actor, auto=False, dry_run=original.dry_run, reverses_action_id=original.id,
        request={"reason": reason},
    )
    _record(s, action, actor, "decided", {"reason": reason, "reverses": original.id})
    return action


def executed_restrictions(s: Session, case_id: int) -> list[Action]:
    """Restrictions in force on a case: executed and not (successfully) reversed."""
    out = []
    for action in casework.case_actions(s, case_id):
        if action.reverses_action_id is None and action.state == "executed":
            reversal = casework.reversal_of(s, action.id)
            if reversal is None or reversal.state != "executed":
                out.append(action)
    return out


def _request(s: Session, action: Action) -> ActionRequest:
    case = workflow.load(s, action.case_id)
    asset = case.asset
    target = {
        "value": asset.value if asset else case.subject, "host": asset.host if asset else None,
        "registrable_domain": asset.registrable_domain if asset else None, "ip": asset.ip if asset else None,
    }
    return ActionRequest(
        action_id=action.id, kind=action.kind, idempotency_key=action.idempotency_key, case_id=case.id,
        subject=case.subject, tenant_key=case.tenant_key, target=target,
        reason=str(action.request.get("reason", "")), reverses_action_id=action.reverses_action_id,
    )


def execute(ctx: Context, action_id: int, actor: str = "system") -> Action:
    """Phase two: call the adapter (or dry-run) and record the result; safe to call again (idempotent)."""
    with ctx.store.write() as s:
        action = _load_action(s, action_id)
        if action.state == "executed":
            return action
        if action.state not in ("approved", "failed"):
            raise EnforcementError(f"action {action_id} is {action.state!r}; it needs approval before execution")
        request = _request(s, action)
        dry = action.dry_run
    adapter = adapter_for(request.kind)
    outcome: Outcome = dryrun.execute(adapter, request) if dry else adapter.execute(request, ctx.settings)
    with ctx.store.write() as s:
        action = _load_action(s, action_id)
        if action.state == "executed":  # a concurrent run finished first; the key kept the effect single
            return action
        action.attempts += outcome.attempts
        action.result = outcome.detail
        action.state = "executed" if outcome.ok else "failed"
        if outcome.ok:
            action.executed_at = utcnow()
        _record(s, action, actor, "executed" if outcome.ok else "failed", {"result": outcome.detail})
        case = workflow.load(s, action.case_id)
        restrictive = outcome.ok and action.reverses_action_id is None
        if restrictive and case.state == "confirmed":
            workflow.transition(s, case, "actioned", actor, f"{action.kind} executed", manual=False)
    if restrictive:
        from sitewarden.act import notify  # notices import enforcement facts; import late to stay acyclic

        notify.notify_action(ctx, action_id)
    return action


def on_new_verdict(s: Session, settings: Settings, case: Case, created: bool) -> list[str]:
    """Called by the scan pipeline inside its transaction after `open_or_append_case`.

    Applies the auto-action policy: above the threshold and under the caps the case is confirmed and an
    approved action is recorded and an `act.execute` job enqueued in the same transaction (so nothing
    acknowledged is lost); otherwise the case stays in review. Returns human-readable notes.
    """
    if case.state not in ("open", "reopened"):
        return []
    tenant_id = case.tenant_id
    hour = _hour_ago()
    caps = policy.Caps(
        tenant_recent=casework.actions_since(s, hour, auto=True, tenant_id=tenant_id) if tenant_id else 0,
        tenant_cap=settings.auto_action_tenant_hourly_cap,
        global_recent=casework.actions_since(s, hour, auto=True), global_cap=settings.auto_action_global_hourly_cap,
        all_recent=casework.actions_since(s, hour), all_cap=settings.action_hourly_cap,
    )
    decision = policy.auto_decision(
        case.verdict, case.score, enabled=settings.auto_action_enabled, threshold=settings.auto_action_threshold,
        caps=caps,
    )
    if not decision.act:
        if created:
            casework.add_event(s, case.id, "policy", "review", {"reason": decision.reason})
        return [decision.reason]
    workflow.transition(s, case, "confirmed", "policy", decision.reason, manual=False)
    kind = policy.kind_for(case.asset.kind if case.asset else None)
    action = propose(s, settings, case, kind, "policy", decision.reason, auto=True)
    jobs.enqueue(s, EXECUTE_TASK, {"action_id": action.id}, idempotency_key=f"execute-{action.id}")
    return [decision.reason, f"{kind} action {action.id} queued"]
