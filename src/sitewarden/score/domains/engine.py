"""Domain screening: lexical model + lookalike detectors -> one explained score and verdict per input.

`score_hosts` is the batch path behind the CLI and the API: inputs are parsed one by one (a bad one
becomes a record with `error`, never an exception), the good ones are scored a chunk at a time so the
features and LightGBM run on numpy matrices. Model feature contributions (`pred_contrib`, costly) are
computed only for inputs that end up flagged; allowed inputs carry the model probability as their reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np

from sitewarden.domain.models import Assessment, Signal, Verdict, combine_weights, verdict_for
from sitewarden.normalise.domains import HostInfo, parse_host
from sitewarden.normalise.urls import InvalidInput
from sitewarden.score.brands import BrandCatalogue
from sitewarden.score.domains.model import DomainModel, load_model
from sitewarden.settings import Settings, get_settings

CHUNK = 4096
MODEL_SIGNAL = "lexical_model"


@dataclass(slots=True)
class DomainRecord:
    """The screening result for one input; `error` is set (and the rest empty) when it could not be read."""

    input: str
    host: str | None = None
    registrable_domain: str | None = None
    score: float | None = None
    verdict: Verdict | None = None
    brand: str | None = None
    signals: list[Signal] = field(default_factory=list)
    error: str | None = None

    @property
    def reasons(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in sorted(self.signals, key=lambda s: -s.weight)]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input": self.input,
            "host": self.host,
            "registrable_domain": self.registrable_domain,
            "score": None if self.score is None else round(self.score, 4),
            "verdict": None if self.verdict is None else self.verdict.value,
            "brand": self.brand,
            "reasons": self.reasons,
        }
        if self.error is not None:
            out["error"] = self.error
        return out

    def assessment(self) -> Assessment:
        """This record as an Assessment for the page scorer and the policy; raises InvalidInput on errors."""
        if self.error is not None or self.score is None or self.verdict is None:
            raise InvalidInput(self.error or "domain was not scored")
        fraud_type = next((s.fraud_type for s in self.signals if s.fraud_type), None)
        return Assessment(self.score, self.verdict, list(self.signals), fraud_type, self.brand)


def _model_signal(p: float, factors: list[dict[str, Any]] | None) -> Signal:
    if factors is None:
        return Signal(MODEL_SIGNAL, p, f"lexical model fraud probability {p:.3f}")
    shown = ", ".join(f"{f['feature']}={f['value']:g}" for f in factors[:3])
    detail = f"lexical model fraud probability {p:.3f}" + (f"; driven by {shown}" if shown else "")
    return Signal(MODEL_SIGNAL, p, detail, evidence={"factors": factors})


def batch_scores(
    model: DomainModel, infos: Sequence[HostInfo], explain_at: float | None = None
) -> list[tuple[float, list[Signal]]]:
    """(score, signals) per host. The look-alike detectors feed the model as features; the score is the
    calibrated model probability, or its noisy-OR with the look-alike weights when training found that
    better on the validation months (`model.combine`). Rows scoring at or above `explain_at` get the
    model's per-feature contributions (None: never)."""
    x, lookalikes = model.features_and_signals(infos)
    prob = model.probability(x)
    if model.combine == "noisy_or":
        # combine_weights([p]) is 1 - (1 - clip(p)): the same float operations for every row at once; the
        # few rows with look-alike signals go through combine_weights itself
        scores = 1.0 - (1.0 - np.clip(prob, 0.0, 1.0))
        for i, sig in enumerate(lookalikes):
            if sig:
                scores[i] = combine_weights([float(prob[i]), *(s.weight for s in sig)])
    else:
        scores = prob
    factors: dict[int, list[dict[str, Any]]] = {}
    if explain_at is not None:
        flagged = np.flatnonzero(scores >= explain_at)
        if flagged.size:
            rows = x[flagged]
            tops = model.top_factors_many(rows, model.contributions(rows))
            factors = dict(zip(flagged.tolist(), tops, strict=True))
    get = factors.get
    return [
        (score, [_model_signal(p, get(i)), *sig])
        for i, (score, p, sig) in enumerate(zip(scores.tolist(), prob.tolist(), lookalikes, strict=True))
    ]


def _brand(catalogue: BrandCatalogue, signals: list[Signal]) -> str | None:
    best = max((s for s in signals if s.brand), key=lambda s: s.weight, default=None)
    if best is None or best.brand is None:
        return None
    brand = catalogue.get(best.brand)
    return brand.name if brand is not None else best.brand


def score_hosts(
    inputs: Iterable[str],
    settings: Settings | None = None,
    *,
    model: DomainModel | None = None,
    start: int = 1,
    label: str = "line {}",
) -> Iterator[DomainRecord]:
    """Score hostnames, domains or URLs; one record per input, in input order. A bad input yields a record
    whose `error` names it by `label` formatted with its number (counting from `start`) and says why.
    The brand catalogue is the model's (default: the settings' catalogue)."""
    settings = settings or get_settings()
    model = model or load_model()
    review_at, block_at = settings.domain_review_threshold, settings.domain_block_threshold
    items = iter(inputs)
    number = start
    while chunk := list(islice(items, CHUNK)):
        records, infos, slots = [], [], []
        for slot, text in enumerate(chunk):
            try:
                info = parse_host(text)
            except InvalidInput as exc:
                records.append(DomainRecord(text, error=f"{label.format(number + slot)}: {exc}"))
                continue
            records.append(DomainRecord(text, info.host, info.registrable_domain))
            infos.append(info)
            slots.append(slot)
        number += len(chunk)
        for slot, (score, signals) in zip(slots, batch_scores(model, infos, review_at), strict=True):
            rec = records[slot]
            rec.score, rec.signals = score, signals
            rec.verdict = verdict_for(score, review_at, block_at)
            if len(signals) > 1:  # the model's own signal names no brand
                rec.brand = _brand(model.brand_catalogue, signals)
        yield from records


def score_host(text: str, settings: Settings | None = None) -> DomainRecord:
    """Score one hostname, domain or URL (the record carries `error` if it cannot be read)."""
    return next(score_hosts([text], settings, label="input"))


def assess_domain(text: str, settings: Settings | None = None) -> Assessment:
    """Domain Assessment for the page scorer and the policy; raises InvalidInput for an unreadable host."""
    return score_host(text, settings).assessment()
