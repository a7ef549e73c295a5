"""The leaderboard table: a pure function from the result table to ranked summary rows.

For every (dataset, model) pair, the successful runs are grouped by (method, sparsity,
target) with seeds aggregated (mean, standard deviation, n, and a 95 % bootstrap interval of
the mean FID, see ``ganbench.replicates``), and ranked by mean FID within each sparsity:
rank 1 is the lowest FID, and methods whose intervals overlap share a rank. A table whose
rows were computed under different metric protocols (``ganbench.metrics.protocol``) is not
ranked. Collapsed runs (``ganbench.collapse``) stay in the aggregates, and ``collapsed``
counts them. ``ganbench.reports`` renders the summary in every format, with the runs that
failed, were declined or collapsed listed under each table, and the reason a table is not
ranked.

Nothing here reads the clock or the environment, so the same results always give the same
rows.
"""

from __future__ import annotations

import pandas as pd

from ganbench import schema
from ganbench.metrics.protocol import protocol_conflicts
from ganbench.replicates import bootstrap_mean_interval, overlap_ranks

SUMMARY_COLUMNS = [
    schema.DATASET, schema.MODEL, schema.SPARSITY, "rank", schema.METHOD, schema.TARGET,
    "n", "fid_mean", "fid_std", schema.KID, schema.PRECISION, schema.RECALL, schema.DENSITY,
    schema.COVERAGE, schema.MODES_COVERED, schema.MODES_TOTAL,
    schema.HIGH_QUALITY_SHARE, schema.MODE_KL, schema.SPARSITY_ACHIEVED,
    schema.G_PARAMS, schema.G_PARAMS_NONZERO, schema.G_FLOPS, schema.G_FLOPS_EFFECTIVE,
    schema.D_PARAMS, schema.D_PARAMS_NONZERO, schema.D_FLOPS, schema.D_FLOPS_EFFECTIVE,
    schema.G_LATENCY_MS, "fid_ci_low", "fid_ci_high", "collapsed",
]

# Training compute per phase (ganbench.compute), averaged over seeds like the metrics.
COMPUTE_SUMMARY_COLUMNS = [
    schema.PRETRAIN_STEPS, schema.PRUNE_STEPS, schema.TRAIN_STEPS,
    schema.PRETRAIN_SECONDS, schema.PRUNE_SECONDS, schema.FINETUNE_SECONDS,
    schema.PRETRAIN_FLOPS, schema.PRUNE_FLOPS, schema.FINETUNE_FLOPS, schema.TRAIN_FLOPS,
]
SUMMARY_COLUMNS += COMPUTE_SUMMARY_COLUMNS

_MEAN_COLUMNS = [
    schema.KID, schema.PRECISION, schema.RECALL, schema.DENSITY, schema.COVERAGE,
    schema.MODES_COVERED, schema.MODES_TOTAL, schema.HIGH_QUALITY_SHARE, schema.MODE_KL,
    schema.SPARSITY_ACHIEVED, schema.G_PARAMS, schema.G_PARAMS_NONZERO, schema.G_FLOPS,
    schema.G_FLOPS_EFFECTIVE, schema.D_PARAMS, schema.D_PARAMS_NONZERO, schema.D_FLOPS,
    schema.D_FLOPS_EFFECTIVE, schema.G_LATENCY_MS,
] + COMPUTE_SUMMARY_COLUMNS


def latest_rows(results: pd.DataFrame) -> pd.DataFrame:
    """Return one row per run key: the last successful row, else the last row."""
    if results.empty:
        return results
    frame = results.reset_index(drop=True).copy()
    frame["_order"] = range(len(frame))
    frame["_ok"] = frame[schema.STATUS] == schema.STATUS_OK
    frame = frame.sort_values(["_ok", "_order"]).groupby(schema.RUN_KEY, sort=False).tail(1)
    return frame.sort_values("_order").drop(columns=["_order", "_ok"]).reset_index(drop=True)


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Return the ranked leaderboard: one row per (dataset, model, method, sparsity, target)."""
    frame = latest_rows(results)
    frame = frame[frame[schema.STATUS] == schema.STATUS_OK].copy()
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    for column in _MEAN_COLUMNS + [schema.FID]:
        if column not in frame.columns:
            frame[column] = float("nan")
        frame[column] = pd.to_numeric(frame[column], errors="coerce")

    if schema.COLLAPSE not in frame.columns:
        frame[schema.COLLAPSE] = ""
    frame["_collapsed"] = frame[schema.COLLAPSE].fillna("").astype(str) != ""

    keys = [schema.DATASET, schema.MODEL, schema.SPARSITY, schema.METHOD, schema.TARGET]
    # Rows in a fixed order, so that sums and bootstrap resamples do not depend on the order
    # in which parallel workers recorded them.
    frame = frame.sort_values(keys + [schema.SEED, schema.RUN_KEY], kind="mergesort")
    grouped = frame.groupby(keys, sort=True, dropna=False)
    summary = grouped[_MEAN_COLUMNS].mean()
    summary["n"] = grouped[schema.FID].count()
    summary["fid_mean"] = grouped[schema.FID].mean()
    summary["fid_std"] = grouped[schema.FID].std(ddof=1)
    intervals = grouped[schema.FID].apply(lambda values: bootstrap_mean_interval(values.tolist()))
    summary["fid_ci_low"] = [low for low, _ in intervals]
    summary["fid_ci_high"] = [high for _, high in intervals]
    summary["collapsed"] = grouped["_collapsed"].sum().astype(int)
    summary = summary.reset_index()

    summary["rank"] = pd.Series(pd.NA, index=summary.index, dtype="Int64")
    for _, cell in summary.groupby([schema.DATASET, schema.MODEL, schema.SPARSITY]).groups.items():
        ranks = overlap_ranks(
            summary.loc[cell, "fid_mean"], summary.loc[cell, "fid_ci_low"], summary.loc[cell, "fid_ci_high"]
        )
        summary.loc[cell, "rank"] = pd.array(ranks, dtype="Int64")
    for dataset, model in protocol_conflicts(frame):
        unranked = (summary[schema.DATASET] == dataset) & (summary[schema.MODEL] == model)
        summary.loc[unranked, "rank"] = pd.NA
    summary = summary.sort_values(
        [schema.DATASET, schema.MODEL, schema.SPARSITY, "rank", schema.METHOD, schema.TARGET],
        kind="mergesort",
    )
    return summary[SUMMARY_COLUMNS].reset_index(drop=True)
