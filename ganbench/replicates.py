"""Statistics over replicates (seeds): bootstrap confidence intervals and tied ranks.

``bootstrap_mean_interval`` is the percentile bootstrap of the mean: resample the values with
replacement ``BOOTSTRAP_RESAMPLES`` times, take each resample's mean, and report the 2.5th
and 97.5th percentiles of those means. The generator is seeded with ``BOOTSTRAP_SEED`` and
the values are sorted first, so the interval depends only on the set of values and a
leaderboard regenerates byte-identical. With 2 or 3 seeds the interval is crude (3 values
have only 10 distinct resample means); it is reported for n ≥ 2 and is empty for n = 1.

``overlap_ranks`` ranks methods by mean FID so that methods whose intervals overlap share a
rank (see its docstring).

``sign_test`` is the exact two-sided sign test of paired differences (one per seed): under
the null hypothesis each non-zero difference is positive with probability 1/2. With n
non-zero differences the smallest p it can give is 2 · 0.5ⁿ, so at least 6 are needed for
p < 0.05.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95


def bootstrap_mean_interval(values) -> tuple[float, float]:
    """Return the 95 % percentile-bootstrap interval of the mean of ``values``.

    Missing values are dropped; fewer than two values give (NaN, NaN).
    """
    data = np.sort(np.asarray([value for value in values if not _missing(value)], dtype=np.float64))
    if len(data) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    indices = rng.integers(0, len(data), size=(BOOTSTRAP_RESAMPLES, len(data)))
    means = data[indices].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def overlap_ranks(means, lows, highs) -> list[int | None]:
    """Return a rank per method: 1 + the number of methods that are clearly better.

    Each method's interval is [low, high], or [mean, mean] when it has no interval (one
    seed). Methods are joined into groups by chains of overlapping intervals (intervals that
    touch overlap), so any two methods whose intervals overlap are in one group and share its
    rank. Groups do not overlap each other, so they are ordered along the FID axis. A group's
    rank is 1 + the number of methods in the groups below it (lower FID is better), as in
    competition ranking. A method without a mean gets None.
    """
    means, lows, highs = list(means), list(lows), list(highs)
    intervals = {}
    for index, (mean, low, high) in enumerate(zip(means, lows, highs)):
        if _missing(mean):
            continue
        if _missing(low) or _missing(high):
            low = high = mean
        intervals[index] = (min(low, mean), max(high, mean))

    parent = {index: index for index in intervals}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    members = sorted(intervals)
    for position, first in enumerate(members):
        for second in members[position + 1:]:
            (low_a, high_a), (low_b, high_b) = intervals[first], intervals[second]
            if low_a <= high_b and low_b <= high_a:
                parent[root(first)] = root(second)

    groups: dict[int, list[int]] = {}
    for index in members:
        groups.setdefault(root(index), []).append(index)
    ordered = sorted(groups.values(), key=lambda group: min(intervals[i][0] for i in group))

    ranks: list[int | None] = [None] * len(means)
    better = 0
    for group in ordered:
        for index in group:
            ranks[index] = better + 1
        better += len(group)
    return ranks


@dataclass(frozen=True)
class SignTest:
    """Counts of positive, negative and zero differences, and the two-sided exact p-value."""

    positive: int
    negative: int
    ties: int
    p: float

    @property
    def informative(self) -> int:
        """The number of non-zero differences, which the test uses."""
        return self.positive + self.negative


def sign_test(differences) -> SignTest:
    """Return the exact two-sided sign test of ``differences``; zeros are dropped as ties.

    p = min(1, 2 · P(X ≤ min(k⁺, k⁻))) for X ~ Binomial(n, 1/2), where n counts the non-zero
    differences; p = 1 when there are none. Missing values are ignored.
    """
    values = [value for value in differences if not _missing(value)]
    positive = sum(1 for value in values if value > 0)
    negative = sum(1 for value in values if value < 0)
    ties = len(values) - positive - negative
    return SignTest(positive, negative, ties, sign_test_p(positive, negative))


def sign_test_p(positive: int, negative: int) -> float:
    """Return the two-sided exact sign-test p-value of ``positive`` against ``negative`` counts."""
    n = positive + negative
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(positive, negative) + 1))
    return min(1.0, 2 * tail / 2**n)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
