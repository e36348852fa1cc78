"""Experiment: a learned page-text model, measured by leave-one-source-folder-out cross-validation.

A logistic regression over binary character n-grams (2-4) of the title, visible text and template text,
trained numpy-only. For every folder of ../shared/data/pages and pages2 it trains on all the other folders
and scores the left-out one (no copy of a kit on both sides); the figures aggregate every left-out page.
Choices that keep it from memorising one kit: an n-gram is a candidate only when it occurs in at least
MIN_FOLDERS source folders, each source folder weighs the same within its class, and the L2 penalty is
strong. The result (docs/pages.md) is why no text model ships: it learns "login page" for phishing and
one template per scam genre. Nothing in the data folder is executed: pages are parsed as text.

Usage: python bench/page_text_model.py [--data DIR]   (about 10 minutes on one core: 46 trainings)
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pages import DEFAULT_DATA, SETS, load
from sitewarden.enrich.page import analyse

TARGETS = ("phishing", "scam")
REPORT_AT = (0.5, 0.7, 0.9)
FOLDER_THRESHOLD = 0.7
TEXT_CHARS = 12_000
NGRAM_SIZES = (2, 3, 4)
MIN_FOLDERS = 2
MAX_FEATURES = 3000
L2 = 3.0
STEPS = 400
LEARNING_RATE = 0.5
MIN_ABS_WEIGHT = 0.01


def ngrams(text: str) -> set[str]:
    """Distinct character n-grams that carry at least one letter (digits and punctuation runs vary per
    copy of a page and say nothing about its genre)."""
    grams: set[str] = set()
    for n in NGRAM_SIZES:
        for i in range(len(text) - n + 1):
            gram = text[i : i + n]
            if any(ch.isalpha() for ch in gram):
                grams.add(gram)
    return grams


def folder_weights(groups: Sequence[str], labels: Sequence[int]) -> np.ndarray:
    """Each (class, folder) pair weighs the same in total; each class weighs the same in total."""
    sizes = Counter(zip(labels, groups, strict=True))
    folders_per_class = Counter(label for label, _ in sizes)
    w = np.array([1.0 / (sizes[(y, g)] * folders_per_class[y]) for y, g in zip(labels, groups, strict=True)])
    return w * len(w) / w.sum()


def select_features(
    docs: Sequence[set[str]], labels: Sequence[int], groups: Sequence[str], weights: np.ndarray
) -> list[str]:
    """N-grams seen in MIN_FOLDERS folders, ranked by the gap between their weighted rates in the two
    classes."""
    folders: dict[str, set[str]] = defaultdict(set)
    rate = [Counter[str](), Counter[str]()]
    for grams, y, g, w in zip(docs, labels, groups, weights, strict=True):
        for gram in grams:
            folders[gram].add(g)
            rate[y][gram] += w
    totals = [sum(w for w, y in zip(weights, labels, strict=True) if y == c) or 1.0 for c in (0, 1)]
    gaps = {
        gram: abs(rate[1][gram] / totals[1] - rate[0][gram] / totals[0])
        for gram, seen in folders.items()
        if len(seen) >= MIN_FOLDERS
    }
    return sorted(gaps, key=lambda gram: (-gaps[gram], gram))[:MAX_FEATURES]


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """Weighted L2 logistic regression by full-batch gradient descent with momentum (small data)."""
    coef = np.zeros(x.shape[1])
    bias = 0.0
    velocity = np.zeros(x.shape[1])
    v_bias = 0.0
    n = w.sum()
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ coef + bias)))
        err = (p - y) * w
        grad = x.T @ err / n + L2 * coef / n
        velocity = 0.9 * velocity - LEARNING_RATE * grad
        v_bias = 0.9 * v_bias - LEARNING_RATE * err.sum() / n
        coef += velocity
        bias += v_bias
    return bias, coef


def train(
    docs: Sequence[set[str]], labels: Sequence[int], groups: Sequence[str]
) -> tuple[float, dict[str, float]]:
    """Bias and n-gram weights of one binary classifier (labels 1 = the target class)."""
    weights = folder_weights(groups, labels)
    vocab = select_features(docs, labels, groups, weights)
    index = {gram: i for i, gram in enumerate(vocab)}
    x = np.zeros((len(docs), len(vocab)))
    for row, grams in enumerate(docs):
        for gram in grams & index.keys():
            x[row, index[gram]] = 1.0
    bias, coef = fit_logistic(x, np.asarray(labels, dtype=float), weights)
    kept = {gram: round(float(c), 4) for gram, c in zip(vocab, coef, strict=True) if abs(c) >= MIN_ABS_WEIGHT}
    return round(bias, 4), kept


def model_text(title: str, text: str, template_text: str) -> str:
    return " ".join(f"{title} \n {text[:TEXT_CHARS]} \n {template_text}".lower().split())


def probability(bias: float, weights: dict[str, float], grams: set[str]) -> float:
    z = bias + sum(weights.get(g, 0.0) for g in grams)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def lofo(docs: list[set[str]], labels: list[str], folders: list[str], target: str) -> list[float]:
    """Probability of every page from a classifier that never saw its folder."""
    scores = [0.0] * len(docs)
    for folder in sorted(set(folders)):
        train_idx = [i for i, f in enumerate(folders) if f != folder]
        bias, weights = train(
            [docs[i] for i in train_idx],
            [int(labels[i] == target) for i in train_idx],
            [folders[i] for i in train_idx],
        )
        for i, f in enumerate(folders):
            if f == folder:
                scores[i] = probability(bias, weights, docs[i])
    return scores


def report(target: str, scores: list[float], labels: list[str], folders: list[str]) -> None:
    print(f"\n{target} classifier, leave-one-folder-out (each page scored by a model without its folder):")
    for t in REPORT_AT:
        pos = [s for s, y in zip(scores, labels, strict=True) if y == target]
        benign = [s for s, y in zip(scores, labels, strict=True) if y == "benign"]
        other = [s for s, y in zip(scores, labels, strict=True) if y not in (target, "benign")]
        print(
            f"  p >= {t:.1f}: {target} recall {sum(s >= t for s in pos)}/{len(pos)}, "
            f"benign {sum(s >= t for s in benign)}/{len(benign)}, other fraud {sum(s >= t for s in other)}/{len(other)}"
        )
    print(f"  per folder at p >= {FOLDER_THRESHOLD}:")
    for folder in sorted(set(folders)):
        idx = [i for i, f in enumerate(folders) if f == folder]
        hit = sum(scores[i] >= FOLDER_THRESHOLD for i in idx)
        print(f"    {folder:<48} {labels[idx[0]]:<9} {hit:>3}/{len(idx)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if not all((args.data / name / "labels.csv").exists() for name in SETS):
        print(f"no labelled pages under {args.data} (pages/, pages2/): nothing to evaluate")
        return 0
    pages = load(args.data)
    docs = []
    for page, data in pages:
        facts = analyse(data, page.url)
        docs.append(ngrams(model_text(facts.title, facts.text, facts.template_text)))
    labels = [p.label for p, _ in pages]
    folders = [p.folder for p, _ in pages]
    for target in TARGETS:
        report(target, lofo(docs, labels, folders, target), labels, folders)
    return 0


if __name__ == "__main__":
    sys.exit(main())
