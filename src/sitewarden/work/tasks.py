"""The named tasks every backend runs."""

from __future__ import annotations

from typing import Any

from sitewarden import pipeline
from sitewarden.store import repos
from sitewarden.work.api import Context, payload_id, task


@task(pipeline.SCAN_TASK, timeout_seconds=110)
async def scan(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    return await pipeline.run_scan(ctx, payload_id(payload, "scan_id"))


@task("rescan_sites")
async def rescan_sites(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    """Periodic: queue a fresh scan of every active site."""
    queued = 0
    with ctx.store.write() as s:
        for asset, _ in repos.list_sites(s, limit=1_000_000):
            if asset.active:
                pipeline.queue_scan(s, asset.value, asset_id=asset.id, settings=ctx.settings)
                queued += 1
    return {"queued": queued}
