"""Appeals: a restricted customer is told why, can appeal with a secret link, and is restored at once
when the appeal succeeds. Tokens are random and stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import Session

from sitewarden.act import cases as workflow
from sitewarden.act import enforce
from sitewarden.store import casework, repos
from sitewarden.store.schema import Action, Appeal, utcnow
from sitewarden.work.api import Context

MAX_MESSAGE = 5000
OUTCOMES = ("restore", "uphold")


class AppealError(ValueError):
    """An appeal request that cannot be accepted; the message says why."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(s: Session, case_id: int) -> str:
    """Create an appeal invitation for a case; returns the secret token for the notice link."""
    token = secrets.token_urlsafe(24)
    casework.add_appeal(s, case_id, token_digest(token))
    return token


def by_token(s: Session, token: str) -> Appeal:
    appeal = casework.appeal_by_token(s, token_digest(token)) if token else None
    if appeal is None:
        raise AppealError("unknown or expired appeal link")
    return appeal


def submit(s: Session, token: str, message: str, contact: str | None) -> Appeal:
    appeal = by_token(s, token)
    message = (message or "").strip()
    if not message:
        raise AppealError("message: please explain why the restriction is wrong")
    if len(message) > MAX_MESSAGE:
        raise AppealError(f"message: longer than {MAX_MESSAGE} characters")
    if contact is not None and len(contact) > 320:
        raise AppealError("contact: longer than 320 characters")
    if appeal.state != "invited":
        raise AppealError(f"this appeal was already submitted (state {appeal.state})")
    case = workflow.load(s, appeal.case_id)
    if case.state not in workflow.TRANSITIONS or "appealed" not in workflow.TRANSITIONS[case.state]:
        raise AppealError(f"case {case.id} is {case.state!r}; there is no restriction to appeal")
    appeal.state, appeal.message, appeal.contact, appeal.submitted_at = "pending", message, contact, utcnow()
    workflow.transition(s, case, "appealed", "customer", f"appeal {appeal.id} submitted", manual=False)
    repos.audit(s, "customer", "appeal.submitted", f"case:{case.id}", {"appeal_id": appeal.id})
    return appeal


def decide(ctx: Context, appeal_id: int, outcome: str, reason: str, actor: str) -> Appeal:
    """Restore (reverse every restriction now, then mark the case restored) or uphold, recording why."""
    if outcome not in OUTCOMES:
        raise AppealError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if not reason.strip():
        raise AppealError("reason: say why the appeal is decided this way")
    with ctx.store.write() as s:
        appeal = s.get(Appeal, appeal_id)
        if appeal is None:
            raise LookupError(f"no appeal {appeal_id}")
        if appeal.state != "pending":
            raise AppealError(f"appeal {appeal_id} is {appeal.state!r}, not pending")
        reversal_ids = []
        if outcome == "restore":
            reversal_ids = [
                enforce.reverse(s, a.id, actor, f"appeal {appeal_id} upheld for customer: {reason}").id
                for a in enforce.executed_restrictions(s, appeal.case_id)
            ]
        case_id = appeal.case_id
    for action_id in reversal_ids:  # restore service at once, outside the transaction
        enforce.execute(ctx, action_id, actor)
    with ctx.store.write() as s:
        appeal = s.get(Appeal, appeal_id)
        if appeal is None or appeal.state != "pending":
            raise AppealError(f"appeal {appeal_id} was decided by someone else meanwhile")
        failed = [a for a in reversal_ids if (s.get(Action, a) or Action()).state != "executed"]
        if failed:
            raise AppealError(f"restoring failed for actions {failed}; the appeal stays pending, retry")
        appeal.state = "restored" if outcome == "restore" else "upheld"
        appeal.decided_by, appeal.decided_at, appeal.reason = actor, utcnow(), reason
        case = workflow.load(s, case_id)
        workflow.transition(s, case, appeal.state, actor, reason, manual=False)
        repos.audit(s, actor, "appeal.decided", f"case:{case_id}",
                    {"appeal_id": appeal_id, "outcome": appeal.state, "reason": reason, "reversals": reversal_ids})
    from sitewarden.act import notify

    notify.notify_outcome(ctx, case_id, appeal.state, reason)
    return appeal
