"""Kit fingerprint: a hash of a page's DOM skeleton that stays equal across copies of one phishing kit.

Copies of a kit change texts, brand names, links and tracking ids but keep the element skeleton, so the
hash covers the tag sequence (input types included, formatting tags and repeated siblings dropped by
page analysis) and nothing else. Tiny pages (parking pages, redirects) would collide across unrelated
sites, so skeletons shorter than MIN_TOKENS get no hash.
"""

from __future__ import annotations

import hashlib

MIN_TOKENS = 12


def kit_hash(dom_tokens: list[str]) -> str:
    """Hex SHA-256 (first 32 chars) of the skeleton, or "" when the page is too small to fingerprint."""
    if len(dom_tokens) < MIN_TOKENS:
        return ""
    return hashlib.sha256(" ".join(dom_tokens).encode()).hexdigest()[:32]
