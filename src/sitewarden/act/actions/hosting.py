"""Hosting control plane: "suspend_site" / "restore_site" as signed webhook events.

Payload (besides the common fields of webhook.payload_for): `site` (canonical URL or host) and `ip`, so
the panel can find the vhost; a restore carries `reverses_action_id` of the suspension it undoes.
"""

from __future__ import annotations

from sitewarden.act.actions import ActionRequest, Outcome, register
from sitewarden.act.actions.webhook import deliver, payload_for
from sitewarden.settings import Settings


class HostingAdapter:
    name = "hosting"
    reversals = {"suspend_site": "restore_site"}  # noqa: RUF012

    def execute(self, request: ActionRequest, settings: Settings) -> Outcome:
        payload = payload_for(request)
        payload["site"] = request.target.get("value") or request.subject
        payload["ip"] = request.target.get("ip")
        return deliver(request, settings, payload)


register(HostingAdapter())
