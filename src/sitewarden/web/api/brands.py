"""Protected brands: read the catalogue; admins add or override brands (their own customers' brands).

Edits go to the operator brand file (the `brands_file` setting, else <var_dir>/brands.json), validated
by the same code as the file itself; scoring in every process picks them up within seconds.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from sitewarden.score.brands import (
    BrandError,
    brand_from_dict,
    default_catalogue,
    operator_brands_path,
    read_operator_entries,
    save_operator_brands,
)
from sitewarden.store import repos
from sitewarden.web.auth import Principal, require
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(prefix="/api/v1", tags=["brands"])


def _path(ctx: Context):  # type: ignore[no-untyped-def]
    return operator_brands_path(ctx.settings.brands_file, ctx.settings.var_dir)


@router.get("/brands", dependencies=[Depends(require("read"))])
def list_brands(
    q: str | None = Query(None, max_length=100, description="Substring of the id, a name or an official domain."),
    category: str | None = Query(None, max_length=40),
    limit: int = Query(100, ge=1, le=1000),
    ctx: Context = Depends(get_ctx),
) -> dict[str, Any]:
    operator_ids = {e.get("id") for e in read_operator_entries(_path(ctx)) if isinstance(e, dict)}
    needle = (q or "").lower()
    items = []
    for brand in default_catalogue().brands:
        if category and brand.category != category:
            continue
        if needle and not any(needle in x.lower() for x in (brand.id, *brand.names, *brand.domains)):
            continue
        items.append({**brand.to_dict(), "operator": brand.id in operator_ids})
        if len(items) >= limit:
            break
    return {"items": items}


@router.get("/brands/{brand_id}", dependencies=[Depends(require("read"))])
def get_brand(brand_id: str) -> dict[str, Any]:
    brand = default_catalogue().get(brand_id)
    if brand is None:
        raise HTTPException(404, f"no brand {brand_id!r}")
    return brand.to_dict()


@router.put("/brands/{brand_id}", responses={422: {"description": "Invalid brand: the message names the field"}})
async def put_brand(
    brand_id: str,
    body: dict[str, Any] = Body(..., examples=[{"id": "acme", "name": "Acme Bank", "category": "bank",
                                                 "domains": ["acme-bank.example"], "names": ["Acme"],
                                                 "keywords": ["acmebank"]}]),
    ctx: Context = Depends(get_ctx),
    who: Principal = Depends(require("admin")),
) -> dict[str, Any]:
    """Add a brand, or override a shipped one with the same id."""
    if body.get("id", brand_id) != brand_id:
        raise HTTPException(422, f"id in the body ({body.get('id')!r}) differs from the path ({brand_id!r})")
    entry = {**body, "id": brand_id}
    try:
        brand = brand_from_dict(entry, f"brand {brand_id!r}")
        path = _path(ctx)
        entries = [e for e in read_operator_entries(path) if not (isinstance(e, dict) and e.get("id") == brand_id)]
        await run_in_threadpool(save_operator_brands, path, [*entries, entry])
    except BrandError as exc:
        raise HTTPException(422, str(exc)) from None
    with ctx.store.write() as s:
        repos.audit(s, who.username, "brand.saved", f"brand:{brand_id}", {"brand": brand.to_dict()})
    return brand.to_dict()


@router.delete("/brands/{brand_id}", status_code=204)
async def delete_brand(
    brand_id: str, ctx: Context = Depends(get_ctx), who: Principal = Depends(require("admin"))
) -> None:
    """Remove an operator brand (a shipped brand it overrode comes back)."""
    path = _path(ctx)
    try:
        entries = read_operator_entries(path)
        kept = [e for e in entries if not (isinstance(e, dict) and e.get("id") == brand_id)]
        if len(kept) == len(entries):
            raise HTTPException(404, f"no operator brand {brand_id!r}")
        await run_in_threadpool(save_operator_brands, path, kept)
    except BrandError as exc:
        raise HTTPException(422, str(exc)) from None
    with ctx.store.write() as s:
        repos.audit(s, who.username, "brand.deleted", f"brand:{brand_id}", {})
