"""Registration-time screening: `POST /api/v1/screen/domains` scores one or many names.

The records are those of `sitewarden score-domains`. Small requests are scored on the event loop (a
thread hop would cost more than the scoring); big batches go to the thread pool. With `store: true` each
scored name is also recorded as an observation of source `screen_api` (needs the `triage` permission).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sitewarden.score.domains.engine import DomainRecord, score_hosts
from sitewarden.store import repos
from sitewarden.web.auth import Principal, require
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

MAX_NAMES = 1000
INLINE_NAMES = 32
OBSERVATION_SOURCE = "screen_api"

router = APIRouter(prefix="/api/v1/screen", tags=["screening"])
reader = require("read")

Name = Annotated[str, Field(max_length=2048, description="A hostname, domain or URL.")]


class ScreenRequest(BaseModel):
    """Exactly one of `name` or `names`."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    names: list[Name] | None = Field(None, min_length=1, max_length=MAX_NAMES)
    store: bool = Field(False, description="Also record each scored name as an observation.")

    @model_validator(mode="after")
    def _one_of(self) -> ScreenRequest:
        if (self.name is None) == (self.names is None):
            raise ValueError("give exactly one of 'name' (a string) or 'names' (a list of strings)")
        return self


class ScreenResponse(BaseModel):
    records: list[dict[str, Any]]
    stored: int = 0


def _score(names: list[str], ctx: Context, single: bool) -> list[DomainRecord]:
    label = "name" if single else "names[{}]"
    return list(score_hosts(names, ctx.settings, start=0, label=label))


def _store(ctx: Context, records: list[DomainRecord]) -> int:
    created = 0
    with ctx.store.write() as s:
        for rec in records:
            if rec.host is None:
                continue
            _, new = repos.add_observation(
                s, OBSERVATION_SOURCE, "domain", rec.host, rec.host, payload=rec.to_dict()
            )
            created += new
    return created


@router.post(
    "/domains",
    response_model=ScreenResponse,
    responses={422: {"description": "Malformed body: the message names the field and why"}},
)
async def screen_domains(
    body: ScreenRequest, ctx: Context = Depends(get_ctx), who: Principal = Depends(reader)
) -> JSONResponse:
    """Score names for registration-time screening; bad names come back as records with `error`."""
    if body.store and not who.can("triage"):
        raise HTTPException(403, "store=true needs the 'triage' permission")
    names = [body.name] if body.name is not None else list(body.names or [])
    single = body.name is not None
    if len(names) <= INLINE_NAMES:
        records = _score(names, ctx, single)
    else:
        records = await run_in_threadpool(_score, names, ctx, single)
    stored = await run_in_threadpool(_store, ctx, records) if body.store else 0
    # A plain JSONResponse skips re-validating and re-encoding the records (most of the time of a request).
    return JSONResponse({"records": [r.to_dict() for r in records], "stored": stored})
