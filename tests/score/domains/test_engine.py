"""The domain screening engine: records in order, errors per line, verdicts from settings, explanations."""

from __future__ import annotations

import dataclasses

import pytest

from sitewarden.domain.models import Verdict
from sitewarden.normalise.domains import parse_host
from sitewarden.normalise.urls import InvalidInput
from sitewarden.score.domains.engine import MODEL_SIGNAL, assess_domain, batch_scores, score_host, score_hosts
from sitewarden.score.domains.model import load_model
from sitewarden.settings import Settings, load_settings


@pytest.fixture
def defaults() -> Settings:
    return load_settings()


def test_defaults_match_the_thresholds_chosen_in_training(defaults: Settings) -> None:
    chosen = load_model().thresholds
    assert defaults.domain_review_threshold == pytest.approx(chosen["review"], abs=1e-4)
    assert defaults.domain_block_threshold == pytest.approx(chosen["block"], abs=1e-4)


def test_one_record_per_line_in_order_and_bad_lines_do_not_stop_the_batch(defaults: Settings) -> None:
    lines = ["example.com", "", "http://bad host/", "hxxps://login-paypal-verify[.]xyz/x", "a..b", "baidu.com"]
    records = list(score_hosts(lines, defaults))
    assert [r.input for r in records] == lines
    assert [r.error is None for r in records] == [True, False, False, True, False, True]
    assert records[1].error.startswith("line 2: ")
    assert records[2].error.startswith("line 3: ") and "bad host" in records[2].error
    assert records[4].error.startswith("line 5: ")
    assert records[3].host == "login-paypal-verify.xyz" and records[3].registrable_domain == "login-paypal-verify.xyz"
    bad = records[1].to_dict()
    assert bad["score"] is None and bad["verdict"] is None and bad["reasons"] == []


def test_many_chunks_keep_order(defaults: Settings) -> None:
    names = [f"host{i}.example.org" if i % 997 else "" for i in range(9000)]
    records = list(score_hosts(names, defaults, start=10))
    assert [r.input for r in records] == names
    assert records[997].error is not None and records[997].error.startswith("line 1007: ")


def test_verdicts_follow_settings_thresholds() -> None:
    everything = load_settings(domain_review_threshold=0.0, domain_block_threshold=0.0)
    nothing = load_settings(domain_review_threshold=1.0, domain_block_threshold=1.0)
    assert score_host("example.com", everything).verdict is Verdict.BLOCK
    assert score_host("paypal-verify-login.xyz", nothing).verdict is Verdict.ALLOW


def test_lookalike_names_brand_and_flagged_records_explain_the_model(defaults: Settings) -> None:
    rec = score_host("paypal-account-verify-login.xyz", defaults)
    assert rec.verdict is not Verdict.ALLOW
    assert rec.brand is not None and "paypal" in rec.brand.lower()
    reasons = rec.to_dict()["reasons"]
    assert all(set(r) >= {"signal", "weight", "detail"} for r in reasons)
    assert reasons == sorted(reasons, key=lambda r: -r["weight"])
    model = next(r for r in reasons if r["signal"] == MODEL_SIGNAL)
    assert model["evidence"]["factors"] and "driven by" in model["detail"]


def test_official_brand_domains_are_allowed(defaults: Settings) -> None:
    for host in ("www.paypal.com", "icbc.com.cn", "github.com"):
        rec = score_host(host, defaults)
        assert rec.verdict is Verdict.ALLOW, rec.to_dict()
        assert [r["signal"] for r in rec.reasons] == [MODEL_SIGNAL]


def test_assessment_for_the_page_scorer(defaults: Settings) -> None:
    assessment = assess_domain("paypal-account-verify-login.xyz", defaults)
    assert assessment.verdict is not Verdict.ALLOW and assessment.signals
    with pytest.raises(InvalidInput, match="input: "):
        assess_domain("not a host", defaults)


def test_noisy_or_rule_never_lowers_the_model_probability() -> None:
    model = dataclasses.replace(load_model(), combine="noisy_or")
    infos = [parse_host("paypal-account-verify-login.xyz"), parse_host("example.com")]
    plain = model.probability(model.features(infos))
    for (score, signals), p in zip(batch_scores(model, infos), plain, strict=True):
        assert score >= p - 1e-9
        assert (score > p + 1e-9) == any(s.name != MODEL_SIGNAL for s in signals)
