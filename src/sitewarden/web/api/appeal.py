"""Public appeal endpoints: the secret token from the notice is the only credential.

The customer reads what was found and files an appeal; nothing internal (other cases, users, evidence
blobs) is reachable from here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from sitewarden.act import appeals, enforce
from sitewarden.store import casework
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(prefix="/api/v1/appeal", tags=["appeal (public)"])
Token = Path(min_length=16, max_length=200)


class AppealIn(BaseModel):
    message: str = Field(min_length=1, max_length=appeals.MAX_MESSAGE)
    contact: str | None = Field(None, max_length=320)


def public_view(s: Session, token: str) -> dict[str, Any]:
    """What the customer may see: the case subject, the findings' reasons and the restrictions."""
    appeal = appeals.by_token(s, token)
    case = casework.case_detail(s, appeal.case_id)
    assert case is not None
    reasons = sorted(
        ({"detail": sig.detail, "weight": round(sig.weight, 3)} for cs in case.scans for sig in cs.scan.signals),
        key=lambda r: -r["weight"],
    )[:10]
    return {
        "subject": case.subject, "fraud_type": case.fraud_type, "case_state": case.state, "appeal_state": appeal.state,
        "reasons": reasons, "restrictions": [a.kind for a in enforce.executed_restrictions(s, case.id)],
        "decision_reason": appeal.reason,
    }


@router.get("/{token}")
def view(token: str = Token, ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        try:
            return public_view(s, token)
        except appeals.AppealError as exc:
            raise HTTPException(404, str(exc)) from None


@router.post("/{token}", status_code=202)
def submit(body: AppealIn, token: str = Token, ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    try:
        with ctx.store.write() as s:
            appeal = appeals.submit(s, token, body.message, body.contact)
            return {"appeal_id": appeal.id, "state": appeal.state}
    except appeals.AppealError as exc:
        status = 404 if "unknown" in str(exc) else 409
        raise HTTPException(status, str(exc)) from None
