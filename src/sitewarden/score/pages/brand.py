"""Brand intent: the page presents a protected brand on a host the brand does not own.

A login form alone is not phishing (every site has one); a login form under PayPal's name and logo on a
host PayPal does not own is. Prominence is measured where a victim looks: the title, the logo (image alt
and file names) and the text; kits also keep the brand's own navigation links, so many links into the
brand's official domains from a foreign host corroborate the imitation.
"""

from __future__ import annotations

from collections import defaultdict

from sitewarden.domain.models import FraudType, Signal
from sitewarden.enrich.page import PageFacts
from sitewarden.enrich.page_brands import site_of
from sitewarden.enrich.page_patterns import SENSITIVE_KINDS
from sitewarden.score.brands import Brand, BrandCatalogue, default_catalogue

_WHERE_WEIGHT = {"title": 0.3, "image": 0.2, "text": 0.0}


def _official_links(facts: PageFacts, brand: Brand) -> int:
    domains = set(brand.domains)
    return sum(count for host, count in facts.link_hosts.items() if site_of(host) in domains)


def _owns(brand: Brand, site: str) -> bool:
    return site in brand.domains


def brand_signals(facts: PageFacts, host: str, catalogue: BrandCatalogue | None = None) -> list[Signal]:
    """At most one signal: the most prominent foreign brand, weighted by what the page asks for."""
    if not facts.is_html or not facts.brand_mentions:
        return []
    catalogue = catalogue or default_catalogue()
    site = site_of(host) if host else ""
    places: dict[str, set[str]] = defaultdict(set)
    for mention in facts.brand_mentions:
        places[mention["brand"]].add(mention["where"])
    best: Signal | None = None
    sensitive = sorted(facts.input_kinds & SENSITIVE_KINDS)
    for brand_id, where in places.items():
        brand = catalogue.get(brand_id)
        if brand is None or _owns(brand, site):
            continue
        links = _official_links(facts, brand)
        prominence = sum(_WHERE_WEIGHT[w] for w in where) + (0.15 if links >= 3 else 0.0)
        if sensitive:
            weight = 0.35 + prominence + (0.1 if facts.posts_to_other_host else 0.0)
            asks = f"asks for {', '.join(sensitive)}"
        elif prominence >= 0.3:
            weight = 0.1 + prominence / 2
            asks = "asks for nothing yet"
        else:
            continue
        if best is not None and weight <= best.weight:
            continue
        best = Signal(
            "brand_impersonation",
            min(weight, 0.95),
            f"page presents {brand.name} (in {', '.join(sorted(where))}"
            + (f", {links} links to its official site" if links else "")
            + f") on {host or 'an unknown host'}, which {brand.name} does not own; it {asks}",
            fraud_type=FraudType.PHISHING,
            brand=brand.id,
            evidence={
                "where": sorted(where),
                "official_links": links,
                "input_kinds": sensitive,
                "site": site,
            },
        )
    return [best] if best else []
