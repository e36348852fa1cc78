"""Brand mentions and site identity for page analysis, through the shared catalogue and host parser.

Third-party sign-in buttons ("Sign in with Google", 微信登录) and reCAPTCHA notices name brands on
honest login pages; mentions in those phrases are dropped so that they never read as the page presenting
itself as that brand. Only the few characters around each mention are examined, which keeps this cheap.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sitewarden.normalise.domains import InvalidInput, parse_host
from sitewarden.score.brands import default_catalogue

_TEXT_SCAN_CHARS = 6_000
_MIN_CASELESS = 5
_CONTEXT = 48
_MAX_OCCURRENCES = 50
# Words just before a mention that make it someone else's button or notice...
_SSO_BEFORE = re.compile(
    r"(?:sign(?:ing)?\s*(?:in|up)|log\s*in|login|continue|connect|register|share|follow us)"
    r"\s+(?:with|using|via|on)\s+(?:your\s+)?$"
    r"|recaptcha and the\s+$",
    re.IGNORECASE,
)
# ...or just after it (Chinese puts the verb last: 微信登录, QQ快捷登录, 支付宝账号授权登录).
# Letters kits swap into a brand's name so that filters miss it ("AppIe ID", "PayPaI", "Rn" for "m").
_DISGUISES = str.maketrans({"I": "l", "0": "o", "1": "l", "|": "l"})
_SSO_AFTER = re.compile(r"^\s*(?:账号|帐号)?\s*(?:快捷|一键|授权)?\s*(?:登录|登陆|注册)")


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """Registrable domain of a host; the host itself when it cannot be parsed (so comparisons stay strict)."""
    try:
        return parse_host(host).registrable_domain
    except InvalidInput:
        return host.lower()


def _own_mentions(text: str, lowered: str, term: str) -> int:
    """Occurrences of term in text (lowered: text.lower()) that are not inside a third-party sign-in phrase."""
    needle = term.lower()
    count, start = 0, lowered.find(needle)
    while start >= 0 and count < _MAX_OCCURRENCES:
        end = start + len(needle)
        if not _SSO_BEFORE.search(text[max(0, start - _CONTEXT) : start]) and not _SSO_AFTER.match(
            text[end : end + 12]
        ):
            count += 1
        start = lowered.find(needle, end)
    return count


def brand_mentions(title: str, text: str, image_text: str) -> list[dict[str, str | int]]:
    """Brands named in the title, the visible text (head of it) and image alt texts/file names, with the
    number of the page's own mentions of the matched term in the text (sign-in buttons not counted).
    A brand the title only names with swapped look-alike letters is marked `disguised`."""
    catalogue = default_catalogue()
    body = text[:_TEXT_SCAN_CHARS]
    # Kits write titles carelessly ("Login - Paypal"): the title is also read in capitals, keeping only
    # names long enough not to be ordinary words.
    title_upper = [(b, t) for b, t in catalogue.find_mentions(title.upper()) if len(t) >= _MIN_CASELESS]
    out: list[dict[str, str | int]] = []
    seen: set[tuple[str, str]] = set()
    lowered = {"image": image_text.lower(), "text": body.lower()}
    plain = {brand.id for brand, _ in catalogue.find_mentions(title) + title_upper}
    undisguised = title.translate(_DISGUISES).replace("rn", "m")
    disguised = [
        (brand, term)
        for brand, term in catalogue.find_mentions(undisguised)
        if brand.id not in plain and len(term) >= _MIN_CASELESS
    ]
    for brand, term in disguised:
        out.append(
            {
                "brand": brand.id,
                "name": brand.name,
                "term": term,
                "where": "title",
                "count": 1,
                "disguised": 1,
            }
        )
        seen.add((brand.id, "title"))
    for where, chunk, found in (
        ("title", title, catalogue.find_mentions(title) + title_upper),
        ("image", image_text, catalogue.find_mentions(image_text)),
        ("text", body, catalogue.find_mentions(body)),
    ):
        for brand, term in found:
            if (brand.id, where) in seen:
                continue
            count = _own_mentions(chunk, lowered[where], term) if where != "title" else 1
            if count:
                seen.add((brand.id, where))
                out.append(
                    {"brand": brand.id, "name": brand.name, "term": term, "where": where, "count": count}
                )
    return out
