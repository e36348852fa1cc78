"""Dry-run mode: record what would have been sent without calling any control plane.

Used for every action when `enforcement_dry_run` is set; the action is marked `dry_run` and its result
holds the would-be payload, so operators can rehearse policy changes safely.
"""

from __future__ import annotations

from sitewarden.act.actions import ActionRequest, Adapter, Outcome
from sitewarden.act.actions.webhook import payload_for


def execute(adapter: Adapter, request: ActionRequest) -> Outcome:
    return Outcome(True, {"dry_run": True, "adapter": adapter.name, "would_send": payload_for(request)}, 0)
