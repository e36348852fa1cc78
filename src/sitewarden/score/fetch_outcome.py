"""Signals from how a fetch ended, when there is no page to score: a hosted site that redirects visitors
(and scanners) to internal or cloud-metadata addresses is probing for SSRF, which is abuse in itself."""

from __future__ import annotations

from typing import Any

from sitewarden.domain.models import Assessment, FraudType, Signal, combine_weights, verdict_for
from sitewarden.settings import Settings

INTERNAL_REDIRECT_WEIGHT = 0.6


def fetch_outcome_signals(error_kind: str | None, error: str | None, redirects: list[dict[str, Any]]) -> list[Signal]:
    if error_kind != "blocked_address" or not redirects:
        return []
    last = redirects[-1]
    return [
        Signal(
            "redirect_to_internal",
            INTERNAL_REDIRECT_WEIGHT,
            f"the site redirects (HTTP {last.get('status')}) to {last.get('location')}, an address the "
            f"crawler refused: {error}",
            fraud_type=FraudType.OTHER,
            evidence={"redirects": redirects},
        )
    ]


def assess_fetch_outcome(
    error_kind: str | None, error: str | None, redirects: list[dict[str, Any]], settings: Settings
) -> Assessment | None:
    """An assessment when the way the fetch failed is itself evidence; None when it is just a failure."""
    signals = fetch_outcome_signals(error_kind, error, redirects)
    if not signals:
        return None
    score = combine_weights([s.weight for s in signals])
    verdict = verdict_for(score, settings.page_review_threshold, settings.page_block_threshold)
    return Assessment(score=score, verdict=verdict, signals=signals, fraud_type=FraudType.OTHER)
