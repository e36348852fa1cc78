"""Brandless scam genres: weighted vocabularies (Chinese and English) matched in the title and visible text.

Rules rather than a learned model because every hit must be explainable to an analyst and to the customer
whose site is suspended ("the page offers 秒合约 and 日化收益"), and because the labelled pages are too few and
too template-heavy to train a text model that generalises. The vocabulary lives in data/page_genres.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import ahocorasick

from sitewarden.domain.models import FraudType, Signal, combine_weights
from sitewarden.enrich.page import PageFacts

GENRES_PATH = files("sitewarden") / "data" / "page_genres.json"
MAX_WEIGHT = 0.9
# Words alone never make a page phishing: that takes a brand on a foreign host or a harvesting form.
LURE_MAX_WEIGHT = 0.35
# Lure wording on a page that itself asks for login or card secrets ("Encrypted File" over a password
# box): one term is enough and the wording counts for more.
LURE_WITH_FORM_BONUS = 0.15
LURE_WITH_FORM_MAX = 0.4
LOGIN_SECRETS = frozenset({"password", "card_number", "cvv", "pin", "otp"})
# A genre needs at least one distinctive term; generic ones (充值, deposit) only add to it.
ANCHOR_WEIGHT = 0.2
_TEXT_CHARS = 12_000


@dataclass(frozen=True, slots=True)
class Vocabulary:
    min_terms: int
    labels: dict[str, str]
    automaton: Any
    counter_terms: dict[str, frozenset[str]]
    counter_factor: float
    counter_all: frozenset[str]
    counter_all_min: int
    counter_all_factor: float
    strong_single: float
    article_chars: int
    article_markers: frozenset[str]
    article_factor: float


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def build_vocabulary(spec: dict[str, Any]) -> Vocabulary:
    """Validate a genre spec (the JSON layout) and compile its terms into one Aho-Corasick automaton."""
    automaton = ahocorasick.Automaton()
    terms: dict[str, list[tuple[str, float]]] = {}
    labels: dict[str, str] = {}
    counter: dict[str, frozenset[str]] = {}
    for genre, entry in spec["genres"].items():
        FraudType(genre)  # every genre must be a known fraud type
        labels[genre] = entry["label"]
        counter[genre] = frozenset(t.lower() for t in entry.get("counter_terms", ()))
        for term in counter[genre]:
            terms.setdefault(term, [])
        for term, weight in entry["terms"].items():
            if not 0 < float(weight) <= 1:
                raise ValueError(f"genre {genre}: term {term!r} weight {weight} is not in (0, 1]")
            terms.setdefault(term.lower(), []).append((genre, float(weight)))
    counter_all = frozenset(t.lower() for t in spec.get("counter_all", ()))
    article_markers = frozenset(t.lower() for t in spec.get("article_markers", ()))
    for term in counter_all | article_markers:
        terms.setdefault(term, [])
    for term, owners in terms.items():
        automaton.add_word(term, (term, tuple(owners)))
    automaton.make_automaton()
    return Vocabulary(
        min_terms=int(spec.get("min_terms", 2)),
        labels=labels,
        automaton=automaton,
        counter_terms=counter,
        counter_factor=float(spec.get("counter_factor", 1.0)),
        counter_all=counter_all,
        counter_all_min=int(spec.get("counter_all_min", 2)),
        counter_all_factor=float(spec.get("counter_all_factor", 1.0)),
        strong_single=float(spec.get("strong_single", 1.0)),
        article_chars=int(spec.get("article_chars", 0)),
        article_markers=article_markers,
        article_factor=float(spec.get("article_factor", 1.0)),
    )


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return build_vocabulary(json.loads(GENRES_PATH.read_text(encoding="utf-8")))


def genre_hits(text: str, vocabulary: Vocabulary) -> tuple[dict[str, dict[str, float]], set[str]]:
    """Distinct matched terms per genre with their weights, and every vocabulary term seen."""
    lowered = text.lower()
    hits: dict[str, dict[str, float]] = {}
    seen: set[str] = set()
    for end, (term, owners) in vocabulary.automaton.iter(lowered):
        start = end - len(term) + 1
        if term.isascii() and (
            (start > 0 and _is_word_char(lowered[start - 1]))
            or (end + 1 < len(lowered) and _is_word_char(lowered[end + 1]))
        ):
            continue
        seen.add(term)
        for genre, weight in owners:
            hits.setdefault(genre, {})[term] = weight
    return hits, seen


def content_signals(facts: PageFacts, vocabulary: Vocabulary | None = None) -> list[Signal]:
    """One signal per scam genre whose vocabulary the page uses enough."""
    if not facts.is_html:
        return []
    vocabulary = vocabulary or default_vocabulary()
    text = f"{facts.title} \n {facts.text[:_TEXT_CHARS]} \n {facts.template_text}"
    hits, seen = genre_hits(text, vocabulary)
    awareness = sorted(vocabulary.counter_all & seen)
    if len(awareness) < vocabulary.counter_all_min:
        awareness = []
    # News and articles quote every genre's words in passing; scam pages are short app screens.
    article = (
        sorted(vocabulary.article_markers & seen)[:2]
        if vocabulary.article_chars and len(facts.text) > vocabulary.article_chars
        else []
    )
    asks_secrets = bool(facts.input_kinds & LOGIN_SECRETS)
    signals = []
    for genre, terms in hits.items():
        strongest = max(terms.values())
        lure_form = genre == FraudType.PHISHING and asks_secrets
        if strongest < ANCHOR_WEIGHT or (
            len(terms) < vocabulary.min_terms and strongest < vocabulary.strong_single and not lure_form
        ):
            continue
        top = sorted(terms, key=lambda t: -terms[t])
        weight = combine_weights(list(terms.values()))
        if lure_form:
            weight = min(LURE_WITH_FORM_MAX, weight + LURE_WITH_FORM_BONUS)
        else:
            weight = min(LURE_MAX_WEIGHT if genre == FraudType.PHISHING else MAX_WEIGHT, weight)
        counter = sorted(vocabulary.counter_terms[genre] & seen)
        if counter:
            weight *= vocabulary.counter_factor
        if awareness:
            weight *= vocabulary.counter_all_factor
            counter += awareness
        if article:
            weight *= vocabulary.article_factor
        signals.append(
            Signal(
                f"genre_{genre}",
                weight,
                f"{vocabulary.labels[genre]} wording: {', '.join(top[:6])}"
                + (f" and {len(top) - 6} more" if len(top) > 6 else "")
                + (f" (damped: legal-counterpart wording {', '.join(counter[:3])})" if counter else "")
                + (f" (damped: a long article page, {', '.join(article)})" if article else "")
                + (" on a page that asks for login or card secrets" if lure_form else ""),
                fraud_type=FraudType(genre),
                evidence={"terms": top[:20]},
            )
        )
    if awareness:
        # An anti-fraud page quotes every genre; their damped weights must not add back up.
        return sorted(signals, key=lambda sig: -sig.weight)[:1]
    return signals
