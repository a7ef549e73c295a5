"""Summary scores, the overall ranking, the equal-budget view and the Pareto front."""

import math

import numpy as np
import pandas as pd
import pytest

from ganbench import schema
from ganbench.leaderboard import summarize
from ganbench.reports.plots import pareto_front
from ganbench.reports.scores import (
    budget_view,
    max_sparsity_within,
    method_scores,
    normalised_auc,
    overall_ranking,
)

from conftest import synthetic_results

FIDS = {
    ("dense", 0.0): 10.0,
    ("good", 0.5): 10.5, ("good", 0.8): 10.9, ("good", 0.9): 14.0,
    ("bad", 0.5): 12.0, ("bad", 0.8): 20.0, ("bad", 0.9): 30.0,
}


def test_max_sparsity_stops_at_first_miss():
    sparsities = np.array([0.5, 0.8, 0.9])
    assert max_sparsity_within(sparsities, np.array([10.5, 10.9, 14.0]), 10.0) == 0.8
    # Within again at 0.9 does not count: the FID must stay within from 0 on.
    assert max_sparsity_within(sparsities, np.array([10.5, 12.0, 10.2]), 10.0) == 0.5
    assert max_sparsity_within(sparsities, np.array([11.2, 10.0, 10.0]), 10.0) == 0.0
    assert math.isnan(max_sparsity_within(sparsities, np.array([1.0, 1.0, 1.0]), float("nan")))


def test_normalised_auc_trapezoid_by_hand():
    # Relative FIDs 1, 1.1, 1.5, 2.0 at 0, 0.5, 0.8, 0.9:
    # 0.5 * 2.1 / 2 + 0.3 * 2.6 / 2 + 0.1 * 3.5 / 2 = 0.525 + 0.39 + 0.175 = 1.09; / 0.9.
    auc = normalised_auc(np.array([0.5, 0.8, 0.9]), np.array([11.0, 15.0, 20.0]), 10.0, [0.5, 0.8, 0.9])
    assert auc == pytest.approx(1.09 / 0.9)


def test_normalised_auc_flat_curve_is_one():
    grid = [0.5, 0.9]
    assert normalised_auc(np.array(grid), np.array([3.0, 3.0]), 3.0, grid) == pytest.approx(1.0)


def test_normalised_auc_incomplete_is_nan():
    grid = [0.5, 0.8, 0.9]
    assert math.isnan(normalised_auc(np.array([0.5, 0.8]), np.array([1.0, 1.0]), 1.0, grid))
    assert math.isnan(normalised_auc(np.array(grid), np.array([1.0, np.nan, 1.0]), 1.0, grid))
    assert math.isnan(normalised_auc(np.array(grid), np.array([1.0, 1.0, 1.0]), 0.0, grid))


def test_method_scores_rank_by_auc():
    scores = method_scores(summarize(synthetic_results(FIDS)))
    by_method = scores.set_index(schema.METHOD)
    assert list(scores[schema.METHOD]) == ["bad", "good"]
    assert by_method.loc["good", "max_sparsity_within"] == 0.8
    assert by_method.loc["bad", "max_sparsity_within"] == 0.0
    # good: relative 1, 1.05, 1.09, 1.4 -> (0.5*2.05 + 0.3*2.14 + 0.1*2.49) / 2 / 0.9
    assert by_method.loc["good", "auc"] == pytest.approx((0.5 * 2.05 + 0.3 * 2.14 + 0.1 * 2.49) / 2 / 0.9)
    assert by_method.loc["good", "pair_rank"] == 1
    assert by_method.loc["bad", "pair_rank"] == 2
    assert by_method.loc["good", "dense_fid"] == 10.0


def test_method_scores_use_seed_means():
    scores = method_scores(summarize(synthetic_results(FIDS, seeds=(0, 2))))
    # Seed 2 adds 2 to every FID: means are FID + 1, dense 11.
    good = scores.set_index(schema.METHOD).loc["good"]
    assert good["dense_fid"] == 11.0
    assert good["max_sparsity_within"] == 0.8  # 11.9 <= 12.1, 15.0 > 12.1


def test_overall_rank_needs_every_pair():
    first = synthetic_results(FIDS, dataset="ring8")
    second_fids = {key: value for key, value in FIDS.items() if key[0] != "good" or key[1] != 0.9}
    second = synthetic_results(second_fids, dataset="grid25")
    summary = budget_view(summarize(pd.concat([first, second])))
    overall = overall_ranking(method_scores(summary), summary)
    table = overall.set_index(schema.METHOD)
    # "good" lacks sparsity 0.9 on grid25, so it has no AUC there and no overall rank.
    assert table.loc["good", "pairs_ranked"] == 1
    assert table.loc["good", "pairs"] == 2
    assert pd.isna(table.loc["good", "overall_rank"])
    assert table.loc["bad", "overall_rank"] == 1
    assert table.loc["bad", "mean_rank"] == 1.5  # rank 2 on ring8, 1 (alone) on grid25
    assert list(overall[schema.METHOD]) == ["bad", "good"]


def test_budget_flags_methods_that_train_more():
    results = synthetic_results(FIDS, extra_steps={"bad": 50})
    summary = budget_view(summarize(results)).set_index([schema.METHOD, schema.SPARSITY])
    assert summary.loc[("dense", 0.0), "total_steps"] == 110
    assert summary.loc[("good", 0.5), "budget_ratio"] == 1.0
    assert summary.loc[("bad", 0.5), "budget_ratio"] == pytest.approx(160 / 110)
    assert summary.loc[("good", 0.5), "budget_rank"] == 1
    assert pd.isna(summary.loc[("bad", 0.5), "budget_rank"])
    assert summary.loc[("bad", 0.5), "rank"] == 2


def test_budget_unknown_without_compute_columns():
    results = synthetic_results(FIDS).drop(columns=[schema.PRETRAIN_STEPS, schema.PRUNE_STEPS])
    summary = budget_view(summarize(results))
    assert summary["budget_ratio"].isna().all()
    assert summary["budget_rank"].isna().all()
    overall = overall_ranking(method_scores(summary), summary)
    assert overall["within_budget"].isna().all()


def test_pareto_front_by_hand():
    flops = np.array([100.0, 50.0, 50.0, 20.0, 80.0])
    fid = np.array([1.0, 2.0, 3.0, 5.0, 1.5])
    # 100/1.0 best quality; 50/2.0 beats 50/3.0 and 80/1.5 is not beaten; 20/5.0 cheapest.
    assert pareto_front(flops, fid) == [0, 1, 3, 4]


def test_overall_counts_pairs_without_runs():
    first = synthetic_results(FIDS, dataset="ring8")
    # "good" has no row at all on grid25, as when a method declines there.
    second = synthetic_results({key: value for key, value in FIDS.items() if key[0] != "good"},
                               dataset="grid25")
    summary = budget_view(summarize(pd.concat([first, second])))
    table = overall_ranking(method_scores(summary), summary).set_index(schema.METHOD)
    assert table.loc["good", "pairs_ranked"] == 1
    assert table.loc["good", "pairs"] == 2
    assert pd.isna(table.loc["good", "overall_rank"])
