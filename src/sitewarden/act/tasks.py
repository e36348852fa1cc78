"""Queue tasks of the act stage: executing approved actions decided by policy (phase two)."""

from __future__ import annotations

import asyncio
from typing import Any

from sitewarden.act import enforce
from sitewarden.work.api import Context, PermanentError, task


@task(enforce.EXECUTE_TASK, timeout_seconds=300)
async def execute_action(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        action_id = int(payload["action_id"])
    except (KeyError, TypeError, ValueError):
        raise PermanentError(f"payload needs an integer action_id, got {payload!r}") from None
    try:
        action = await asyncio.to_thread(enforce.execute, ctx, action_id, "policy")
    except (LookupError, enforce.EnforcementError) as exc:
        raise PermanentError(str(exc)) from None
    if action.state == "failed":
        raise RuntimeError(f"action {action_id} failed: {action.result}")  # retried by the queue with backoff
    return {"action_id": action_id, "state": action.state}
