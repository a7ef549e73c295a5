"""Summary scores per method, and the view of the leaderboard at equal total budget.

Scores are computed per (dataset, model) pair for every (method, target) entry, from the
seed-averaged rows of ``ganbench.leaderboard.summarize``, against the pair's dense row:

* **max sparsity within 10 %**: the largest tested sparsity s such that the mean FID stays
  at most 1.1 × the dense FID at s and at every smaller tested sparsity. 0 when even the
  smallest tested sparsity is worse.
* **normalised AUC**: the area under FID(s) / FID(dense) over [0, s_max], by the trapezoidal
  rule with the dense row at s = 0, divided by s_max, the largest sparsity of the pair. 1.0
  means no loss at any sparsity; lower is better. It is left empty for an entry without a
  result at every sparsity of the pair, because a shorter curve is not comparable.
* **rank**: the rank of the normalised AUC within the pair (1 is best, ties share a rank).

The **overall rank** orders entries by their mean rank over the pairs. Only entries ranked
in every pair of the leaderboard get one, so that an entry cannot win by skipping pairs.

**Equal total budget.** A run's total steps are its pretraining, pruning and fine-tuning
optimizer steps (``ganbench.compute``). The budget of a pair is the total steps of its dense
row: one dense training plus the fine-tuning budget, which is what a one-shot method uses.
``budget_ratio`` is a row's total steps divided by that budget. The leaderboard at equal
budget ranks, within each sparsity, only rows with a ratio of at most 1 (``budget_rank``);
rows above it, such as a method that retrains several times, are marked as over budget.
Steps are the unit because every step processes the same number of samples; the estimated
training FLOPs are shown beside them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ganbench import schema

WITHIN_DENSE = 0.10

PAIR = [schema.DATASET, schema.MODEL]
ENTRY = [schema.METHOD, schema.TARGET]

SCORE_COLUMNS = PAIR + ENTRY + ["dense_fid", "max_sparsity_within", "auc", "pair_rank"]
OVERALL_COLUMNS = ENTRY + ["overall_rank", "mean_rank", "pairs_ranked", "pairs", "within_budget"]

# Relative slack when comparing step counts, which are means over seeds.
_BUDGET_SLACK = 1e-9


def method_scores(summary: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (dataset, model, method, target) with the scores described above."""
    rows = []
    for (dataset, model), section in summary.groupby(PAIR, sort=True):
        dense = section[section[schema.METHOD] == schema.DENSE_METHOD]["fid_mean"]
        dense_fid = float(dense.iloc[0]) if len(dense) else float("nan")
        pruned = section[section[schema.METHOD] != schema.DENSE_METHOD]
        grid = sorted(pruned[schema.SPARSITY].unique())
        for (method, target), entry in pruned.groupby(ENTRY, sort=True):
            curve = entry.sort_values(schema.SPARSITY)
            sparsities = curve[schema.SPARSITY].to_numpy(dtype=float)
            fids = curve["fid_mean"].to_numpy(dtype=float)
            rows.append({
                schema.DATASET: dataset, schema.MODEL: model, schema.METHOD: method,
                schema.TARGET: target, "dense_fid": dense_fid,
                "max_sparsity_within": max_sparsity_within(sparsities, fids, dense_fid),
                "auc": normalised_auc(sparsities, fids, dense_fid, grid),
            })
    scores = pd.DataFrame(rows, columns=SCORE_COLUMNS[:-1])
    scores["pair_rank"] = scores.groupby(PAIR)["auc"].rank(method="min").astype("Int64")
    return scores[SCORE_COLUMNS].reset_index(drop=True)


