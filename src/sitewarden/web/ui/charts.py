"""Overview chart series computed from plain rows (pure: no I/O), shaped for Chart.js."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any


def per_day_by_type(rows: list[tuple[datetime, str | None]], today: date, days: int) -> dict[str, Any]:
    """New cases per day, one series per fraud type, for the last `days` days."""
    labels = [today - timedelta(days=days - 1 - i) for i in range(days)]
    counts = Counter((opened.date(), fraud_type or "unknown") for opened, fraud_type in rows)
    types = sorted({t for _, t in counts})
    return {
        "labels": [d.isoformat() for d in labels],
        "datasets": [{"label": t, "data": [counts.get((d, t), 0) for d in labels]} for t in types],
    }


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def time_to_action(hours: list[float]) -> dict[str, Any]:
    points = (50, 90, 95)
    return {
        "labels": [f"p{p}" for p in points],
        "data": [round(v, 2) if (v := percentile(hours, p)) is not None else None for p in points],
        "count": len(hours),
    }


def by_sla_state(states: list[str]) -> dict[str, Any]:
    order = ("ok", "due_soon", "overdue", "none")
    counts = Counter(states)
    return {"labels": list(order), "data": [counts.get(k, 0) for k in order]}
