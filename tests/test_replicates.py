"""Replicate statistics: bootstrap intervals, shared ranks, and the leaderboard built on them."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ganbench import schema
from ganbench.leaderboard import summarize
from ganbench.reports import build_board
from ganbench.reports.markdown import render_markdown as render_board
from ganbench.replicates import bootstrap_mean_interval, overlap_ranks


def render_markdown(frame, suite):
    return render_board(build_board(frame, suite))


def test_interval_agrees_with_scipy_bootstrap():
    values = [12.0, 15.5, 11.2, 19.8, 14.1, 13.3]
    low, high = bootstrap_mean_interval(values)
    reference = stats.bootstrap(
        (np.array(values),), np.mean, confidence_level=0.95, n_resamples=20_000,
        method="percentile", random_state=np.random.default_rng(123),
    ).confidence_interval
    spread = max(values) - min(values)
    assert low == pytest.approx(reference.low, abs=0.03 * spread)
    assert high == pytest.approx(reference.high, abs=0.03 * spread)
    assert low < np.mean(values) < high


def test_interval_of_constant_values_is_the_value():
    assert bootstrap_mean_interval([3.0, 3.0, 3.0]) == (3.0, 3.0)


def test_interval_needs_two_values():
    low, high = bootstrap_mean_interval([3.0, float("nan")])
    assert math.isnan(low)
    assert math.isnan(high)


def test_interval_ignores_value_order():
    values = [5.0, 1.0, 9.0, 2.5]
    assert bootstrap_mean_interval(values) == bootstrap_mean_interval(sorted(values))


def test_two_values_interval_spans_them():
    # Resample means of two values are a, (a+b)/2 or b with probabilities 1/4, 1/2, 1/4.
    assert bootstrap_mean_interval([1.0, 3.0]) == (1.0, 3.0)


@pytest.mark.parametrize(
    "means, lows, highs, expected",
    [
        ([1.0, 2.0, 3.0], [math.nan] * 3, [math.nan] * 3, [1, 2, 3]),
        ([1.0, 1.0, 3.0], [math.nan] * 3, [math.nan] * 3, [1, 1, 3]),
        ([3.0, 1.0, 2.0], [2.5, 0.5, 1.8], [3.5, 1.5, 2.2], [3, 1, 2]),
        # A overlaps B, B overlaps C: one group although A and C do not overlap.
        ([1.0, 2.0, 3.0], [0.5, 1.4, 2.6], [1.5, 2.7, 3.4], [1, 1, 1]),
        # B's wide interval bridges A and C; D is clear of all of them.
        ([1.0, 5.0, 3.0, 9.0], [0.9, 0.5, 2.9, 8.9], [1.1, 6.0, 3.1, 9.1], [1, 1, 1, 4]),
        ([2.0, math.nan], [1.0, math.nan], [3.0, math.nan], [1, None]),
    ],
)
def test_overlap_ranks(means, lows, highs, expected):
    assert overlap_ranks(means, lows, highs) == expected


def result_rows():
    rows = []
    fids = {"dense": [10.0, 10.5, 11.0], "good": [12.0, 12.4, 12.8], "close": [13.0, 13.4, 13.8],
            "bad": [30.0, 31.0, 32.0]}
    for method, values in fids.items():
        for seed, fid in enumerate(values):
            rows.append({
                schema.RUN_KEY: f"{method}-{seed}", schema.SUITE: "s", schema.STATUS: "ok",
                schema.ERROR: "", schema.DATASET: "ring8", schema.MODEL: "dcgan", schema.METHOD: method,
                schema.SPARSITY: 0.0 if method == "dense" else 0.5,
                schema.TARGET: "none" if method == "dense" else "generator", schema.SEED: seed,
                schema.FID: fid, schema.COLLAPSE: "mode collapse: 1 of 8" if method == "bad" and seed == 0 else "",
            })
    return pd.DataFrame(rows)


def test_summary_reports_replicate_statistics():
    summary = summarize(result_rows()).set_index(schema.METHOD)
    good = summary.loc["good"]
    assert good["n"] == 3
    assert good["fid_mean"] == pytest.approx(12.4)
    assert good["fid_std"] == pytest.approx(0.4)
    # With three values a resample of three copies of the minimum has probability 1/27 > 2.5 %,
    # so the percentile interval runs from the minimum to the maximum.
    assert good["fid_ci_low"] == pytest.approx(12.0)
    assert good["fid_ci_high"] == pytest.approx(12.8)
    assert summary.loc["bad", "collapsed"] == 1
    assert summary.loc["good", "collapsed"] == 0
    # good [12.0, 12.8] and close [13.0, 13.8] do not overlap; bad is clear of both.
    assert list(summary.loc[["good", "close", "bad"], "rank"]) == [1, 2, 3]


def test_overlapping_methods_share_rank():
    frame = result_rows()
    frame.loc[frame[schema.METHOD] == "close", schema.FID] = [12.8, 13.2, 13.6]  # touches 12.8
    summary = summarize(frame).set_index(schema.METHOD)
    assert list(summary.loc[["good", "close", "bad"], "rank"]) == [1, 1, 3]


def test_leaderboard_ignores_row_order():
    frame = result_rows()
    shuffled = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    assert render_markdown(frame, "s") == render_markdown(shuffled, "s")
    pd.testing.assert_frame_equal(summarize(frame), summarize(shuffled))


def test_markdown_shows_interval_and_collapse():
    markdown = render_markdown(result_rows(), "s")
    assert "12.40 ± 0.4 (n=3, 95% CI 12–12.8)" in markdown
    assert "31.00 ± 1 (n=3, 95% CI 30–32) collapsed 1/3" in markdown
    assert "Collapsed runs (included above):" in markdown
    assert "| 0.50       | bad      | generator | 0      | mode collapse: 1 of 8 |" in markdown
