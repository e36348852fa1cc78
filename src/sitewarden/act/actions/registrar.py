"""Registrar: EPP-style "client_hold" / "release_hold" on a registrable domain as signed webhook events.

Payload (besides the common fields of webhook.payload_for): `domain` and `status` ("clientHold" to set,
"clientHold-removed" to release), mirroring the EPP status the registrar applies.
"""

from __future__ import annotations

from sitewarden.act.actions import ActionRequest, Outcome, register
from sitewarden.act.actions.webhook import deliver, payload_for
from sitewarden.settings import Settings


class RegistrarAdapter:
    name = "registrar"
    reversals = {"client_hold": "release_hold"}  # noqa: RUF012

    def execute(self, request: ActionRequest, settings: Settings) -> Outcome:
        payload = payload_for(request)
        payload["domain"] = request.target.get("registrable_domain") or request.subject
        payload["status"] = "clientHold" if request.kind == "client_hold" else "clientHold-removed"
        return deliver(request, settings, payload)


register(RegistrarAdapter())
