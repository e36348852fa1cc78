"""Reputation: what the database already knows about this host and its infrastructure, as signals.

The scan pipeline fills RelatedFacts from the store (feed hits, confirmed cases sharing the IP, the TLS
certificate or the kit hash, and matches of the screenshot/favicon against the visual reference store);
this module only weighs them, so it stays pure and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sitewarden.domain.models import FraudType, Signal
from sitewarden.score.pages.visual import VisualMatch


@dataclass(slots=True)
class FeedHit:
    """One threat-feed listing of the host or its registrable domain."""

    feed: str
    indicator: str
    fraud_type: FraudType | None = None


@dataclass(slots=True)
class RelatedFacts:
    """Infrastructure links of a scanned site to known-bad things, counted by the pipeline."""

    feed_hits: list[FeedHit] = field(default_factory=list)
    ip: str = ""
    confirmed_same_ip: int = 0
    certificate_sha256: str = ""
    confirmed_same_certificate: int = 0
    confirmed_same_kit: int = 0
    kit_examples: list[str] = field(default_factory=list)
    kit_fraud_type: FraudType | None = None
    visual_matches: list[VisualMatch] = field(default_factory=list)  # VisualReferenceStore.match() results


def _scaled(count: int, first: float, cap: float) -> float:
    """More confirmed neighbours raise the weight with diminishing returns, never past cap."""
    return min(cap, first * (1 + 0.5 * (min(count, 5) - 1))) if count > 0 else 0.0


def reputation_signals(related: RelatedFacts | None) -> list[Signal]:
    if related is None:
        return []
    signals: list[Signal] = []
    if related.feed_hits:
        feeds = sorted({hit.feed for hit in related.feed_hits})
        types = [hit.fraud_type for hit in related.feed_hits if hit.fraud_type]
        signals.append(
            Signal(
                "feed_listed",
                min(0.9, 0.6 + 0.15 * (len(feeds) - 1)),
                f"listed in threat feed(s) {', '.join(feeds)} as "
                f"{', '.join(sorted({hit.indicator for hit in related.feed_hits}))}",
                fraud_type=types[0] if types else None,
                evidence={"feeds": feeds, "indicators": sorted({h.indicator for h in related.feed_hits})},
            )
        )
    if related.confirmed_same_kit:
        examples = related.kit_examples[:5]
        signals.append(
            Signal(
                "kit_shared_with_confirmed",
                _scaled(related.confirmed_same_kit, 0.6, 0.85),
                f"page skeleton identical to {related.confirmed_same_kit} confirmed fraud site(s)"
                + (f", e.g. {', '.join(examples)}" if examples else ""),
                fraud_type=related.kit_fraud_type,
                evidence={"count": related.confirmed_same_kit, "examples": examples},
            )
        )
    if related.confirmed_same_certificate:
        signals.append(
            Signal(
                "certificate_shared_with_confirmed",
                _scaled(related.confirmed_same_certificate, 0.35, 0.6),
                f"TLS certificate {related.certificate_sha256[:16]}… also served by "
                f"{related.confirmed_same_certificate} confirmed fraud site(s)",
                evidence={"count": related.confirmed_same_certificate, "sha256": related.certificate_sha256},
            )
        )
    if related.confirmed_same_ip:
        # Shared hosting puts honest and fraud sites on one IP: weak on its own.
        signals.append(
            Signal(
                "ip_shared_with_confirmed",
                _scaled(related.confirmed_same_ip, 0.1, 0.3),
                f"IP {related.ip or '?'} also hosts {related.confirmed_same_ip} confirmed fraud site(s)",
                evidence={"count": related.confirmed_same_ip, "ip": related.ip},
            )
        )
    return signals
