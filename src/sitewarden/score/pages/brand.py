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
_SHORT_SEGMENT_WORDS = 7
_SHORT_SEGMENT_CJK = 12
ARTICLE_CHARS = 4_000
# Links honest pages carry to other brands' sites: reCAPTCHA terms, app-store badges.
BOILERPLATE_LINK_HOSTS = frozenset(
    {"policies.google.com", "www.google.com", "play.google.com", "apps.apple.com", "itunes.apple.com"}
)
# Account identifiers: a first step of many kits (e-mail or phone first, password on the next page).
IDENTIFIER_KINDS = frozenset({"email", "phone", "username"})
# What a kit's login or card screen asks for (identity numbers alone are also asked by honest sign-ups).
LOGIN_SECRETS = frozenset({"password", "card_number", "cvv", "pin", "otp"})
# Country-code TLDs that are free or sold as generic names and abused: a brand's name there is not its
# regional site. Short names (ccb, boc) are too often someone else's under some ccTLD.
ABUSED_CCTLDS = frozenset({"tk", "ml", "ga", "cf", "gq", "cc", "ws", "pw", "su", "to", "nu"})
REGIONAL_MIN_LABEL = 4
SELF_NAME_MIN_CHARS = 5
COPIED_SITE_MIN_LINKS = 3
COPIED_SITE_SHARE = 0.5
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Where a page claims a name as its own; a logo alone is also how member banks show their network.
_IDENTITY_CLAIMS = frozenset({"title words", "copyright line"})
_COPYRIGHT = r"(?:©|\(c\)|copyright|版权所有)\s*(?:[\d\s\-–]{{0,12}})?\s*{term}|{term}\s*(?:©|\(c\))"


def title_presents(title: str, term: str) -> bool:
    """True when a short segment of the title carries the brand term (a page name, not a headline)."""
    term = term.lower()
    for segment in _TITLE_SEPARATORS.split(title.lower()):
        if term in segment:
            words = len(segment.split())
            if words <= _SHORT_SEGMENT_WORDS and len(_CJK.findall(segment)) <= _SHORT_SEGMENT_CJK:
                return True
    return False


