"""Evidence views: screenshots as PNG and captured source only as inert text.

Captured HTML must never execute in our origin: source is served as a text/plain attachment with
`nosniff` and a `sandbox` CSP, and screenshots only as image/png. Only scans attached to the case are
reachable, and blobs are found by the manifest hash, never by a user-supplied path.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from sitewarden.store import repos
from sitewarden.store.blobs import BlobError
from sitewarden.store.schema import CaseScan, Scan
from sitewarden.web.auth import Principal, require
from sitewarden.web.deps import get_ctx
from sitewarden.work.api import Context

router = APIRouter(include_in_schema=False)
TEXT_PARTS = ("body", "dom", "mobile_body", "headers", "requests")


def _part(ctx: Context, case_id: int, scan_id: int, part: str) -> bytes:
    with ctx.store.read() as s:
        scan = s.get(Scan, scan_id) if s.get(CaseScan, (case_id, scan_id)) else None
        manifest_sha = scan.manifest_sha256 if scan else None
    if manifest_sha is None:
        raise HTTPException(404, f"case {case_id} has no evidence from scan {scan_id}")
    try:
        parts = json.loads(ctx.blobs.get(manifest_sha)).get("parts", {})
        if part not in parts:
            raise HTTPException(404, f"scan {scan_id} has no {part} evidence")
        return ctx.blobs.get(parts[part])
    except (BlobError, ValueError) as exc:
        raise HTTPException(410, f"evidence unavailable: {exc}") from None


@router.get("/cases/{case_id}/scans/{scan_id}/screenshot")
def screenshot(case_id: int, scan_id: int, _: Principal = Depends(require("read")),
               ctx: Context = Depends(get_ctx)) -> Response:
    data = _part(ctx, case_id, scan_id, "screenshot")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise HTTPException(415, "stored screenshot is not a PNG")
    return Response(data, media_type="image/png", headers={
        "Content-Disposition": f'inline; filename="scan-{scan_id}.png"', "Cache-Control": "private, max-age=3600",
    })


@router.get("/cases/{case_id}/scans/{scan_id}/source")
def source(case_id: int, scan_id: int, part: str = Query("body", pattern="^(" + "|".join(TEXT_PARTS) + ")$"),
           who: Principal = Depends(require("read")), ctx: Context = Depends(get_ctx)) -> Response:
    data = _part(ctx, case_id, scan_id, part)
    with ctx.store.write() as s:  # an evidence export: on the record
        repos.audit(s, who.username, "evidence.download", f"case:{case_id}", {"scan_id": scan_id, "part": part})
    return Response(data, media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="scan-{scan_id}-{part}.txt"',
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
    })