def max_sparsity_within(sparsities: np.ndarray, fids: np.ndarray, dense_fid: float) -> float:
    """Return the largest sparsity up to which every FID is within ``WITHIN_DENSE`` of dense.

    ``sparsities`` must be sorted ascending. Returns NaN when the dense FID is unknown.
    """
    if not np.isfinite(dense_fid):
        return float("nan")
    limit = dense_fid * (1 + WITHIN_DENSE)
    reached = 0.0
    for sparsity, fid in zip(sparsities, fids):
        if not (np.isfinite(fid) and fid <= limit):
            break
        reached = float(sparsity)
    return reached


def normalised_auc(
    sparsities: np.ndarray, fids: np.ndarray, dense_fid: float, grid: list[float]
) -> float:
    """Return the mean of FID / dense FID over [0, max(grid)] (trapezoidal), or NaN.

    NaN when the dense FID is unknown or not positive, or when the entry lacks a finite FID
    at some sparsity of ``grid``.
    """
    if not grid or not np.isfinite(dense_fid) or dense_fid <= 0:
        return float("nan")
    if sorted(sparsities.tolist()) != list(grid) or not np.all(np.isfinite(fids)):
        return float("nan")
    x = np.concatenate([[0.0], sparsities])
    y = np.concatenate([[1.0], fids / dense_fid])
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
    return area / float(x[-1])


def overall_ranking(scores: pd.DataFrame, budget: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (method, target): mean pair rank, its overall rank and coverage.

    ``within_budget`` is True when every row of the entry in ``budget`` (see
    ``budget_view``) has a budget ratio of at most 1, and NA when no ratio is known.
    """
    pairs = scores[PAIR].drop_duplicates().shape[0]
    rows = []
    for (method, target), entry in scores.groupby(ENTRY, sort=True):
        ranks = entry["pair_rank"].dropna().astype(float)
        mask = (budget[schema.METHOD] == method) & (budget[schema.TARGET] == target)
        ratios = budget.loc[mask, "budget_ratio"].dropna()
        rows.append({
            schema.METHOD: method, schema.TARGET: target,
            "mean_rank": float(ranks.mean()) if len(ranks) else float("nan"),
            "pairs_ranked": len(ranks), "pairs": pairs,
            "within_budget": bool((ratios <= 1 + _BUDGET_SLACK).all()) if len(ratios) else pd.NA,
        })
    overall = pd.DataFrame(rows, columns=[c for c in OVERALL_COLUMNS if c != "overall_rank"])
    complete = overall["pairs_ranked"] == pairs
    overall["overall_rank"] = overall["mean_rank"].where(complete).rank(method="min").astype("Int64")
    overall = overall.sort_values(["overall_rank", "mean_rank", schema.METHOD, schema.TARGET],
                                  kind="mergesort", na_position="last")
    return overall[OVERALL_COLUMNS].reset_index(drop=True)


def budget_view(summary: pd.DataFrame) -> pd.DataFrame:
    """Return ``summary`` with total_steps, budget_steps, budget_ratio and budget_rank added.

    Values are NA where the results predate the compute columns.
    """
    frame = summary.copy()
    steps = [schema.PRETRAIN_STEPS, schema.PRUNE_STEPS, schema.TRAIN_STEPS]
    frame["total_steps"] = frame[steps].astype(float).sum(axis=1, min_count=len(steps))
    frame.loc[frame[steps].isna().any(axis=1), "total_steps"] = float("nan")
    dense = frame[frame[schema.METHOD] == schema.DENSE_METHOD].groupby(PAIR)["total_steps"].first()
    frame["budget_steps"] = [
        dense.get((dataset, model), float("nan"))
        for dataset, model in zip(frame[schema.DATASET], frame[schema.MODEL])
    ]
    frame["budget_ratio"] = frame["total_steps"] / frame["budget_steps"]
    within = frame["budget_ratio"] <= 1 + _BUDGET_SLACK
    frame["budget_rank"] = (
        frame["fid_mean"].where(within)
        .groupby([frame[schema.DATASET], frame[schema.MODEL], frame[schema.SPARSITY]])
        .rank(method="min")
        .astype("Int64")
    )
    return frame
