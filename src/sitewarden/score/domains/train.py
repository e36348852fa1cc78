"""Train the lexical domain model: one reproducible command that records data, split and metrics.

Split (leakage-aware):
* fraud hosts are split by time **per source** (each source has its own date range; tw165_police ends in
  2025-08, fx110 in 2023): the oldest 70 % of a source's rows train, the next 15 % validate (calibration,
  early stopping, thresholds), the newest 15 % are the test set that only `bench/domains.py` reads.
  Ties within a day are broken by a hash of the registrable domain, so one domain never straddles a cut;
* a validation or test row whose registrable domain already occurs in an earlier split is dropped (a
  domain seen in training is a blocklist hit, not a prediction), and benign rows whose registrable domain
  is also listed as fraud are dropped;
* benign hosts have no dates: a hash of the registrable domain puts them 70/15/15 in the same splits;
* the learned priors (TLD/suffix log-odds, 3-gram ratios) are fitted on training rows only, out-of-fold
  (5 folds by registrable domain) for the training rows themselves so the model cannot memorise them.
The big phishing feeds are subsampled (a cap per source, fixed seed) so training finishes in minutes on
two cores. This is the only module of the domain scorer that reads files.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from sitewarden.normalise.domains import HostInfo, parse_host
from sitewarden.normalise.urls import InvalidInput
from sitewarden.score.domains import features as F
from sitewarden.score.domains.model import DomainModel, fit_platt

SEED = 20260301
SPLITS = ("train", "validation", "test")
TRAIN_CAP_PER_SOURCE = 120_000
FOLDS = 5
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.12,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbose": -1,
}
ROUNDS = 300


class DataError(ValueError):
    """The training data folder is missing or malformed; the message names the file and line."""


@dataclass(slots=True)
class Row:
    info: HostInfo
    label: int  # 1 fraud, 0 benign
    source: str
    first_seen: str = ""
    split: str = ""


@dataclass(slots=True)
class Corpus:
    rows: list[Row]
    files: dict[str, str]  # file name -> sha256
    skipped: dict[str, int] = field(default_factory=dict)

    def part(self, split: str) -> list[Row]:
        return [r for r in self.rows if r.split == split]


def _bucket(key: str, buckets: int = 10_000) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") % buckets


def _read_tsv(path: Path, columns: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path}: missing column(s) {sorted(missing)}")
        yield from enumerate(reader, start=2)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_corpus(data_dir: Path) -> Corpus:
    """Read fraud_hosts.tsv.gz and benign_hosts.tsv.gz, parse every host, de-duplicate (a host listed by
    several feeds keeps its earliest sighting) and assign splits."""
    fraud_path, benign_path = data_dir / "fraud_hosts.tsv.gz", data_dir / "benign_hosts.tsv.gz"
    skipped: dict[str, int] = {}
    fraud: dict[str, Row] = {}
    for _line, rec in _read_tsv(fraud_path, ("first_seen", "host", "source")):
        try:
            info = parse_host(rec["host"])
        except InvalidInput:
            skipped["fraud_unparseable"] = skipped.get("fraud_unparseable", 0) + 1
            continue
        old = fraud.get(info.host)
        if old is None or rec["first_seen"] < old.first_seen:
            fraud[info.host] = Row(info, 1, rec["source"], rec["first_seen"])
    benign: dict[str, Row] = {}
    for _line, rec in _read_tsv(benign_path, ("host", "source")):
        try:
            info = parse_host(rec["host"])
        except InvalidInput:
            skipped["benign_unparseable"] = skipped.get("benign_unparseable", 0) + 1
            continue
        benign.setdefault(info.host, Row(info, 0, rec["source"]))
    files = {p.name: _sha256(p) for p in (fraud_path, benign_path)}
    corpus = Corpus(list(fraud.values()) + list(benign.values()), files, skipped)
    assign_splits(corpus)
    return corpus


def assign_splits(corpus: Corpus) -> None:
    """Time split per fraud source, hash split for benign, then drop cross-split registrable domains."""
    by_source: dict[str, list[Row]] = {}
    for row in corpus.rows:
        if row.label:
            by_source.setdefault(row.source, []).append(row)
        else:
            b = _bucket(row.info.registrable_domain, 100)
            row.split = "train" if b < 70 else "validation" if b < 85 else "test"
    for rows in by_source.values():
        rows.sort(key=lambda r: (r.first_seen, _bucket(r.info.registrable_domain)))
        n = len(rows)
        for i, row in enumerate(rows):
            row.split = "train" if i < 0.70 * n else "validation" if i < 0.85 * n else "test"
    fraud_domains = {r.info.registrable_domain for r in corpus.rows if r.label}
    seen: dict[str, int] = {}
    for row in corpus.rows:
        if row.label:
            rank = SPLITS.index(row.split)
            seen[row.info.registrable_domain] = min(rank, seen.get(row.info.registrable_domain, rank))
    kept = []
    for row in corpus.rows:
        domain = row.info.registrable_domain
        if not row.label and domain in fraud_domains:
            corpus.skipped["benign_domain_listed_as_fraud"] = (
                corpus.skipped.get("benign_domain_listed_as_fraud", 0) + 1
            )
            continue
        if row.label and SPLITS.index(row.split) > seen[domain]:
            key = f"{row.split}_domain_seen_earlier"
            corpus.skipped[key] = corpus.skipped.get(key, 0) + 1
            continue
        kept.append(row)
    corpus.rows = kept


def split_summary(corpus: Corpus) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for split in SPLITS:
        rows = corpus.part(split)
        per: dict[str, dict[str, Any]] = {}
        for r in rows:
            s = per.setdefault(r.source, {"rows": 0, "from": "9999", "to": ""})
            s["rows"] += 1
            if r.first_seen:
                s["from"], s["to"] = min(s["from"], r.first_seen), max(s["to"], r.first_seen)
        for s in per.values():
            if not s["to"]:
                del s["from"], s["to"]
        out[split] = dict(sorted(per.items()))
    return out


def fit_priors(rows: Sequence[Row]) -> F.LexicalPriors:
    labels = np.array([r.label for r in rows], dtype=np.float64)
    suffixes = [r.info.suffix for r in rows]
    parts = F.Parts.of([r.info for r in rows])
    fraud = [s for s, y in zip(parts.host, labels, strict=True) if y]
    benign = [s for s, y in zip(parts.host, labels, strict=True) if not y]
    return F.LexicalPriors(
        tld=F.log_odds([s.rpartition(".")[2] for s in suffixes], labels),
        suffix=F.log_odds(suffixes, labels),
        ngram=F.ngram_table(F.ngram_counts(fraud), F.ngram_counts(benign)),
        ngram4=F.ngram_table(F.ngram_counts(fraud, 4), F.ngram_counts(benign, 4)),
    )


def matrix(rows: Sequence[Row], priors: F.LexicalPriors, model: DomainModel | None = None) -> np.ndarray:
    """Feature matrix of rows with fixed priors, in chunks (the same code path as scoring)."""
    scorer = DomainModel.features_only(priors) if model is None else model
    return scorer.features([r.info for r in rows])


def out_of_fold_matrix(rows: Sequence[Row]) -> np.ndarray:
    folds = np.array([_bucket(r.info.registrable_domain, FOLDS) for r in rows])
    out = None
    for k in range(FOLDS):
        held = np.flatnonzero(folds == k)
        priors = fit_priors([rows[i] for i in np.flatnonzero(folds != k)])
        block = matrix([rows[i] for i in held], priors)
        if out is None:
            out = np.zeros((len(rows), block.shape[1]), dtype=np.float32)
        out[held] = block
    assert out is not None
    return out


def subsample(rows: Sequence[Row], cap: int, seed: int) -> list[Row]:
    rng = np.random.default_rng(seed)
    by_source: dict[str, list[Row]] = {}
    for r in rows:
        by_source.setdefault(r.source if r.label else "benign", []).append(r)
    out: list[Row] = []
    for key in sorted(by_source):
        group = by_source[key]
        if key != "benign" and len(group) > cap:
            group = [group[i] for i in sorted(rng.choice(len(group), cap, replace=False))]
        out.extend(group)
    return out


def tpr_at_fpr(scores: np.ndarray, labels: np.ndarray, fpr: float) -> tuple[float, float]:
    """(threshold, TPR) at the lowest threshold whose false-positive rate on the benign rows is <= fpr."""
    benign = np.sort(scores[labels == 0])[::-1]
    allowed = int(np.floor(fpr * len(benign)))
    threshold = float(np.nextafter(benign[allowed], np.inf)) if allowed < len(benign) else 0.0
    fraud = scores[labels == 1]
    return threshold, float((fraud >= threshold).mean()) if len(fraud) else float("nan")


def rates(
    scores: np.ndarray, labels: np.ndarray, sources: Sequence[str], thresholds: dict[str, float]
) -> dict[str, Any]:
    """TPR per fraud source and FPR per benign source at fixed thresholds."""
    src = np.array(sources)
    out: dict[str, Any] = {}
    for name in sorted(set(sources)):
        sel = src == name
        flagged = {k: round(float((scores[sel] >= t).mean()), 4) for k, t in thresholds.items()}
        kind = "tpr" if labels[sel].any() else "fpr"
        out[name] = {"rows": int(sel.sum()), kind: flagged}
    return out


def _ceil6(x: float) -> float:
    return min(1.0, math.ceil(x * 1e6) / 1e6)


def train(
    data_dir: Path, out_dir: Path, cap: int = TRAIN_CAP_PER_SOURCE, rounds: int = ROUNDS, log: Any = print
) -> dict[str, Any]:
    """Train, calibrate, choose thresholds and write domain_model.txt + domain_model.json into out_dir."""
    from sitewarden.score.domains.engine import batch_scores

    started = time.time()
    corpus = load_corpus(data_dir)
    log(f"loaded {len(corpus.rows)} hosts; skipped {corpus.skipped}")
    train_rows = subsample(corpus.part("train"), cap, SEED)
    val_rows = corpus.part("validation")
    log(f"training on {len(train_rows)} rows, validating on {len(val_rows)}")
    x_train = out_of_fold_matrix(train_rows)
    priors = fit_priors(train_rows)
    x_val = matrix(val_rows, priors)
    y_train = np.array([r.label for r in train_rows])
    y_val = np.array([r.label for r in val_rows])
    names = list(DomainModel.features_only(priors).feature_names)
    # Balance the classes: the benign class is far smaller than the fraud feeds.
    w_train = np.where(y_train == 0, (y_train == 1).sum() / max((y_train == 0).sum(), 1), 1.0)
    w_val = np.where(y_val == 0, (y_val == 1).sum() / max((y_val == 0).sum(), 1), 1.0)
    dtrain = lgb.Dataset(x_train, y_train, weight=w_train, feature_name=names, free_raw_data=False)
    dval = lgb.Dataset(x_val, y_val, weight=w_val, reference=dtrain)
    booster = lgb.train(
        {**PARAMS, "metric": "auc"},
        dtrain,
        num_boost_round=rounds,
        valid_sets=[dval],
        callbacks=[lgb.early_stopping(40, verbose=False)],
    )
    margin = booster.predict(x_val, raw_score=True, num_iteration=booster.best_iteration)
    calibration = fit_platt(margin, y_val, w_val)
    model = DomainModel(
        booster=lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration)),
        priors=priors,
        calibration=calibration,
        thresholds={},
    )
    # Combine rule: the one with the better validation TPR summed at FPR 0.1 % and 1 %.
    tried = {}
    for rule in ("model", "noisy_or"):
        model.combine = rule
        scores = np.array([s for s, _ in batch_scores(model, [r.info for r in val_rows])])
        tried[rule] = (tpr_at_fpr(scores, y_val, 0.001)[1] + tpr_at_fpr(scores, y_val, 0.01)[1], scores)
    model.combine = max(tried, key=lambda k: tried[k][0])
    scores = tried[model.combine][1]
    block_at, tpr_block = tpr_at_fpr(scores, y_val, 0.001)
    review_at, tpr_review = tpr_at_fpr(scores, y_val, 0.01)
    # Rounded up, so that the stored threshold never admits more benign hosts than the exact one.
    model.thresholds.update(review=_ceil6(review_at), block=_ceil6(max(block_at, review_at)))
    metrics = {
        "validation": {
            "tpr_at_fpr_0.001": round(tpr_block, 4),
            "tpr_at_fpr_0.01": round(tpr_review, 4),
            "per_source": rates(scores, y_val, [r.source for r in val_rows], model.thresholds),
        },
        "best_iteration": booster.best_iteration,
        "combine_rules_tried": {k: round(v[0], 4) for k, v in tried.items()},
    }
    meta = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.time() - started, 1),
        "data": {"dir": str(data_dir), "files": corpus.files, "skipped": corpus.skipped},
        "split": {
            "rule": "fraud: per-source time split 70/15/15 (ties by registrable-domain hash); benign: "
            "registrable-domain hash 70/15/15; val/test rows whose registrable domain is in an earlier "
            "split dropped; training capped per source",
            "train_cap_per_source": cap,
            "seed": SEED,
            "sources": split_summary(corpus),
            "train_rows_used": len(train_rows),
        },
        "params": {**PARAMS, "rounds": rounds},
        "metrics": metrics,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "domain_model.txt").write_text(model.booster.model_to_string(), encoding="utf-8")
    (out_dir / "domain_model.json").write_text(model.meta_text(meta), encoding="utf-8")
    log(json.dumps(metrics["validation"] | {"thresholds": model.thresholds}, indent=1))
    return meta


def test_rows(data_dir: Path) -> list[Row]:
    """The held-out newest rows (never trained on, never used to choose thresholds), for the benchmark."""
    return load_corpus(data_dir).part("test")


__all__ = ["DataError", "Row", "load_corpus", "rates", "test_rows", "tpr_at_fpr", "train"]
