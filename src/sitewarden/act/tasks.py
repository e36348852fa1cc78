"""Queue tasks of the act stage: executing approved actions decided by policy (phase two)."""

from __future__ import annotations

import asyncio
from typing import Any

from sitewarden.act import enforce
from sitewarden.work.api import Context, PermanentError, payload_id, task


@task(enforce.EXECUTE_TASK, timeout_seconds=300)
async def execute_action(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    action_id = payload_id(payload, "action_id")
    try:
        action = await asyncio.to_thread(enforce.execute, ctx, action_id, "policy")
    except (LookupError, enforce.EnforcementError) as exc:
        raise PermanentError(str(exc)) from None
    if action.state == "failed":
        raise RuntimeError(f"action {action_id} failed: {action.result}")  # retried by the queue with backoff
    return {"action_id": action_id, "state": action.state}
