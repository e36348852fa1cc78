"""Brand mentions and site identity for page analysis, through the shared catalogue and host parser."""

from __future__ import annotations

from functools import lru_cache

from sitewarden.normalise.domains import InvalidInput, parse_host
from sitewarden.score.brands import default_catalogue

_TEXT_SCAN_CHARS = 6_000


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """Registrable domain of a host; the host itself when it cannot be parsed (so comparisons stay strict)."""
    try:
        return parse_host(host).registrable_domain
    except InvalidInput:
        return host.lower()


def brand_mentions(title: str, text: str, image_text: str) -> list[dict[str, str]]:
    """Brands named in the title, the visible text (head of it) and image alt texts/file names."""
    catalogue = default_catalogue()
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for where, chunk in (("title", title), ("image", image_text), ("text", text[:_TEXT_SCAN_CHARS])):
        for brand, term in catalogue.find_mentions(chunk):
            if (brand.id, where) not in seen:
                seen.add((brand.id, where))
                out.append({"brand": brand.id, "name": brand.name, "term": term, "where": where})
    return out
