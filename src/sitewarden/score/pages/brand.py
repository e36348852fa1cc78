"""Brand intent: the page presents a protected brand on a host the brand does not own.

A login form alone is not phishing (every site has one); a login form under PayPal's name and logo on a
host PayPal does not own is. Presentation is measured where a victim looks: a short title segment naming
the brand ("PayPal: Log in", not a news headline about PayPal), the logo (image alt and file names) and
repeated mentions in the text. Kits also keep the brand's navigation, so links into the brand's official
domains from a foreign host corroborate the imitation. Long article pages are damped: news about a brand
is not the brand.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sitewarden.domain.models import FraudType, Signal
from sitewarden.enrich.page import PageFacts
from sitewarden.enrich.page_brands import site_of
from sitewarden.enrich.page_patterns import SENSITIVE_KINDS
from sitewarden.score.brands import Brand, BrandCatalogue, default_catalogue

# Site builders and CMSs whose name honest customer sites show on their own login pages.
HOSTED_PLATFORMS = frozenset({"wordpress", "wix", "squarespace", "shopify", "cloudflare", "godaddy"})
_TITLE_SEPARATORS = re.compile(r"\s[|\-–—:·•‹›»«]\s|[|｜_–—‹›»«·•]|\s-\s")
_SHORT_SEGMENT_WORDS = 5
_SHORT_SEGMENT_CJK = 12
ARTICLE_CHARS = 4_000
_CJK = re.compile(r"[\u4e00-\u9fff]")


def title_presents(title: str, term: str) -> bool:
    """True when a short segment of the title carries the brand term (a page name, not a headline)."""
    term = term.lower()
    for segment in _TITLE_SEPARATORS.split(title.lower()):
        if term in segment:
            words = len(segment.split())
            if words <= _SHORT_SEGMENT_WORDS and len(_CJK.findall(segment)) <= _SHORT_SEGMENT_CJK:
                return True
    return False


def _official_links(facts: PageFacts, brand: Brand) -> int:
    domains = set(brand.domains)
    return sum(count for host, count in facts.link_hosts.items() if site_of(host) in domains)


def _prominence(facts: PageFacts, mentions: list[dict[str, Any]], links: int) -> tuple[float, list[str]]:
    """How strongly the page presents the brand, and the places it does so.

    The title is what a page calls itself; logos and text corroborate it. Without the title, only a brand
    named again and again next to links into its official site counts: single mentions, share buttons and
    payment-card logos are how honest pages name other brands."""
    found = {m["where"]: m for m in mentions}
    score, places = 0.0, []
    if "title" in found and title_presents(facts.title, str(found["title"]["term"])):
        score, places = 0.3, ["title"]
    text = found.get("text")
    repeated = text is not None and len(str(text["term"])) >= 4 and int(text.get("count", 0)) >= 3
    if places or (repeated and links >= 1):
        if "image" in found:
            score, places = score + 0.2, [*places, "logo/images"]
        if repeated and text is not None:
            score, places = score + 0.1, [*places, f"text ({text['count']}x)"]
        if links >= 3:
            score, places = score + 0.15, [*places, f"{links} links to its official site"]
    if len(facts.text) > ARTICLE_CHARS:
        score /= 2
    return score, places


def brand_signals(facts: PageFacts, host: str, catalogue: BrandCatalogue | None = None) -> list[Signal]:
    """At most one signal: the most prominent foreign brand, weighted by what the page asks for."""
    if not facts.is_html or not facts.brand_mentions:
        return []
    catalogue = catalogue or default_catalogue()
    site = site_of(host) if host else ""
    if catalogue.official_brand(site) is not None:
        return []  # a protected brand's own site: other brands it names are partners, not victims
    by_brand: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for mention in facts.brand_mentions:
        by_brand[str(mention["brand"])].append(mention)
    sensitive = sorted(facts.input_kinds & SENSITIVE_KINDS)
    best: Signal | None = None
    for brand_id, mentions in by_brand.items():
        brand = catalogue.get(brand_id)
        if brand is None or brand.id in HOSTED_PLATFORMS or site in brand.domains:
            continue
        links = _official_links(facts, brand)
        prominence, places = _prominence(facts, mentions, links)
        if not places:
            continue
        if sensitive:
            weight = 0.3 + prominence + (0.1 if facts.posts_to_other_host else 0.0)
            asks = f"asks for {', '.join(sensitive)}"
        else:
            weight = prominence / 2
            asks = "asks for nothing sensitive"
        if weight < 0.1 or (best is not None and weight <= best.weight):
            continue
        best = Signal(
            "brand_impersonation",
            min(weight, 0.95),
            f"page presents {brand.name} ({', '.join(places)}) on {host or 'an unknown host'}, "
            f"which {brand.name} does not own; it {asks}",
            fraud_type=FraudType.PHISHING,
            brand=brand.id,
            evidence={"places": places, "official_links": links, "input_kinds": sensitive, "site": site},
        )
    return [best] if best else []
