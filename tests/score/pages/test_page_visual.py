"""Perceptual-hash references: screenshots that look alike match, blank and broken images never do."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from sitewarden.domain.models import FraudType, Verdict
from sitewarden.enrich.page import analyse
from sitewarden.score.pages.combine import score_page
from sitewarden.score.pages.reputation import RelatedFacts
from sitewarden.score.pages.visual import VisualError, VisualReferenceStore, perceptual_hash, visual_signals


def screenshot(layout: int, size: tuple[int, int] = (640, 400)) -> bytes:
    """A synthetic page: header bar, logo block and a form box whose placement depends on `layout`."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    w, h = size
    if layout == 1:
        draw.rectangle((0, 0, w, h // 8), fill=(0, 48, 135))
        draw.rectangle((w // 3, h // 4, 2 * w // 3, 3 * h // 4), outline="black", width=3)
        draw.rectangle((w // 3 + 20, h // 3, 2 * w // 3 - 20, h // 3 + 30), fill=(220, 220, 220))
        draw.rectangle((w // 3 + 20, h // 2, 2 * w // 3 - 20, h // 2 + 30), fill=(0, 112, 186))
    else:
        draw.rectangle((0, 0, w // 4, h), fill=(200, 0, 0))
        for row in range(6):
            draw.rectangle((w // 3, 20 + row * 60, w - 20, 50 + row * 60), fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_similar_screenshots_match_and_different_ones_do_not():
    store = VisualReferenceStore()
    ref = store.add(
        screenshot(1),
        kind="screenshot",
        source="brand capture",
        brand="paypal",
        official_site="www.paypal.com",
    )
    assert ref is not None
    # The same page captured smaller and re-encoded as a lossy JPEG.
    small = io.BytesIO()
    Image.open(io.BytesIO(screenshot(1))).convert("RGB").resize((576, 360)).save(small, "JPEG", quality=70)
    near = store.match(small.getvalue(), "screenshot")
    assert near and near[0].reference is ref
    assert store.match(screenshot(2), "screenshot") == []
    assert store.match(screenshot(1), "favicon") == []


def test_unusable_images_give_no_hash():
    blank = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(blank, "PNG")
    assert perceptual_hash(blank.getvalue()) is None
    assert perceptual_hash(b"not an image") is None
    assert perceptual_hash(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40) is None
    store = VisualReferenceStore()
    assert store.add(blank.getvalue(), kind="screenshot", source="x") is None
    assert store.match(None, "screenshot") == []
    with pytest.raises(VisualError):
        store.add(screenshot(1), kind="logo", source="x")


def test_store_json_round_trip_and_validation():
    store = VisualReferenceStore()
    store.add(screenshot(2), kind="screenshot", source="case 17", fraud_type=FraudType.INVESTMENT_SCAM)
    again = VisualReferenceStore.from_json(store.to_json())
    assert again.references == store.references
    for bad in ("{}", "[{}]", '[{"kind": "screenshot", "phash": "zz", "source": "x"}]', "not json"):
        with pytest.raises(VisualError):
            VisualReferenceStore.from_json(bad)


def test_signal_skips_the_brand_own_site_and_names_the_reference():
    store = VisualReferenceStore()
    store.add(
        screenshot(1),
        kind="screenshot",
        source="paypal login capture",
        brand="paypal",
        official_site="www.paypal.com",
    )
    matches = store.match(screenshot(1), "screenshot")
    assert visual_signals(matches, "www.paypal.com") == []
    (signal,) = visual_signals(matches, "pp-verify.customer-sites.net")
    assert signal.brand == "paypal" and signal.fraud_type == FraudType.PHISHING
    assert "pp-verify.customer-sites.net" in signal.detail and signal.weight >= 0.75


def test_score_page_uses_visual_matches_from_related_facts():
    store = VisualReferenceStore()
    store.add(screenshot(2), kind="screenshot", source="#42", fraud_type=FraudType.GAMBLING)
    related = RelatedFacts(visual_matches=store.match(screenshot(2), "screenshot"))
    facts = analyse("<html><body><p>Welcome</p></body></html>", "https://x.customer-sites.net/")
    result = score_page(facts, "x.customer-sites.net", related=related)
    assert result.assessment.verdict == Verdict.REVIEW
    assert result.assessment.fraud_type == FraudType.GAMBLING
    assert "confirmed case #42" in result.assessment.signals[0].detail
