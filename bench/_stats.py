"""Small statistics shared by the benchmarks (no Qt, no app imports)."""

from __future__ import annotations

import math


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile, ``p`` in [0, 1]; NaN for no values."""
    if not values:
        return math.nan
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
