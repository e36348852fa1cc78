"""Brand mentions and site identity for page analysis, through the shared catalogue and host parser.

Third-party sign-in buttons ("Sign in with Google", 微信登录) and reCAPTCHA notices name brands on
honest login pages; they are cut from the text before matching so that they never read as the page
presenting itself as that brand.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sitewarden.normalise.domains import InvalidInput, parse_host
from sitewarden.score.brands import default_catalogue

_TEXT_SCAN_CHARS = 6_000
_MIN_CASELESS = 5
_SSO = re.compile(
    r"(?:sign(?:ing)?\s*(?:in|up)|log\s*in|login|continue|connect|register|share|follow us)"
    r"\s+(?:with|using|via|on)\s+\S+(?:\s+ID)?"
    r"|protected by recaptcha.{0,120}?(?:apply|terms of service)"
    r"|(?:微信|QQ|微博|支付宝|淘宝|百度|Apple|Google|Facebook)\s*(?:账号|帐号)?\s*(?:快捷|一键|授权)?\s*(?:登录|登陆|注册)",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """Registrable domain of a host; the host itself when it cannot be parsed (so comparisons stay strict)."""
    try:
        return parse_host(host).registrable_domain
    except InvalidInput:
        return host.lower()


def brand_mentions(title: str, text: str, image_text: str) -> list[dict[str, str | int]]:
    """Brands named in the title, the visible text (head of it) and image alt texts/file names, with the
    number of times the matched term occurs in the text."""
    catalogue = default_catalogue()
    body = _SSO.sub(" ", text[:_TEXT_SCAN_CHARS])
    lowered = body.lower()
    out: list[dict[str, str | int]] = []
    seen: set[tuple[str, str]] = set()
    # Kits write titles carelessly ("Login - Paypal"): the title is also read in capitals, keeping only
    # names long enough not to be ordinary words.
    title_upper = [(b, t) for b, t in catalogue.find_mentions(title.upper()) if len(t) >= _MIN_CASELESS]
    for where, found in (
        ("title", catalogue.find_mentions(title) + title_upper),
        ("image", catalogue.find_mentions(_SSO.sub(" ", image_text))),
        ("text", catalogue.find_mentions(body)),
    ):
        for brand, term in found:
            if (brand.id, where) not in seen:
                seen.add((brand.id, where))
                count = lowered.count(term.lower()) if where == "text" else 1
                out.append({"brand": brand.id, "name": brand.name, "term": term, "where": where, "count": count})
    return out
