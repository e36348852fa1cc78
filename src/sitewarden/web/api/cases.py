"""Cases (read side): the queue and one case with its evidence and timeline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query

from sitewarden.domain.models import FraudType
from sitewarden.store import casework, repos
from sitewarden.store.schema import Case
from sitewarden.web.api.scans import scan_detail
from sitewarden.web.auth import require
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(prefix="/api/v1", tags=["cases"], dependencies=[Depends(require("read"))])


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "subject": case.subject,
        "tenant": case.tenant_key or None,
        "state": case.state,
        "verdict": case.verdict,
        "score": case.score,
        "fraud_type": case.fraud_type,
        "brand": case.brand,
        "source": case.source,
        "opened_at": case.opened_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }


@router.get("/cases")
def list_cases(
    state: str | None = Query(None, max_length=20, description="A case state, or 'live' for every state needing work."),
    fraud_type: FraudType | None = None,
    tenant: str | None = Query(None, max_length=200),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    ctx: Context = Depends(get_ctx),
) -> dict[str, Any]:
    with ctx.store.read() as s:
        cases = casework.queue(s, state=state, fraud_type=fraud_type.value if fraud_type else None,
                               tenant_key=tenant, limit=limit, offset=offset)
        return {"items": [case_summary(c) for c in cases], "limit": limit, "offset": offset}


@router.get("/cases/{case_id}")
def get_case(case_id: int, ctx: Context = Depends(get_ctx)) -> dict[str, Any]:
    with ctx.store.read() as s:
        case = repos.get_case(s, case_id)
        if case is None:
            raise HTTPException(404, f"no case {case_id}")
        out = case_summary(case)
        out["scans"] = [scan_detail(cs.scan) for cs in reversed(case.scans)]
        out["timeline"] = [
            {"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "detail": e.detail} for e in case.events
        ]
        return out
