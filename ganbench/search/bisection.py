"""Bisection over sparsity: the largest sparsity whose FID stays within a tolerance of dense.

The search assumes that quality gets worse as sparsity grows. Sparsities lie on a grid of
step ``resolution`` (0.01 by default), so trial sparsities are round numbers and a trial
that an earlier search ran is found again. Sparsity 0, the dense row, is within tolerance by
definition. The first trial is the largest sparsity searched: if it is within tolerance, it
is the answer. Otherwise the search keeps a bracket [largest passing, smallest failing] and
tries the grid point in its middle, until the bracket is one grid step wide or the trial
bound is reached. The answer is the largest passing sparsity tried, with the smallest
failing one above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol

from ganbench.errors import UsageError


class Decision(Protocol):
    """The outcome of one trial as the search reads it: its sparsity and its decision."""

    sparsity: float
    within: bool


@dataclass(frozen=True)
class SearchOutcome:
    """The trials in the order they ran, and what they bracket.

    ``answer`` is the largest sparsity tried that was within tolerance (0.0, the dense row,
    when none was). ``failing`` is the smallest sparsity tried above it that was not, or None
    when the largest searched sparsity passed. ``stopped`` is the reason the search ended.
    """

    trials: tuple
    answer: float
    failing: float | None
    stopped: str


def grid_steps(resolution: float) -> int:
    """Return the number of grid steps per unit sparsity; raise ``UsageError`` if not whole."""
    if not (isinstance(resolution, (int, float)) and 0 < resolution < 1):
        raise UsageError(f"--resolution must be in (0, 1), got {resolution}")
    steps = round(1 / resolution)
    if abs(steps * resolution - 1) > 1e-9:
        raise UsageError(
            f"--resolution {resolution} does not divide 1 into whole steps; use for example "
            "0.01, 0.02, 0.025 or 0.05"
        )
    return steps


def check_settings(high: float, max_trials: int, resolution: float) -> tuple[int, int]:
    """Return (grid steps per unit, grid index of ``high``); raise ``UsageError`` if invalid."""
    steps = grid_steps(resolution)
    top = round(high * steps)
    if not 0 < high < 1 or abs(top - high * steps) > 1e-6:
        raise UsageError(
            f"--max-sparsity {high} must be in (0, 1) and a multiple of the resolution {resolution}"
        )
    if max_trials < 1:
        raise UsageError(f"--max-trials must be at least 1, got {max_trials}")
    return steps, top


def bisect_sparsity(
    evaluate: Callable[[float], Decision],
    high: float,
    max_trials: int,
    resolution: float = 0.01,
) -> SearchOutcome:
    """Search sparsities in (0, ``high``] with at most ``max_trials`` calls of ``evaluate``.

    ``evaluate(sparsity)`` runs one trial and returns an object with ``within`` set when its
    FID is within tolerance. ``high`` must lie on the grid of ``resolution``.
    """
    steps, top = check_settings(high, max_trials, resolution)
    trials = []
    first = evaluate(top / steps)
    trials.append(first)
    if first.within:
        return SearchOutcome(tuple(trials), top / steps, None,
                             "the largest sparsity searched is within tolerance")

    passing, failing = 0, top
    while failing - passing > 1:
        if len(trials) >= max_trials:
            return SearchOutcome(tuple(trials), passing / steps, failing / steps,
                                 f"the trial bound ({max_trials}) was reached")
        middle = (passing + failing) // 2
        trial = evaluate(middle / steps)
        trials.append(trial)
        if trial.within:
            passing = middle
        else:
            failing = middle
    return SearchOutcome(tuple(trials), passing / steps, failing / steps,
                         f"the bracket is one grid step ({resolution:g}) wide")


def trials_needed(high: float, resolution: float) -> int:
    """Return the trials a search needs to narrow (0, ``high``] to one grid step."""
    steps = round(high * grid_steps(resolution))
    return 1 + max(0, math.ceil(math.log2(steps))) if steps > 1 else 1
