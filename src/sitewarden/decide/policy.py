"""Enforcement policy as pure functions: when a machine may act alone, and when two people must agree.

A wrong takedown of a paying customer is the costliest mistake, so automation is opt-in, limited to
scores above a high-precision threshold and capped per tenant and globally per hour; a bad model or a
stolen session therefore cannot mass-suspend. Everything else goes to human review. The I/O side
(counting recent actions, writing rows) lives in `sitewarden.act.enforce`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds that take a customer's service away: a second person must approve unless policy auto-acted.
FOUR_EYES_KINDS = frozenset({"suspend_site", "suspend_account", "client_hold"})


@dataclass(frozen=True)
class Caps:
    """Actions already taken in the last hour, and the configured ceilings."""

    tenant_recent: int
    tenant_cap: int
    global_recent: int
    global_cap: int
    all_recent: int
    all_cap: int


@dataclass(frozen=True)
class AutoDecision:
    act: bool
    reason: str


def auto_decision(verdict: str, score: float, *, enabled: bool, threshold: float, caps: Caps) -> AutoDecision:
    """Whether a fresh finding may be confirmed and actioned without review, and why (or why not)."""
    if not enabled:
        return AutoDecision(False, "automatic action is disabled; sent to review")
    if verdict != "block":
        return AutoDecision(False, f"verdict {verdict!r} is not block; sent to review")
    if score < threshold:
        return AutoDecision(False, f"score {score:.3f} is below the auto-action threshold {threshold:.3f}; sent to review")
    for label, recent, cap in (
        ("per-tenant automatic", caps.tenant_recent, caps.tenant_cap),
        ("global automatic", caps.global_recent, caps.global_cap),
        ("global enforcement", caps.all_recent, caps.all_cap),
    ):
        if recent >= cap:
            return AutoDecision(False, f"{label} hourly cap reached ({recent}/{cap}); sent to review")
    return AutoDecision(True, f"score {score:.3f} >= {threshold:.3f} and under hourly caps")


def kind_for(asset_kind: str | None) -> str:
    """The default restrictive action for what the case is about: a hosted site or a registered domain."""
    return "client_hold" if asset_kind == "domain" else "suspend_site"


def needs_second_approver(kind: str, auto: bool) -> bool:
    return kind in FOUR_EYES_KINDS and not auto


def approval_error(kind: str, decided_by: str, approver: str, auto: bool) -> str | None:
    """Why `approver` may not approve this action, or None when they may."""
    if needs_second_approver(kind, auto) and approver == decided_by:
        return f"four-eyes rule: {kind} decided by {decided_by!r} needs a different approver"
    return None
