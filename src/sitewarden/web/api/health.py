"""Liveness and readiness: the database answers and the queue depth is known."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import text

from sitewarden import __version__
from sitewarden.store import jobs
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health")
def health(ctx: Context = Depends(get_ctx)) -> dict[str, object]:
    with ctx.store.read() as s:
        s.execute(text("SELECT 1"))
        queue = jobs.counts_by_state(s)
    return {"status": "ok", "version": __version__, "database": ctx.store.engine.dialect.name, "jobs": queue}
