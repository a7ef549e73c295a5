"""The result rows the findings rest on, indexed by configuration and seed.

Rows are the latest row of each run key (``ganbench.leaderboard.latest_rows``). A run is
*unstable* when it diverged (a loss became NaN or infinite, so the run failed) or when its
collapse label (``ganbench.collapse``) names the mode-collapse or discriminator-win rule. The
FID-collapse rule is left out because it measures a pruned run against its dense row, so it
can never fire for the dense row itself. Counting it would make pruned runs look less stable
by construction.
"""

from __future__ import annotations

import math

import pandas as pd

from ganbench import schema
from ganbench.collapse import DISCRIMINATOR_RULE, MODE_RULE, collapse_rules
from ganbench.leaderboard import latest_rows
from ganbench.training import DIVERGED_MESSAGE

UNSTABLE_RULES = (MODE_RULE, DISCRIMINATOR_RULE)

Pair = tuple[str, str]


class FindingsData:
    """Latest result rows by (dataset, model, method, sparsity, target, seed)."""

    def __init__(self, results: pd.DataFrame):
        latest = latest_rows(results)
        self.rows: dict[tuple, dict] = {}
        for row in latest.to_dict("records"):
            key = (row[schema.DATASET], row[schema.MODEL], row[schema.METHOD],
                   round(float(row[schema.SPARSITY]), 6), row[schema.TARGET], int(row[schema.SEED]))
            self.rows[key] = row
        self.runs = len(latest)

    def pairs(self) -> list[Pair]:
        """Return the (dataset, model) pairs that have a dense row, sorted."""
        return sorted({(key[0], key[1]) for key in self.rows if key[2] == schema.DENSE_METHOD})

    def seeds(self, pair: Pair) -> list[int]:
        """Return the seeds of the pair's dense rows, sorted."""
        return sorted(key[5] for key in self.rows if key[:2] == pair and key[2] == schema.DENSE_METHOD)

    def methods(self, pair: Pair) -> list[str]:
        """Return the pair's pruning methods, sorted by name."""
        return sorted({key[2] for key in self.rows if key[:2] == pair and key[2] != schema.DENSE_METHOD})

    def sparsities(self, pair: Pair) -> list[float]:
        """Return the pair's target sparsities above 0, ascending."""
        return sorted({key[3] for key in self.rows if key[:2] == pair and key[2] != schema.DENSE_METHOD})

    def targets(self, pair: Pair) -> list[str]:
        """Return the pair's target networks, generator first."""
        found = {key[4] for key in self.rows if key[:2] == pair and key[2] != schema.DENSE_METHOD}
        return [target for target in ("generator", "discriminator", "both") if target in found]

    def row(self, pair: Pair, method: str, sparsity: float, target: str, seed: int) -> dict | None:
        """Return the latest row of one run, or None when it was not recorded."""
        return self.rows.get((*pair, method, round(sparsity, 6), target, seed))

    def dense(self, pair: Pair, seed: int) -> dict | None:
        """Return the dense row of ``seed``."""
        return self.row(pair, schema.DENSE_METHOD, 0.0, schema.DENSE_TARGET, seed)

    def over_budget(self, pair: Pair) -> list[dict]:
        """Return the pair's successful pruned rows whose total steps exceed their dense row's.

        Total steps are pretraining, pruning and fine-tuning steps (``ganbench.compute``).
        """
        over = []
        for key, row in sorted(self.rows.items(), key=lambda item: str(item[0])):
            if key[:2] != pair or key[2] == schema.DENSE_METHOD or not ok(row):
                continue
            dense = self.dense(pair, key[5])
            if dense is None or not ok(dense):
                continue
            if total_steps(row) > total_steps(dense):
                over.append(row)
        return over


def ok(row: dict | None) -> bool:
    """Return whether ``row`` is a successful run."""
    return row is not None and row[schema.STATUS] == schema.STATUS_OK


def unstable(row: dict | None) -> bool | None:
    """Return whether the run diverged or collapsed (see the module docstring).

    None when that is unknown: the run is missing, was declined, or failed for another reason.
    """
    if row is None:
        return None
    if row[schema.STATUS] == schema.STATUS_FAILED:
        return True if str(row[schema.ERROR]).startswith(DIVERGED_MESSAGE) else None
    if row[schema.STATUS] != schema.STATUS_OK:
        return None
    return any(rule in UNSTABLE_RULES for rule in collapse_rules(row.get(schema.COLLAPSE)))


def number(row: dict | None, column: str) -> float:
    """Return a successful row's value of ``column`` as a float, NaN when absent."""
    if not ok(row):
        return math.nan
    try:
        value = float(row.get(column))
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def total_steps(row: dict) -> float:
    """Return the row's pretraining + pruning + fine-tuning steps."""
    return sum(number(row, column) for column in (schema.PRETRAIN_STEPS, schema.PRUNE_STEPS, schema.TRAIN_STEPS))
