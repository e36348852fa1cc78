"""Generic signed webhook: the transport every control-plane adapter uses, and itself the adapter for
account-level suspension.

Request: POST JSON to `enforcement_webhook_url` with headers
  `X-Sitewarden-Event`: the action kind (e.g. "suspend_site"),
  `Idempotency-Key`: the same on every retry of one action, so receivers apply it once,
  `X-Sitewarden-Timestamp`: unix seconds,
  `X-Sitewarden-Signature`: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body).
Retries on connection errors, 429 and 5xx with exponential backoff; other 4xx fail at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from sitewarden.act.actions import ActionRequest, Outcome, register
from sitewarden.settings import Settings

SIGNATURE_HEADER = "X-Sitewarden-Signature"
TIMESTAMP_HEADER = "X-Sitewarden-Timestamp"
EVENT_HEADER = "X-Sitewarden-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRYABLE = frozenset({408, 425, 429})


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, timestamp: str, body: bytes, header: str, *, tolerance: float = 300.0) -> bool:
    """For receivers: constant-time check of the signature and that the timestamp is fresh."""
    try:
        fresh = abs(time.time() - int(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), header)


def send_signed(
    url: str, secret: bytes, event: str, payload: dict[str, Any], idempotency_key: str, *, attempts: int,
    backoff: float, timeout: float = 10.0,
) -> Outcome:
    """POST a signed JSON event, retrying transient failures; never raises for delivery problems."""
    if not url:
        return Outcome(False, {"error": "no webhook URL configured (enforcement_webhook_url)"}, 0)
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    last: dict[str, Any] = {}
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for attempt in range(1, attempts + 1):
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/json", EVENT_HEADER: event, IDEMPOTENCY_HEADER: idempotency_key,
                TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(secret, ts, body),
            }
            try:
                resp = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                last = {"error": f"{type(exc).__name__}: {exc}"}
            else:
                last = {"status": resp.status_code, "response": resp.text[:2000]}
                if resp.is_success:
                    return Outcome(True, last, attempt)
                if resp.status_code < 500 and resp.status_code not in RETRYABLE:
                    return Outcome(False, last, attempt)
            if attempt < attempts:
                time.sleep(backoff * 2 ** (attempt - 1))
    return Outcome(False, last, attempts)


def payload_for(request: ActionRequest) -> dict[str, Any]:
    """The documented body every control-plane event shares."""
    return {
        "event": request.kind,
        "action_id": request.action_id,
        "idempotency_key": request.idempotency_key,
        "case_id": request.case_id,
        "subject": request.subject,
        "tenant": request.tenant_key,
        "target": request.target,
        "reason": request.reason,
        "reverses_action_id": request.reverses_action_id,
    }


def deliver(request: ActionRequest, settings: Settings, payload: dict[str, Any]) -> Outcome:
    return send_signed(
        settings.enforcement_webhook_url, settings.enforcement_webhook_secret.get_secret_value().encode(),
        request.kind, payload, request.idempotency_key, attempts=settings.enforcement_webhook_attempts,
        backoff=settings.enforcement_webhook_backoff_seconds,
    )


class WebhookAdapter:
    """Account-level suspension through the generic control-plane webhook."""

    name = "webhook"
    reversals = {"suspend_account": "restore_account"}  # noqa: RUF012

    def execute(self, request: ActionRequest, settings: Settings) -> Outcome:
        return deliver(request, settings, payload_for(request))


register(WebhookAdapter())
