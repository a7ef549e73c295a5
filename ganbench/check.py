"""Regression check: compare fresh results with a committed reference table.

Rows are matched by run key. Parameter and FLOP counts must match exactly. Quality metrics
may move within a tolerance, and only a move in the worse direction beyond it is a
regression:

* ``fid`` (lower is better): worse when fresh > reference × (1 + 0.25) + 0.001.
* ``modes_covered`` (higher is better): worse when fresh < reference − 1.
* ``high_quality_share`` (higher is better): worse when fresh < reference − 0.10.
* ``mode_kl`` (lower is better): worse when fresh > reference + 0.05.
* ``sparsity_achieved``: must match within 0.001 either way.

The quality tolerances allow for floating-point differences between CPUs, which GAN training
amplifies; runs on one machine with the same settings reproduce the reference exactly.
A reference run that is missing from the fresh results, or that succeeded in the reference
but not in the fresh results, is also a regression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from tabulate import tabulate

from ganbench import schema
from ganbench.leaderboard import latest_rows


@dataclass(frozen=True)
class Tolerance:
    """How far a metric may move: ``relative`` × reference + ``absolute``.

    ``direction`` is ``"lower"`` when lower values are better, ``"higher"`` when higher values
    are better, and ``"both"`` when any move beyond the tolerance is a regression.
    """

    direction: str
    absolute: float = 0.0
    relative: float = 0.0

    def allowed(self, reference: float) -> float:
        return self.absolute + self.relative * abs(reference)

    def regressed(self, reference: float, fresh: float) -> bool:
        allowed = self.allowed(reference)
        if self.direction == "lower":
            return fresh > reference + allowed
        if self.direction == "higher":
            return fresh < reference - allowed
        return abs(fresh - reference) > allowed


EXACT = Tolerance("both")

TOLERANCES: dict[str, Tolerance] = {
    schema.G_PARAMS: EXACT,
    schema.G_PARAMS_NONZERO: EXACT,
    schema.G_FLOPS: EXACT,
    schema.G_FLOPS_EFFECTIVE: EXACT,
    schema.D_PARAMS: EXACT,
    schema.D_PARAMS_NONZERO: EXACT,
    schema.D_FLOPS: EXACT,
    schema.D_FLOPS_EFFECTIVE: EXACT,
    schema.SPARSITY_ACHIEVED: Tolerance("both", absolute=0.001),
    schema.FID: Tolerance("lower", absolute=0.001, relative=0.25),
    schema.MODES_COVERED: Tolerance("higher", absolute=1.0),
    schema.HIGH_QUALITY_SHARE: Tolerance("higher", absolute=0.10),
    schema.MODE_KL: Tolerance("lower", absolute=0.05),
}


@dataclass(frozen=True)
class Regression:
    """One difference that fails the check."""

    run: str
    column: str
    reference: object
    fresh: object
    allowed: str


def compare(
    fresh: pd.DataFrame, reference: pd.DataFrame, tolerances: dict[str, Tolerance] = TOLERANCES
) -> list[Regression]:
    """Return every regression of ``fresh`` against ``reference`` (empty when the check passes)."""
    fresh_rows = {row[schema.RUN_KEY]: row for row in latest_rows(fresh).to_dict("records")}
    regressions = []
    for ref in latest_rows(reference).to_dict("records"):
        run = _describe(ref)
        new = fresh_rows.get(ref[schema.RUN_KEY])
        if new is None:
            regressions.append(Regression(run, "(run)", "recorded", "missing", "must be present"))
            continue
        if ref[schema.STATUS] == schema.STATUS_OK and new[schema.STATUS] != schema.STATUS_OK:
            regressions.append(
                Regression(run, schema.STATUS, ref[schema.STATUS],
                           f"{new[schema.STATUS]}: {new[schema.ERROR]}", "must succeed")
            )
            continue
        if ref[schema.STATUS] != schema.STATUS_OK:
            continue
        for column, tolerance in tolerances.items():
            if column not in ref or _missing(ref[column]):
                continue
            value = new.get(column)
            if _missing(value):
                regressions.append(Regression(run, column, ref[column], "missing", "must be present"))
                continue
            if tolerance.regressed(float(ref[column]), float(value)):
                regressions.append(
                    Regression(run, column, ref[column], value, _allowed_text(tolerance, float(ref[column])))
                )
    return regressions


def render_regressions(regressions: list[Regression]) -> str:
    """Return a readable table of regressions."""
    rows = [[r.run, r.column, _format(r.reference), _format(r.fresh), r.allowed] for r in regressions]
    return tabulate(rows, headers=["run", "column", "reference", "fresh", "allowed"], tablefmt="github",
                    disable_numparse=True)


def _allowed_text(tolerance: Tolerance, reference: float) -> str:
    if tolerance == EXACT:
        return "exact match"
    allowed = tolerance.allowed(reference)
    if tolerance.direction == "lower":
        return f"at most {reference + allowed:.6g}"
    if tolerance.direction == "higher":
        return f"at least {reference - allowed:.6g}"
    return f"within ±{allowed:.6g}"


def _describe(row: dict) -> str:
    if row[schema.METHOD] == schema.DENSE_METHOD:
        return f"{row[schema.DATASET]}/{row[schema.MODEL]} dense seed {row[schema.SEED]}"
    return (
        f"{row[schema.DATASET]}/{row[schema.MODEL]} {row[schema.METHOD]} "
        f"s={float(row[schema.SPARSITY]):g} {row[schema.TARGET]} seed {row[schema.SEED]}"
    )


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
