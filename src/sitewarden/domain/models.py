"""Value types every stage speaks: signals, verdicts, fraud types, assessments."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    ALLOW = "allow"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]


_VERDICT_RANK = {Verdict.ALLOW: 0, Verdict.REVIEW: 1, Verdict.BLOCK: 2}


class FraudType(StrEnum):
    PHISHING = "phishing"
    INVESTMENT_SCAM = "investment_scam"
    GAMBLING = "gambling"
    LOAN_SCAM = "loan_scam"
    CUSTOMER_SERVICE_SCAM = "customer_service_scam"
    IMPERSONATION_POLICE = "impersonation_police"
    PARCEL_FEE = "parcel_fee"
    ORDER_BOOSTING = "order_boosting"
    MALWARE_DOWNLOAD = "malware_download"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence: a named finding, its weight (0..1 contribution) and a human reason."""

    name: str
    weight: float
    detail: str
    fraud_type: FraudType | None = None
    brand: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"signal": self.name, "weight": round(self.weight, 4), "detail": self.detail}
        if self.fraud_type:
            out["fraud_type"] = self.fraud_type.value
        if self.brand:
            out["brand"] = self.brand
        if self.evidence:
            out["evidence"] = self.evidence
        return out


@dataclass(slots=True)
class Assessment:
    """A scored judgement of one observable with the signals that produced it."""

    score: float
    verdict: Verdict
    signals: list[Signal] = field(default_factory=list)
    fraud_type: FraudType | None = None
    brand: str | None = None

    def reasons(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in sorted(self.signals, key=lambda s: -s.weight)]


def combine_weights(weights: list[float]) -> float:
    """Noisy-OR: independent pieces of evidence raise the score without ever passing 1."""
    p_clean = 1.0
    for w in weights:
        p_clean *= 1.0 - max(0.0, min(1.0, w))
    return 1.0 - p_clean


def verdict_for(score: float, review_at: float, block_at: float) -> Verdict:
    if score >= block_at:
        return Verdict.BLOCK
    if score >= review_at:
        return Verdict.REVIEW
    return Verdict.ALLOW
