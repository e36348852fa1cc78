"""Inventory import over HTTP: the same parser and transaction as `sitewarden import`."""

from __future__ import annotations

import tempfile
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from sitewarden.sources.inventory import InventoryError, import_inventory
from sitewarden.store import repos
from sitewarden.web.auth import Principal, require
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(prefix="/api/v1", tags=["inventory"])

_FORMATS = {"text/csv": "csv", "application/json": "json", "application/x-ndjson": "json",
            "application/jsonl": "json"}


@router.post(
    "/inventory",
    responses={200: {"description": "Imported"}, 400: {"description": "Unreadable file"},
               413: {"description": "Too large"}, 415: {"description": "Unsupported content type"},
               422: {"description": "Rejected rows; nothing written"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "application/x-ndjson": {"schema": {"type": "string"}},
    }}},
)
async def import_inventory_route(
    request: Request,
    partial: bool = Query(False, description="Commit good rows and report bad ones instead of rejecting all."),
    ctx: Context = Depends(get_ctx),
    who: Principal = Depends(require("triage")),
) -> JSONResponse:
    """Import tenants and sites (CSV or JSON); one scan is queued per newly seen site."""
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    fmt = _FORMATS.get(ctype)
    if fmt is None:
        raise HTTPException(415, f"content type must be one of {sorted(_FORMATS)}, got {ctype or 'none'!r}")
    limit = ctx.settings.api_max_upload_bytes
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"body larger than {limit} bytes")
            spool.write(chunk)
        spool.seek(0)
        try:
            result = import_inventory(ctx, spool, fmt, partial=partial)  # type: ignore[arg-type]
        except InventoryError as exc:
            raise HTTPException(400, str(exc)) from None
    body: dict[str, Any] = result.to_dict()
    with ctx.store.write() as s:
        repos.audit(s, who.username, "inventory.import", "inventory",
                    {k: v for k, v in body.items() if k != "errors"})
    return JSONResponse(body, status_code=200 if result.committed else 422)
