"""score_page: every page-level signal for one scan, combined into one explainable Assessment.

Signals combine by noisy-OR (domain.models.combine_weights); the verdict uses the settings'
page_review_threshold / page_block_threshold. The fraud type is the one with the most signal weight behind
it, so a page with a strong brand signal and a faint gambling word is phishing, not gambling.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sitewarden.domain.models import Assessment, FraudType, Signal, Verdict, combine_weights, verdict_for
from sitewarden.enrich.page import PageFacts, analyse
from sitewarden.enrich.page_brands import site_of
from sitewarden.score.brands import default_catalogue
from sitewarden.score.pages.brand import brand_signals
from sitewarden.score.pages.cloaking import cloaking_signals
from sitewarden.score.pages.content import content_signals
from sitewarden.score.pages.icp import icp_signals
from sitewarden.score.pages.kit import kit_hash
from sitewarden.score.pages.lures import lure_signals
from sitewarden.score.pages.reputation import RelatedFacts, reputation_signals
from sitewarden.score.pages.visual import visual_signals
from sitewarden.settings import Settings, get_settings

# The domain engine's own verdict (its thresholds sit at its FPR targets), not its raw score, sets the
# weight: a name it allows says nothing, one it would review or block is evidence alongside the page.
DOMAIN_VERDICT_WEIGHT = {Verdict.REVIEW: 0.3, Verdict.BLOCK: 0.55}


@dataclass(slots=True)
class PageAssessment:
    """The page's Assessment plus what the pipeline stores next to it."""

    assessment: Assessment
    kit_hash: str
    facts_summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        a = self.assessment
        return {
            "score": round(a.score, 4),
            "verdict": a.verdict.value,
            "fraud_type": a.fraud_type.value if a.fraud_type else None,
            "brand": a.brand,
            "signals": a.reasons(),
            "kit_hash": self.kit_hash,
            "facts": self.facts_summary,
        }


def summarise(facts: PageFacts) -> dict[str, Any]:
    """The handful of facts an analyst reads first (the full PageFacts go to evidence storage)."""
    return {
        "title": facts.title,
        "language": facts.language,
        "is_html": facts.is_html,
        "binary_kind": facts.binary_kind,
        "input_kinds": sorted(facts.input_kinds),
        "form_action_hosts": sorted({f.action_host for f in facts.forms if f.action_host}),
        "brands": sorted({m["brand"] for m in facts.brand_mentions}),
        "app_links": facts.app_links[:5],
        "chat_widgets": facts.chat_widgets,
        "wallets": facts.wallets[:5],
        "phones": facts.phones[:5],
        "icp": facts.icp_text,
        "icp_valid": facts.icp_valid,
        "redirects": facts.redirects[:5],
        "obfuscation": facts.obfuscation,
        "errors": facts.errors,
    }


def _domain_signal(domain: Assessment | None) -> list[Signal]:
    if domain is None or domain.verdict not in DOMAIN_VERDICT_WEIGHT:
        return []
    top = ", ".join(s.name for s in sorted(domain.signals, key=lambda s: -s.weight)[:3])
    return [
        Signal(
            "domain_score",
            DOMAIN_VERDICT_WEIGHT[domain.verdict],
            f"domain engine scored the name {domain.score:.2f} ({domain.verdict.value}"
            + (f": {top})" if top else ")"),
            fraud_type=domain.fraud_type,
            brand=domain.brand,
            evidence={"score": round(domain.score, 4), "signals": [s.name for s in domain.signals]},
        )
    ]


def page_signals(facts: PageFacts, host: str) -> list[Signal]:
    """Signals read from one profile's page alone. On a protected brand's own site, "verify your identity"
    wording is the brand's real flow, not a lure."""
    content = content_signals(facts)
    if host and default_catalogue().official_brand(site_of(host)) is not None:
        content = [s for s in content if s.fraud_type is not FraudType.PHISHING]
    return [*brand_signals(facts, host), *content, *lure_signals(facts), *icp_signals(facts, host)]


def _merge_profile(signals: list[Signal], other: list[Signal]) -> list[Signal]:
    """Add the mobile profile's findings that are new or stronger, marked as seen by that profile."""
    best = {s.name: s for s in signals}
    for sig in other:
        mine = best.get(sig.name)
        if mine is None or sig.weight > mine.weight:
            marked = replace(
                sig, detail=f"[mobile profile] {sig.detail}", evidence={**sig.evidence, "profile": "mobile"}
            )
            best[sig.name] = marked
    return list(best.values())


def _dominant(signals: list[Signal]) -> tuple[FraudType | None, str | None]:
    by_type: dict[FraudType, list[float]] = defaultdict(list)
    for sig in signals:
        if sig.fraud_type:
            by_type[sig.fraud_type].append(sig.weight)
    fraud_type = max(by_type, key=lambda t: combine_weights(by_type[t]), default=None)
    branded = [s for s in signals if s.brand]
    brand = max(branded, key=lambda s: s.weight).brand if branded else None
    return fraud_type, brand


def score_page(
    facts: PageFacts,
    host: str,
    *,
    domain_assessment: Assessment | None = None,
    other_profile: PageFacts | None = None,
    related: RelatedFacts | None = None,
    settings: Settings | None = None,
) -> PageAssessment:
    """Score one scanned page. Pure: the pipeline supplies the facts, the domain verdict and DB look-ups."""
    settings = settings or get_settings()
    host = (host or facts.host).lower().rstrip(".")
    signals = page_signals(facts, host)
    if other_profile is not None:
        signals = _merge_profile(signals, page_signals(other_profile, host))
        signals += cloaking_signals(facts, other_profile)
    signals += reputation_signals(related)
    if related is not None:
        signals += visual_signals(related.visual_matches, host)
    signals += _domain_signal(domain_assessment)
    signals.sort(key=lambda s: -s.weight)
    # Rounded so that a signal weighted exactly at a threshold meets it despite float noise in the noisy-OR.
    score = round(combine_weights([s.weight for s in signals]), 6)
    verdict = verdict_for(score, settings.page_review_threshold, settings.page_block_threshold)
    fraud_type, brand = _dominant(signals)
    if not signals or score < settings.page_review_threshold:
        fraud_type = None
    return PageAssessment(
        assessment=Assessment(
            score=score, verdict=verdict, signals=signals, fraud_type=fraud_type, brand=brand
        ),
        kit_hash=kit_hash(facts.dom_tokens),
        facts_summary=summarise(facts),
    )


def worst_page(
    pages: Iterable[tuple[str, bytes]], host: str, settings: Settings | None = None
) -> PageAssessment | None:
    """Score every (url, body) of one site and keep the highest-scoring page: a site is as bad as its
    worst page (a kit's landing page may be harmless while its second step harvests cards)."""
    results = (score_page(analyse(body, url), host, settings=settings) for url, body in pages)
    return max(results, key=lambda r: r.assessment.score, default=None)