def _squashed(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def regional_site(site: str, brand: Brand) -> bool:
    """The brand's own name under a country-code TLD (ebay.pl for ebay.com): global brands register
    their regional sites, and the catalogue lists only some of them. Look-alike TLD swaps are the
    domain engine's job; the page engine must not call eBay's Polish login page phishing."""
    label, _, suffix = site.partition(".")
    tld = suffix.rsplit(".", 1)[-1]
    if len(tld) != 2 or tld in ABUSED_CCTLDS or len(label) < REGIONAL_MIN_LABEL:
        return False
    return any(domain.partition(".")[0] == label for domain in brand.domains)


def names_own_site(title: str, site: str) -> bool:
    """A title segment that is the host's own name ("... | Lucky Brand" on luckybrand.com): the page
    presents its own site, so another brand inside a longer segment ("Seavees Baja Stripe") is a product
    or a partner, not the page's identity."""
    label = _squashed(site.partition(".")[0])
    if len(label) < SELF_NAME_MIN_CHARS:
        return False
    return any(_squashed(segment) == label for segment in _TITLE_SEPARATORS.split(title))


def _title_is_brand(title: str, mentions: list[dict[str, Any]]) -> bool:
    """Some title segment is the brand's name on its own ("PayPal | Log in")."""
    terms = {_squashed(str(m["term"])) for m in mentions}
    return any(_squashed(segment) in terms for segment in _TITLE_SEPARATORS.split(title))


def _claims_copyright(text: str, term: str) -> bool:
    """ "© 2018 Microsoft": the page says the brand owns it (honest pages name their own owner there)."""
    pattern = _COPYRIGHT.format(term=re.escape(term))
    return re.search(pattern, text, re.IGNORECASE) is not None


def _official_links(facts: PageFacts, brand: Brand) -> int:
    domains = set(brand.domains)
    return sum(
        count
        for host, count in facts.link_hosts.items()
        if host not in BOILERPLATE_LINK_HOSTS and site_of(host) in domains
    )


def _posts_to(facts: PageFacts, domains: set[str]) -> bool:
    """A credential form that submits to the named site: that site's own flow, which kits never do."""
    return any(
        form.action_host and site_of(form.action_host) in domains and set(form.input_kinds) & SENSITIVE_KINDS
        for form in facts.forms
    )


def _prominence(
    facts: PageFacts,
    brand: Brand,
    mentions: list[dict[str, Any]],
    links: int,
    sole: bool,
    login_screen: bool,
) -> tuple[float, list[str]]:
    """How strongly the page presents the brand, and the places it does so.

    The title is what a page calls itself; logos, repeated text and kept navigation links into the
    brand's official site corroborate it, and two of them together stand in for the title (kits often
    keep a generic "Sign in to your account"). A single mention, a share button or a row of payment-card
    logos is how honest pages name other brands, so card networks and wallets need the title, and a logo
    plus one mention only counts when no other brand is named (`sole`), unlike a row of social buttons.
    On a short login or card screen (`login_screen`) that names no other brand, one claim of identity is
    enough (the brand in a long title, or as the copyright holder): a kit keeps one line of the brand's
    name and little else, while an honest login page off the brand's site names its own owner there."""
    found = {m["where"]: m for m in mentions}
    disguised = "title" in found and bool(found["title"].get("disguised"))
    title = "title" in found and (disguised or title_presents(facts.title, str(found["title"]["term"])))
    text = found.get("text")
    count = int(text.get("count", 0)) if text is not None and len(str(text["term"])) >= 4 else 0
    corroboration = [
        (0.2, "logo/images", "image" in found),
        (0.1, f"text ({count}x)", count >= 2 or (sole and count >= 1 and "image" in found)),
        (0.15, f"{links} links to its official site", links >= 3),
        # Honest pages never misspell a name on purpose; kits do it to slip past filters.
        (0.3, "its name spelt with look-alike letters", disguised),
    ]
    claims = login_screen and sole  # identity claims only matter on a login screen naming one brand
    identity = [
        (0.15, "title words", claims and not title and "title" in found),
        (
            0.15,
            "copyright line",
            claims and text is not None and _claims_copyright(facts.text, str(text["term"])),
        ),
    ]
    present = [(w, place) for w, place, ok in corroboration + identity if ok]
    # Without the title, a shop page that sells a brand's products also shows its logo and name often:
    # it takes kept links into the brand's site, or a page that names no other brand.
    lone_kit = login_screen and sole and any(place in _IDENTITY_CLAIMS for _, place in present)
    if (
        not title
        and not lone_kit
        and (len(present) < 2 or brand.category == "payment" or not (sole or links >= 3))
    ):
        return 0.0, []
    if not title and brand.category == "payment":
        return 0.0, []
    score = (0.3 if title else 0.0) + sum(w for w, _ in present)
    places = (["title"] if title else []) + [place for _, place in present]
    if len(facts.text) > ARTICLE_CHARS:
        score /= 2
    return score, places


def _candidates(facts: PageFacts, catalogue: BrandCatalogue) -> dict[str, list[dict[str, Any]]]:
    """Brands the page names, plus brands whose official sites its links lead to."""
    by_brand: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for mention in facts.brand_mentions:
        by_brand[str(mention["brand"])].append(mention)
    for link_host in facts.link_hosts:
        if link_host in BOILERPLATE_LINK_HOSTS:
            continue
        owner = catalogue.official_brand(site_of(link_host))
        if owner is not None:
            by_brand.setdefault(owner.id, [])
    return by_brand


def brand_signals(facts: PageFacts, host: str, catalogue: BrandCatalogue | None = None) -> list[Signal]:
    """At most one signal: the most prominent foreign brand, weighted by what the page asks for; or, when
    no catalogue brand is presented, a login page whose navigation all leads to one other site."""
    if not facts.is_html:
        return []
    catalogue = catalogue or default_catalogue()
    site = site_of(host) if host else ""
    if catalogue.official_brand(site) is not None:
        return []  # a protected brand's own site: other brands it names are partners, not victims
    sensitive = sorted(facts.input_kinds & SENSITIVE_KINDS)
    identifiers = sorted(facts.input_kinds & IDENTIFIER_KINDS)
    best: Signal | None = None
    sole = len({m["brand"] for m in facts.brand_mentions}) == 1
    self_named = names_own_site(facts.title, site)
    login_screen = bool(facts.input_kinds & LOGIN_SECRETS) and len(facts.text) <= ARTICLE_CHARS
    for brand_id, mentions in _candidates(facts, catalogue).items():
        brand = catalogue.get(brand_id)
        if brand is None or brand.id in HOSTED_PLATFORMS or site in brand.domains:
            continue
        if regional_site(site, brand) or (self_named and not _title_is_brand(facts.title, mentions)):
            continue
        if _posts_to(facts, set(brand.domains)):
            continue
        links = _official_links(facts, brand)
        prominence, places = _prominence(facts, brand, mentions, links, sole, login_screen)
        if not places:
            continue
        if sensitive:
            weight = 0.3 + prominence + (0.1 if facts.posts_to_other_host else 0.0)
            asks = f"asks for {', '.join(sensitive)}"
        elif identifiers and "title" in places and len(facts.text) <= ARTICLE_CHARS:
            weight = 0.15 + prominence
            asks = f"asks for {', '.join(identifiers)}"
        elif facts.app_links and "title" in places:
            weight = 0.3 + prominence
            asks = f"offers an app download ({facts.app_links[0]})"
        else:
            weight = prominence / 3
            asks = "asks for nothing sensitive"
        if weight < 0.1 or (best is not None and weight <= best.weight):
            continue
        best = Signal(
            "brand_impersonation",
            round(min(weight, 0.95), 4),
            f"page presents {brand.name} ({', '.join(places)}) on {host or 'an unknown host'}, "
            f"which {brand.name} does not own; it {asks}",
            fraud_type=FraudType.PHISHING,
            brand=brand.id,
            evidence={"places": places, "official_links": links, "input_kinds": sensitive, "site": site},
        )
    if best is None and sensitive:
        return _copied_site(facts, site, sensitive)
    return [best] if best else []


def _copied_site(facts: PageFacts, site: str, sensitive: list[str]) -> list[Signal]:
    """A credential form whose page links mostly into one other site: a saved copy of that site's login."""
    by_site: dict[str, int] = defaultdict(int)
    for link_host, count in facts.link_hosts.items():
        by_site[site_of(link_host)] += count
    if not by_site:
        return []
    other, count = max(by_site.items(), key=lambda item: item[1])
    if other == site or count < COPIED_SITE_MIN_LINKS or count < COPIED_SITE_SHARE * facts.link_count:
        return []
    if _posts_to(facts, {other}):
        return []  # the site's own sign-in front end on another domain (auth subdomain, partner portal)
    return [
        Signal(
            "copied_login_page",
            0.5,
            f"page asks for {', '.join(sensitive)} but {count} of its {facts.link_count} links lead to {other}: "
            f"it looks like a copy of {other}'s page served from another site",
            fraud_type=FraudType.PHISHING,
            evidence={"copied_site": other, "links": count, "all_links": facts.link_count},
        )
    ]
