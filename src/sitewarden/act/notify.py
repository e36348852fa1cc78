"""Customer notices: what was found, an evidence summary, the action taken and how to appeal.

The law requires that a restricted customer is told why and can appeal, so every executed restriction
sends a notice by e-mail (SMTP, when configured and the tenant has an address) and/or a signed webhook
(the tenant's own URL or the global one). Each attempt is recorded in `notices`, sent or failed.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

from sitewarden.act import appeals
from sitewarden.act.actions.webhook import send_signed
from sitewarden.settings import Settings
from sitewarden.store import casework, repos
from sitewarden.store.schema import Action, Case, utcnow
from sitewarden.work.api import Context

TOP_REASONS = 5


def _findings(case: Case) -> dict[str, Any]:
    reasons: list[dict[str, Any]] = []
    evidence = []
    for link in case.scans:
        scan = link.scan
        evidence.append({
            "scan_id": scan.id, "url": scan.url, "final_url": scan.final_url,
            "captured_at": scan.finished_at.isoformat() if scan.finished_at else None,
            "manifest_sha256": scan.manifest_sha256,
        })
        reasons.extend({"signal": sig.name, "weight": round(sig.weight, 3), "detail": sig.detail} for sig in scan.signals)
    reasons.sort(key=lambda r: -r["weight"])
    return {
        "subject": case.subject, "fraud_type": case.fraud_type, "brand": case.brand, "score": round(case.score, 3),
        "reasons": reasons[:TOP_REASONS], "evidence": evidence,
    }


def render_text(body: dict[str, Any]) -> str:
    """Plain-text rendering of a notice body for e-mail."""
    lines = [f"Subject of this notice: {body['subject']}", ""]
    if body.get("action"):
        act = body["action"]
        lines += [f"Action taken: {act['kind']} (action {act['id']}) at {act['executed_at']}", ""]
    if body.get("outcome"):
        lines += [f"Appeal outcome: {body['outcome']}", f"Reason: {body['reason']}", ""]
    if body.get("found"):
        found = body["found"]
        lines.append(f"What we found: {found['fraud_type'] or 'fraud'} (score {found['score']})")
        lines += [f"  - {r['detail']} (weight {r['weight']})" for r in found["reasons"]]
        lines.append("Evidence:")
        lines += [f"  - scan {e['scan_id']} of {e['url']} at {e['captured_at']}, manifest {e['manifest_sha256']}"
                  for e in found["evidence"]]
        lines.append("")
    if body.get("appeal_url"):
        lines += ["If you believe this is wrong, appeal here (the link is personal):", body["appeal_url"]]
    return "\n".join(lines)


def _channels(settings: Settings, case: Case) -> list[tuple[str, str]]:
    out = []
    tenant = case.tenant
    if settings.smtp_host and tenant and tenant.contact_email:
        out.append(("email", tenant.contact_email))
    hook = (tenant.notify_webhook_url if tenant else None) or settings.notify_webhook_url
    if hook:
        out.append(("webhook", hook))
    return out


def _send(settings: Settings, channel: str, recipient: str, body: dict[str, Any], key: str) -> str | None:
    """Deliver one notice; returns an error message or None."""
    if channel == "email":
        msg = EmailMessage()
        msg["From"], msg["To"] = settings.smtp_from, recipient
        msg["Subject"] = f"[abuse] {body['kind']}: {body['subject']}"
        msg.set_content(render_text(body))
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None
    outcome = send_signed(
        recipient, settings.enforcement_webhook_secret.get_secret_value().encode(), f"notice.{body['kind']}",
        body, key, attempts=settings.enforcement_webhook_attempts, backoff=settings.enforcement_webhook_backoff_seconds,
    )
    return None if outcome.ok else str(outcome.detail)


def _deliver(ctx: Context, case_id: int, body: dict[str, Any], channels: list[tuple[str, str]], key: str) -> None:
    results = [(ch, to, _send(ctx.settings, ch, to, body, f"{key}-{ch}")) for ch, to in channels]
    if "appeal_url" in body:  # the link is a credential: only its digest is kept (in appeals)
        body = {**body, "appeal_url": "(sent to the customer, not stored)"}
    with ctx.store.write() as s:
        for channel, recipient, error in results:
            casework.add_notice(s, case_id=case_id, channel=channel, recipient=recipient,
                                status="failed" if error else "sent", body=body, error=error, sent_at=utcnow())
        if not channels:
            casework.add_notice(s, case_id=case_id, channel="none", recipient="", status="skipped", body=body,
                                error="no e-mail address or webhook configured for this tenant")
        repos.audit(s, "system", "notice.sent", f"case:{case_id}",
                    {"kind": body["kind"], "channels": [[c, t, e] for c, t, e in results]})


def notify_action(ctx: Context, action_id: int) -> None:
    """Tell the customer about an executed restriction, with a fresh appeal link."""
    with ctx.store.write() as s:
        action = s.get(Action, action_id)
        case = casework.case_detail(s, action.case_id) if action else None
        if action is None or case is None:
            return
        token = appeals.invite(s, case.id)
        body = {
            "kind": "restriction", "case_id": case.id, "subject": case.subject, "tenant": case.tenant_key,
            "found": _findings(case),
            "action": {"id": action.id, "kind": action.kind, "executed_at": str(action.executed_at),
                       "dry_run": action.dry_run},
            "appeal_url": f"{ctx.settings.public_url.rstrip('/')}/appeal/{token}",
        }
        channels = _channels(ctx.settings, case)
    _deliver(ctx, case.id, body, channels, f"notice-action-{action_id}")


def notify_outcome(ctx: Context, case_id: int, outcome: str, reason: str) -> None:
    """Tell the customer how their appeal was decided and why."""
    with ctx.store.read() as s:
        case = casework.case_detail(s, case_id)
        if case is None:
            return
        body = {"kind": "appeal_decision", "case_id": case_id, "subject": case.subject, "tenant": case.tenant_key,
                "outcome": outcome, "reason": reason}
        channels = _channels(ctx.settings, case)
    _deliver(ctx, case_id, body, channels, f"notice-appeal-{case_id}-{outcome}")
