"""The shipped lexical domain model: LightGBM text model + JSON side-car, batch prediction, explanations.

The booster is loaded from its text format (never a pickle); priors, Platt calibration and thresholds are
plain JSON numbers. Probabilities are calibrated on the validation months with the classes weighted
equally, so 0.5 means "as likely fraud as not" under a balanced prior.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

import lightgbm as lgb
import numpy as np

from sitewarden.domain.models import Signal
from sitewarden.normalise.domains import HostInfo
from sitewarden.score.brands import BrandCatalogue, default_catalogue
from sitewarden.score.domains import features as F
from sitewarden.score.domains.explain import PathTable

MODEL_TEXT = files("sitewarden") / "data" / "domain_model.txt"
MODEL_META = files("sitewarden") / "data" / "domain_model.json"
CHUNK = 8192
FEATURE_NAMES = F.BASE_FEATURES + F.BRAND_FEATURES + F.LOOKALIKE_FEATURES


class ModelError(ValueError):
    """The model files are missing, inconsistent or malformed."""


@dataclass(slots=True)
class DomainModel:
    booster: lgb.Booster | None
    priors: F.LexicalPriors
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt: p = sigmoid(a * margin + b)
    thresholds: dict[str, float] = field(default_factory=dict)
    catalogue: BrandCatalogue | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    combine: str = "model"  # or "noisy_or" of the model probability and the look-alike weights
    _brands: F.BrandTokens | None = None
    _paths: PathTable | None = None

    @classmethod
    def features_only(cls, priors: F.LexicalPriors, catalogue: BrandCatalogue | None = None) -> DomainModel:
        """A model without a booster, for computing training features."""
        return cls(booster=None, priors=priors, catalogue=catalogue)

    @property
    def brand_catalogue(self) -> BrandCatalogue:
        if self.catalogue is None:
            self.catalogue = default_catalogue()
        return self.catalogue

    @property
    def brand_tokens(self) -> F.BrandTokens:
        if self._brands is None:
            self._brands = F.BrandTokens(self.brand_catalogue)
        return self._brands

    @property
    def feature_names(self) -> tuple[str, ...]:
        return FEATURE_NAMES

    def features(self, infos: Sequence[HostInfo]) -> np.ndarray:
        """Feature matrix (float32, one row per host) computed in chunks."""
        return self.features_and_signals(infos)[0]

    def features_and_signals(self, infos: Sequence[HostInfo]) -> tuple[np.ndarray, list[list[Signal]]]:
        """The feature matrix and each host's look-alike signals (the detectors run once per host)."""
        blocks, signals = [], []
        for start in range(0, len(infos), CHUNK):
            chunk = infos[start : start + CHUNK]
            parts = F.Parts.of(chunk)
            lookalikes, found = F.lookalike_matrix(chunk, self.brand_catalogue)
            signals += found
            blocks.append(
                np.hstack([F.base_matrix(parts, self.priors), self.brand_tokens.matrix(parts, chunk), lookalikes])
            )
        if not blocks:
            return np.zeros((0, len(self.feature_names)), dtype=np.float32), signals
        return np.vstack(blocks), signals

    def _require_booster(self) -> lgb.Booster:
        if self.booster is None:
            raise ModelError("this DomainModel has no trained booster")
        return self.booster

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Calibrated fraud probability per row."""
        if len(x) == 0:
            return np.zeros(0)
        margin = self._require_booster().predict(x, raw_score=True, num_threads=1)
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * margin + b)))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature path contributions to the raw margin (last column: the bias); see explain.py."""
        booster = self._require_booster()
        if self._paths is None:
            self._paths = PathTable.of(booster)
        return self._paths.explain(booster, x)

    def top_factors(self, row: np.ndarray, contrib: np.ndarray, k: int = 4) -> list[dict[str, Any]]:
        """The k features that pushed this row most towards fraud, with their values."""
        return self.top_factors_many(row[None, :], contrib[None, :], k)[0]

    def top_factors_many(self, x: np.ndarray, contrib: np.ndarray, k: int = 4) -> list[list[dict[str, Any]]]:
        """`top_factors` for many rows with one set of numpy calls (per-row calls cost more than the maths)."""
        order = np.argpartition(-contrib[:, :-1], k, axis=1)[:, :k]
        order = np.take_along_axis(order, np.argsort(-np.take_along_axis(contrib, order, axis=1), axis=1), axis=1)
        values = np.take_along_axis(x, order, axis=1).tolist()
        weights = np.take_along_axis(contrib, order, axis=1).tolist()
        return [
            [
                {"feature": FEATURE_NAMES[j], "value": round(v, 3), "contribution": round(w, 3)}
                for j, v, w in zip(js, vs, ws, strict=True)
                if w > 0
            ]
            for js, vs, ws in zip(order.tolist(), values, weights, strict=True)
        ]

    def meta_text(self, meta: dict[str, Any]) -> str:
        """domain_model.json: readable metadata (data, split, metrics) first, then the priors on one line
        (they are ~200k numbers)."""
        head = {
            "format": 1,
            "features": list(self.feature_names),
            "calibration": {"method": "platt", "a": self.calibration[0], "b": self.calibration[1]},
            "thresholds": self.thresholds,
            "combine": self.combine,
            **meta,
        }
        priors = json.dumps(self.priors.to_json(), separators=(",", ":"))
        return json.dumps(head, indent=1)[:-2] + f',\n "priors": {priors}\n}}\n'

    @classmethod
    def from_texts(
        cls, model_text: str, meta_text: str, catalogue: BrandCatalogue | None = None
    ) -> DomainModel:
        """Build a model from the text of domain_model.txt and domain_model.json; raises ModelError."""
        try:
            meta = json.loads(meta_text)
            priors = F.LexicalPriors.from_json(meta["priors"])
            calibration = (float(meta["calibration"]["a"]), float(meta["calibration"]["b"]))
            thresholds = {k: float(v) for k, v in meta["thresholds"].items()}
            booster = lgb.Booster(model_str=model_text)
        except (ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
            raise ModelError(f"domain model files are malformed: {exc}") from None
        model = cls(booster, priors, calibration, thresholds, catalogue, meta, meta.get("combine", "model"))
        if model.combine not in ("model", "noisy_or"):
            raise ModelError(f"domain model: unknown combine rule {model.combine!r}")
        if list(meta.get("features", [])) != list(model.feature_names) or booster.num_feature() != len(
            model.feature_names
        ):
            raise ModelError("domain model was trained with a different feature set; retrain it")
        return model


def fit_platt(
    margin: np.ndarray, labels: np.ndarray, weights: np.ndarray, steps: int = 50
) -> tuple[float, float]:
    """Weighted logistic regression of labels on the raw margin (Newton's method), i.e. Platt scaling."""
    a, b = 1.0, 0.0
    y = labels.astype(np.float64)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(a * margin + b)))
        g = weights * (p - y)
        h = weights * p * (1 - p) + 1e-9
        grad = np.array([(g * margin).sum(), g.sum()])
        hess = np.array([[(h * margin * margin).sum(), (h * margin).sum()], [(h * margin).sum(), h.sum()]])
        step = np.linalg.solve(hess + 1e-6 * np.eye(2), grad)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


@lru_cache(maxsize=1)
def load_model() -> DomainModel:
    """The model shipped in the package (read once per process)."""
    try:
        text, meta = MODEL_TEXT.read_text(encoding="utf-8"), MODEL_META.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelError(
            f"shipped domain model not found ({exc}); run `sitewarden model train-domains`"
        ) from None
    return DomainModel.from_texts(text, meta)
