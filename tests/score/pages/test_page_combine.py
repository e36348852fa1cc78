"""score_page end to end on the fixture pages: verdicts, fraud types, brands and the reasons given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitewarden.domain.models import Assessment, FraudType, Signal, Verdict
from sitewarden.enrich.page import analyse
from sitewarden.score.pages.combine import score_page
from sitewarden.score.pages.reputation import FeedHit, RelatedFacts
from sitewarden.settings import load_settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
HOST = "shop-4711.customer-sites.net"


def scored(name: str, host: str = HOST, **kwargs):
    facts = analyse((FIXTURES / name).read_bytes(), f"https://{host}/index.html")
    return score_page(facts, host, **kwargs)


@pytest.mark.parametrize(
    ("name", "verdict", "fraud_type"),
    [
        ("phish_ccb_zh.html", Verdict.BLOCK, FraudType.PHISHING),
        ("phish_paypal_en.html", Verdict.BLOCK, FraudType.PHISHING),
        ("scam_invest_zh.html", Verdict.BLOCK, FraudType.INVESTMENT_SCAM),
        ("scam_loan_zh.html", Verdict.BLOCK, FraudType.LOAN_SCAM),
        ("scam_gambling_zh.html", Verdict.BLOCK, FraudType.GAMBLING),
        ("scam_police_zh.html", Verdict.BLOCK, FraudType.IMPERSONATION_POLICE),
        ("scam_parcel_en.html", Verdict.BLOCK, FraudType.PARCEL_FEE),
        ("scam_order_boosting_zh.html", Verdict.BLOCK, FraudType.ORDER_BOOSTING),
        ("scam_refund_en.html", Verdict.BLOCK, FraudType.CUSTOMER_SERVICE_SCAM),
        ("benign_login_en.html", Verdict.ALLOW, None),
        ("benign_checkout_en.html", Verdict.ALLOW, None),
        ("benign_lottery_zh.html", Verdict.ALLOW, None),
        ("benign_news_zh.html", Verdict.ALLOW, None),
    ],
)
def test_fixture_verdicts(name: str, verdict: Verdict, fraud_type: FraudType | None):
    result = scored(name)
    assert result.assessment.verdict == verdict, result.assessment.reasons()
    assert result.assessment.fraud_type == fraud_type


def test_phishing_reason_names_brand_host_and_fields():
    result = scored("phish_ccb_zh.html")
    assert result.assessment.brand == "ccb"
    brand = next(s for s in result.assessment.signals if s.name == "brand_impersonation")
    assert HOST in brand.detail and "card_number" in brand.detail and "pin" in brand.detail
    assert brand.evidence["input_kinds"] == ["card_number", "id_number", "otp", "pin"]
    posts = next(s for s in result.assessment.signals if s.name == "form_posts_elsewhere")
    assert "collect.ccb-jifen.top" in posts.detail


def test_brand_page_on_its_own_site_is_not_impersonation():
    result = scored("phish_paypal_en.html", host="www.paypal.com")
    names = {s.name for s in result.assessment.signals}
    assert "brand_impersonation" not in names and "copied_login_page" not in names
    assert result.assessment.verdict == Verdict.ALLOW


def test_password_field_alone_is_not_a_signal():
    result = scored("benign_login_en.html")
    assert result.assessment.signals == []


def test_thresholds_come_from_settings():
    strict = load_settings(page_review_threshold=0.02, page_block_threshold=0.99)
    result = scored("benign_lottery_zh.html", settings=strict)
    # An official lottery page's own ICP number is valid: nothing at all to review.
    assert result.assessment.verdict == Verdict.ALLOW
    result = scored("scam_parcel_en.html", settings=strict)
    assert result.assessment.verdict == Verdict.REVIEW


def test_domain_engine_score_is_one_more_signal():
    domain = Assessment(
        score=0.9,
        verdict=Verdict.BLOCK,
        signals=[Signal("combosquat", 0.9, "paypal-secure-login.top combines PayPal with login words")],
        fraud_type=FraudType.PHISHING,
        brand="paypal",
    )
    result = scored("benign_login_en.html", domain_assessment=domain)
    (signal,) = result.assessment.signals
    assert signal.name == "domain_score" and signal.brand == "paypal" and "combosquat" in signal.detail
    assert result.assessment.verdict == Verdict.REVIEW
    weak = Assessment(score=0.1, verdict=Verdict.ALLOW)
    assert scored("benign_login_en.html", domain_assessment=weak).assessment.signals == []


def test_reputation_feeds_and_shared_kit():
    related = RelatedFacts(
        feed_hits=[FeedHit("openphish", HOST, FraudType.PHISHING)],
        confirmed_same_kit=2,
        kit_examples=["a.example", "b.example"],
        confirmed_same_ip=1,
        ip="203.0.113.7",
    )
    result = scored("benign_login_en.html", related=related)
    names = [s.name for s in result.assessment.signals]
    assert names == ["kit_shared_with_confirmed", "feed_listed", "ip_shared_with_confirmed"]
    assert result.assessment.verdict == Verdict.BLOCK
    assert "a.example" in result.assessment.signals[0].detail


def test_mobile_profile_findings_are_merged_and_marked():
    desktop = analyse((FIXTURES / "benign_login_en.html").read_bytes(), f"https://{HOST}/")
    mobile = analyse((FIXTURES / "scam_loan_zh.html").read_bytes(), f"https://{HOST}/")
    result = score_page(desktop, HOST, other_profile=mobile)
    genre = next(s for s in result.assessment.signals if s.name == "genre_loan_scam")
    assert genre.detail.startswith("[mobile profile]") and genre.evidence["profile"] == "mobile"
    assert any(s.name == "cloaking" for s in result.assessment.signals)
    assert result.assessment.fraud_type == FraudType.LOAN_SCAM


def test_result_is_json_safe_with_kit_hash_and_summary():
    result = scored("phish_ccb_zh.html")
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["verdict"] == "block" and data["fraud_type"] == "phishing"
    assert len(data["kit_hash"]) == 32
    assert data["facts"]["input_kinds"] == ["card_number", "id_number", "name", "otp", "phone", "pin"]


def test_binary_app_served_directly():
    facts = analyse(b"PK\x03\x04" + b"\x00" * 26 + b"AndroidManifest.xml", f"https://{HOST}/app")
    result = score_page(facts, HOST)
    assert result.assessment.fraud_type == FraudType.MALWARE_DOWNLOAD
    assert result.assessment.verdict == Verdict.REVIEW
    assert result.kit_hash == ""
