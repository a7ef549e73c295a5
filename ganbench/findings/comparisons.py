"""Paired comparisons across seeds, each judged by a sign test at ``ALPHA``.

Two configurations run on the same dense baselines are compared seed by seed. Each seed
gives a difference, or a log ratio of FIDs so that seeds with large and small FIDs weigh
alike. The comparison is the exact sign test of those differences
(``ganbench.replicates.sign_test``) with a 95 % percentile-bootstrap interval of their mean.
The verdict states what the numbers show:

* ``higher`` / ``lower``: the first configuration's value is higher (lower) than the
  second's in significantly many seeds (p < ``ALPHA``);
* ``none``: the sign test found no significant difference;
* ``equal``: every seed gave exactly the same value;
* ``unanswered``: too few seeds differ for the sign test to reach p < ``ALPHA`` at all;
* ``missing``: no seed has both runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ganbench.replicates import SignTest, bootstrap_mean_interval, sign_test, sign_test_p

ALPHA = 0.05


@dataclass(frozen=True)
class Comparison:
    """One row of a findings table: configuration ``a`` against ``b``, paired by seed.

    ``label`` contains the cells that name the configurations. ``a`` and ``b`` are the paired
    values (seeds with both runs only). ``effect`` is the mean of the per-seed differences
    and ``interval`` its 95 % bootstrap interval. For log ratios both are converted back to
    ratios (geometric means). ``keys`` are the run keys of both sides, seed by seed.
    """

    id: str
    label: dict
    a: tuple[float, ...]
    b: tuple[float, ...]
    test: SignTest
    effect: float
    interval: tuple[float, float]
    ratio: bool = False
    keys: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def seeds(self) -> int:
        return len(self.a)

    @property
    def verdict(self) -> str:
        if not self.a:
            return "missing"
        if self.test.informative == 0:
            return "equal"
        if self.test.informative < seeds_needed():
            return "unanswered"
        if self.test.p >= ALPHA:
            return "none"
        return "higher" if self.test.positive > self.test.negative else "lower"

    def mean(self, side: str) -> float:
        values = self.a if side == "a" else self.b
        return sum(values) / len(values) if values else math.nan


def compare(id: str, label: dict, pairs: list[tuple[float, float, str, str]], ratio: bool,
            note: str = "") -> Comparison:
    """Return the comparison of ``pairs`` [(value a, value b, key a, key b)] seed by seed.

    Pairs with a missing (NaN) value are dropped. With ``ratio``, differences are
    log(a / b), which needs positive values.
    """
    kept = [(a, b, key_a, key_b) for a, b, key_a, key_b in pairs if not (math.isnan(a) or math.isnan(b))]
    a = tuple(item[0] for item in kept)
    b = tuple(item[1] for item in kept)
    if ratio:
        differences = [math.log(x / y) for x, y in zip(a, b)]
    else:
        differences = [x - y for x, y in zip(a, b)]
    test = sign_test(differences)
    effect = sum(differences) / len(differences) if differences else math.nan
    low, high = bootstrap_mean_interval(differences)
    if ratio:
        effect, low, high = math.exp(effect), math.exp(low), math.exp(high)
    keys = tuple(key for item in kept for key in item[2:])
    return Comparison(id, label, a, b, test, effect, (low, high), ratio, keys, note)


def describe(comparison: Comparison, up: str, down: str, up_text: str, down_text: str) -> str:
    """Return the finding of one row in words.

    ``up`` and ``down`` name the two directions of a seed's difference in counts ("higher",
    "fewer"); ``up_text`` and ``down_text`` state a significant result ("higher FID than
    random"). A row without pairs returns ``comparison.note``, the reason it has none.
    """
    test, n = comparison.test, comparison.seeds
    verdict = comparison.verdict
    if verdict == "missing":
        return comparison.note or "no seed has both runs"
    if verdict == "equal":
        return f"equal in all {n} seeds"
    counts = f"{test.positive} {up}, {test.negative} {down}"
    if verdict == "unanswered":
        return f"not answered: {test.informative} of {n} seeds differ ({counts}); {seeds_needed()} needed"
    if verdict == "none":
        return f"no significant difference: {counts}, {test.ties} equal of {n} seeds (p = {format_p(test.p)})"
    text = up_text if verdict == "higher" else down_text
    count = test.positive if verdict == "higher" else test.negative
    return f"{text} in {count} of {n} seeds (p = {format_p(test.p)})"


def seeds_needed() -> int:
    """Return the fewest differing seeds with which the sign test can reach p < ``ALPHA``."""
    count = 1
    while sign_test_p(count, 0) >= ALPHA:
        count += 1
    return count


def format_p(p: float) -> str:
    """Return a p-value with two significant digits."""
    return f"{p:.2g}"
