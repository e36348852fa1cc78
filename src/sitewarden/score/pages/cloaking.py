"""Cloaking: the desktop crawler and a mobile browser arriving from a search engine see different sites.

Fraud sites show a harmless page to crawlers and the scam to phone users who clicked a search result. Honest
sites also adapt to mobile, so only material differences count: another destination site, a sensitive
form or an app download only one profile sees, or texts that share almost nothing.
"""

from __future__ import annotations

import re

from sitewarden.domain.models import FraudType, Signal
from sitewarden.enrich.page import PageFacts
from sitewarden.enrich.page_brands import site_of
from sitewarden.enrich.page_patterns import SENSITIVE_KINDS

_TOKEN = re.compile(r"[a-z0-9]{3,}|[\u4e00-\u9fff]{2}")
MIN_TEXT = 200
TEXT_SIMILARITY_FLOOR = 0.2


def _shingles(text: str) -> set[str]:
    return set(_TOKEN.findall(text[:8000].lower()))


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of word / CJK-bigram sets (1.0 when both are empty)."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _destination(facts: PageFacts) -> str:
    return site_of(facts.host) if facts.host else ""


def cloaking_signals(desktop: PageFacts, mobile: PageFacts | None) -> list[Signal]:
    """Signals for material differences between the desktop and the mobile-with-referrer fetch."""
    if mobile is None:
        return []
    differences: list[str] = []
    weight = 0.0
    fraud_type: FraudType | None = None
    if desktop.is_html and not mobile.is_html and mobile.binary_kind in ("apk", "ipa", "exe"):
        differences.append(f"mobile visitors get a {mobile.binary_kind} file, the crawler a page")
        weight, fraud_type = 0.7, FraudType.MALWARE_DOWNLOAD
    dest_d, dest_m = _destination(desktop), _destination(mobile)
    if dest_d and dest_m and dest_d != dest_m:
        differences.append(f"mobile visitors end on {mobile.host}, the crawler on {desktop.host}")
        weight = max(weight, 0.45)
    only_mobile = (mobile.input_kinds & SENSITIVE_KINDS) - desktop.input_kinds
    if only_mobile:
        differences.append(f"only the mobile profile is asked for {', '.join(sorted(only_mobile))}")
        weight = max(weight, 0.5)
    if mobile.app_links and not desktop.app_links:
        differences.append(f"only the mobile profile is offered app downloads ({mobile.app_links[0]})")
        weight = max(weight, 0.45)
        fraud_type = fraud_type or FraudType.MALWARE_DOWNLOAD
    if max(len(desktop.text), len(mobile.text)) >= MIN_TEXT:
        similarity = text_similarity(desktop.text, mobile.text)
        if similarity < TEXT_SIMILARITY_FLOOR:
            differences.append(f"page texts share {similarity:.0%} of their words")
            weight = max(weight, 0.3) + (0.1 if differences[:-1] else 0.0)
    if not differences:
        return []
    return [
        Signal(
            "cloaking",
            min(weight, 0.8),
            "desktop crawler and mobile browser from a search referrer see different content: "
            + "; ".join(differences),
            fraud_type=fraud_type,
            evidence={
                "desktop_title": desktop.title,
                "mobile_title": mobile.title,
                "differences": differences,
            },
        )
    ]
