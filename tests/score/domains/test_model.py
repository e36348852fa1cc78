"""The lexical domain model: features, training on a tiny fixture, the shipped model's files and scores."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest

from sitewarden.normalise.domains import parse_host
from sitewarden.score.domains import features as F
from sitewarden.score.domains.model import (
    MODEL_META,
    MODEL_TEXT,
    DomainModel,
    ModelError,
    fit_platt,
    load_model,
)
from sitewarden.score.domains.train import DataError, tpr_at_fpr, train

SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "zo", "ve", "pi", "su", "an", "el")
WORDS = ("garden", "river", "studio", "press", "coffee", "books", "travel", "music", "news", "photo")


def write_fixture(folder: Path, n: int = 240, seed: int = 3) -> Path:
    """Fraud: phishy combinations on cheap TLDs over 12 months; benign: plain words on .com/.org/.cn."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "fraud_hosts.tsv.gz", "wt") as fh:
        fh.write("first_seen\thost\tsource\tnote\n")
        for i in range(n):
            name = "".join(rng.choice(SYLLABLES) for _ in range(3)) + str(rng.randint(10, 999))
            host = f"{rng.choice(['secure', 'login', 'verify'])}-{name}.{rng.choice(['top', 'xyz', 'icu'])}"
            fh.write(f"2025-{1 + i * 12 // n:02d}-15\t{host}\t{rng.choice(['feed_a', 'feed_b'])}\t\n")
    with gzip.open(folder / "benign_hosts.tsv.gz", "wt") as fh:
        fh.write("host\tsource\n")
        for i in range(n):
            host = f"{rng.choice(WORDS)}{rng.choice(WORDS)}{i}.{rng.choice(['com', 'org', 'cn'])}"
            fh.write(f"{host}\t{rng.choice(['umbrella_top100k', 'china_population'])}\n")
        fh.write("not a host!\tumbrella_top100k\n")
    return folder


def test_base_features_ignore_www_and_count_what_they_say() -> None:
    priors = F.LexicalPriors({}, {}, np.zeros(F.NGRAMS, np.float32), np.zeros(F.HASHED, np.float32))
    infos = [parse_host("www.pay-12.example.com"), parse_host("pay-12.example.com")]
    mat = F.base_matrix(F.Parts.of(infos), priors)
    col = {name: j for j, name in enumerate(F.BASE_FEATURES)}
    assert (mat[0] == mat[1]).all()
    assert mat[0, col["sld_len"]] == len("example")
    assert mat[0, col["sub_hyphens"]] == 1 and mat[0, col["sub_digits"]] == 2
    assert mat[0, col["kw_phish_hits"]] == 0 and mat[0, col["n_labels"]] == 3


def test_priors_round_trip_and_reject_bad_shapes() -> None:
    rng = np.random.default_rng(0)
    priors = F.LexicalPriors(
        {"top": 1.5}, {"co.uk": -0.5}, np.round(rng.normal(size=F.NGRAMS), 2).astype(np.float32),
        np.round(rng.normal(size=F.HASHED), 2).astype(np.float32),
    )
    back = F.LexicalPriors.from_json(json.loads(json.dumps(priors.to_json())))
    assert back.tld == {"top": 1.5} and np.allclose(back.ngram, priors.ngram) and np.allclose(back.ngram4, priors.ngram4)
    data = priors.to_json()
    data["ngram"] = data["ngram"][:10]
    with pytest.raises(ValueError, match="ngram must be a list of 64000"):
        F.LexicalPriors.from_json(data)


def test_platt_recovers_a_logistic_relation() -> None:
    rng = np.random.default_rng(1)
    margin = rng.normal(size=20_000)
    labels = (rng.random(20_000) < 1 / (1 + np.exp(-(2.0 * margin - 0.5)))).astype(int)
    a, b = fit_platt(margin, labels, np.ones_like(margin))
    assert a == pytest.approx(2.0, abs=0.15) and b == pytest.approx(-0.5, abs=0.1)


def test_tpr_at_fpr_counts_benign_above_threshold() -> None:
    scores = np.array([0.1] * 98 + [0.8, 0.95] + [0.9, 0.99, 0.5])
    labels = np.array([0] * 100 + [1, 1, 1])
    threshold, tpr = tpr_at_fpr(scores, labels, 0.01)  # one benign (0.95) may pass
    assert 0.8 < threshold <= 0.95 and tpr == pytest.approx(2 / 3)


def test_training_on_a_fixture_writes_a_loadable_non_pickle_model(tmp_path: Path) -> None:
    data = write_fixture(tmp_path / "data")
    meta = train(data, tmp_path / "out", rounds=40, log=lambda *_: None)
    text = (tmp_path / "out" / "domain_model.txt").read_text()
    assert text.startswith("tree")  # LightGBM's text format
    recorded = json.loads((tmp_path / "out" / "domain_model.json").read_text())
    assert recorded["data"]["skipped"]["benign_unparseable"] == 1
    assert set(recorded["split"]["sources"]) == {"train", "validation", "test"}
    assert recorded["split"]["sources"]["train"]["feed_a"]["to"] <= recorded["split"]["sources"]["test"]["feed_a"]["from"]
    assert 0 < recorded["thresholds"]["review"] <= recorded["thresholds"]["block"] <= 1
    assert meta["metrics"]["validation"]["tpr_at_fpr_0.01"] > 0.9  # the fixture is separable
    model = DomainModel.from_texts(text, json.dumps(recorded))
    probs = model.probability(model.features([parse_host("verify-kalomi123.top"), parse_host("gardenbooks.org")]))
    assert probs[0] > 0.5 > probs[1]


def test_training_names_missing_data(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"fraud_hosts\.tsv\.gz: no such file"):
        train(tmp_path, tmp_path / "out", log=lambda *_: None)


def test_malformed_or_mismatched_model_files_are_refused() -> None:
    text, meta = MODEL_TEXT.read_text(), json.loads(MODEL_META.read_text())
    with pytest.raises(ModelError, match="malformed"):
        DomainModel.from_texts(text, "{not json")
    meta["features"] = meta["features"][:-1]
    with pytest.raises(ModelError, match="different feature set"):
        DomainModel.from_texts(text, json.dumps(meta))


def test_shipped_model_is_small_and_records_its_training() -> None:
    assert MODEL_TEXT.stat().st_size + MODEL_META.stat().st_size < 5_000_000  # type: ignore[attr-defined]
    meta = load_model().meta
    assert meta["split"]["seed"] and meta["data"]["files"] and meta["metrics"]["validation"]


def test_shipped_model_ranks_obvious_hosts() -> None:
    model = load_model()
    hosts = ["wikipedia.org", "baidu.com", "github.com", "paypal-account-verify-login.xyz",
             "secure-appleid-unlock.top", "icbc-kefu-tuikuan.vip"]
    p = model.probability(model.features([parse_host(h) for h in hosts]))
    assert p[:3].max() < p[3:].min()
    contrib = model.contributions(model.features([parse_host(hosts[3])]))[0]
    x = model.features([parse_host(hosts[3])])
    assert contrib.shape == (len(model.feature_names) + 1,)
    assert model.top_factors(x[0], contrib)  # something pushed it towards fraud


def test_path_contributions_sum_to_the_raw_margin() -> None:
    model = load_model()
    assert model.booster is not None
    x = model.features([parse_host(h) for h in ("example.com", "icbc-kefu-tuikuan.vip", "a1b2c3.top")])
    contrib = model.contributions(x)
    assert np.allclose(contrib.sum(axis=1), model.booster.predict(x, raw_score=True), atol=1e-4)
