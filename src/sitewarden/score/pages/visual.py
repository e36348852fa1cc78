"""Visual similarity: perceptual hashes of screenshots and favicons against a store of references.

Brand logos and screenshots cannot be shipped (their owners' copyright) or downloaded at run time, so the
store starts empty and is fed by the operator: screenshots of confirmed fraud cases (a new site that looks
like a confirmed kit is linked to it) and captures of protected brands' real pages taken from their own
sites (a page that looks like PayPal's login on a host PayPal does not own is flagged). The pipeline keeps
the store as JSON in the database and passes the matches in RelatedFacts.visual_matches.

Hashing decodes image bytes in memory: no I/O. Undecodable, huge or blank images (a white screenshot
hashes like every other white screenshot) give no hash rather than an error or a false match.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import imagehash
from PIL import Image, ImageStat, UnidentifiedImageError

from sitewarden.domain.models import FraudType, Signal
from sitewarden.enrich.page_brands import site_of

KINDS = ("screenshot", "favicon")
# Hamming distance (of 64 bits) at or under which two images count as the same look.
MAX_DISTANCE = {"screenshot": 8, "favicon": 4}
MAX_PIXELS = 40_000_000
MIN_CONTRAST = 8.0  # grey-level standard deviation below which an image is blank


class VisualError(ValueError):
    """A reference store document or entry that is not valid."""


@dataclass(frozen=True, slots=True)
class VisualReference:
    """One known look: whose it is (brand or confirmed case), where it legitimately lives, and its hash."""

    kind: str
    phash: str
    source: str
    brand: str | None = None
    official_site: str | None = None
    fraud_type: FraudType | None = None


@dataclass(frozen=True, slots=True)
class VisualMatch:
    reference: VisualReference
    distance: int


def perceptual_hash(data: bytes) -> str | None:
    """64-bit pHash (hex) of an image, or None when the bytes are not a usable image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                grey = image.convert("L")
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ):
        return None
    if ImageStat.Stat(grey).stddev[0] < MIN_CONTRAST:
        return None
    return str(imagehash.phash(grey))


@dataclass(slots=True)
class VisualReferenceStore:
    """References with matching by Hamming distance; JSON in and out (never pickle)."""

    references: list[VisualReference] = field(default_factory=list)

    def add(
        self,
        data: bytes,
        *,
        kind: str,
        source: str,
        brand: str | None = None,
        official_site: str | None = None,
        fraud_type: FraudType | None = None,
    ) -> VisualReference | None:
        """Hash an image and keep it as a reference; None (nothing kept) for unusable images."""
        if kind not in KINDS:
            raise VisualError(f"kind must be one of {KINDS}, got {kind!r}")
        digest = perceptual_hash(data)
        if digest is None:
            return None
        ref = VisualReference(kind, digest, source, brand, official_site, fraud_type)
        self.references.append(ref)
        return ref

    def match(self, data: bytes | None, kind: str) -> list[VisualMatch]:
        """References of this kind that look like the image, nearest first."""
        digest = perceptual_hash(data) if data else None
        if digest is None:
            return []
        probe = imagehash.hex_to_hash(digest)
        found = []
        for ref in self.references:
            if ref.kind == kind:
                distance = probe - imagehash.hex_to_hash(ref.phash)
                if distance <= MAX_DISTANCE[kind]:
                    found.append(VisualMatch(ref, int(distance)))
        return sorted(found, key=lambda m: m.distance)

    def to_json(self) -> str:
        return json.dumps([{k: v for k, v in asdict(r).items() if v is not None} for r in self.references])

    @classmethod
    def from_json(cls, text: str) -> VisualReferenceStore:
        try:
            entries: Any = json.loads(text)
            if not isinstance(entries, list):
                raise VisualError("reference store must be a JSON list")
            refs = []
            for i, entry in enumerate(entries):
                kind, digest = entry["kind"], entry["phash"]
                if kind not in KINDS or len(digest) != 16:
                    raise VisualError(f"reference {i}: bad kind {kind!r} or phash {digest!r}")
                imagehash.hex_to_hash(digest)
                fraud_type = FraudType(entry["fraud_type"]) if entry.get("fraud_type") else None
                refs.append(
                    VisualReference(
                        kind,
                        digest,
                        str(entry["source"]),
                        entry.get("brand"),
                        entry.get("official_site"),
                        fraud_type,
                    )
                )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, VisualError):
                raise
            raise VisualError(f"invalid reference store: {type(exc).__name__}: {exc}") from None
        return cls(refs)


def visual_signals(matches: list[VisualMatch], host: str) -> list[Signal]:
    """The nearest match that is not the host's own look, as one signal."""
    site = site_of(host) if host else ""
    for match in sorted(matches, key=lambda m: m.distance):
        ref = match.reference
        if ref.official_site and site_of(ref.official_site) == site:
            continue
        closeness = 1 - match.distance / (MAX_DISTANCE[ref.kind] + 1)
        whose = (
            f"{ref.brand}'s page ({ref.source})" if ref.official_site else f"the confirmed case {ref.source}"
        )
        return [
            Signal(
                f"visual_match_{ref.kind}",
                round((0.5 if ref.kind == "screenshot" else 0.35) + 0.3 * closeness, 4),
                f"{ref.kind} looks like {whose} (pHash distance {match.distance}/64) but is served from "
                f"{host or 'an unknown host'}",
                fraud_type=ref.fraud_type or (FraudType.PHISHING if ref.brand else None),
                brand=ref.brand,
                evidence={"reference": ref.source, "distance": match.distance, "phash": ref.phash},
            )
        ]
    return []
