"""ganbench search: bisection over sparsity, trials as recorded runs, and the printed answer."""

import math
from dataclasses import dataclass

import pytest

from ganbench import schema
from ganbench.cli import main
from ganbench.errors import UsageError
from ganbench.replicates import bootstrap_mean_interval
from ganbench.search.bisection import bisect_sparsity, trials_needed
from ganbench.search.report import render_search
from ganbench.search.trials import Trial
from ganbench.store import ResultStore

from conftest import write_suite


@dataclass
class FakeTrial:
    sparsity: float
    within: bool


class FakeEvaluator:
    """A deterministic FID curve: FID(s) = 10 (1 + s²); within when FID ≤ 1.1 × 10."""

    def __init__(self, curve=lambda s: 10 * (1 + s * s), limit=11.0):
        self.curve = curve
        self.limit = limit
        self.calls = []

    def __call__(self, sparsity):
        self.calls.append(sparsity)
        return FakeTrial(sparsity, self.curve(sparsity) <= self.limit)


def test_bisection_finds_closed_form_threshold():
    evaluator = FakeEvaluator()
    outcome = bisect_sparsity(evaluator, high=0.95, max_trials=8)
    # FID(s) ≤ 11 ⟺ s ≤ √0.1 = 0.3162, so the largest grid point within is 0.31.
    assert outcome.answer == 0.31
    assert outcome.failing == 0.32
    assert evaluator.calls == [0.95, 0.47, 0.23, 0.35, 0.29, 0.32, 0.30, 0.31]
    assert "one grid step" in outcome.stopped


def test_bisection_respects_trial_bound():
    evaluator = FakeEvaluator()
    outcome = bisect_sparsity(evaluator, high=0.95, max_trials=4)
    assert evaluator.calls == [0.95, 0.47, 0.23, 0.35]
    assert (outcome.answer, outcome.failing) == (0.23, 0.35)
    assert outcome.stopped == "the trial bound (4) was reached"


def test_bisection_stops_when_top_passes():
    evaluator = FakeEvaluator(curve=lambda s: 10.0)
    outcome = bisect_sparsity(evaluator, high=0.95, max_trials=8)
    assert evaluator.calls == [0.95]
    assert (outcome.answer, outcome.failing) == (0.95, None)


def test_bisection_when_nothing_passes():
    evaluator = FakeEvaluator(curve=lambda s: 20.0)
    outcome = bisect_sparsity(evaluator, high=0.95, max_trials=8)
    assert evaluator.calls == [0.95, 0.47, 0.23, 0.11, 0.05, 0.02, 0.01]
    assert (outcome.answer, outcome.failing) == (0.0, 0.01)


@pytest.mark.parametrize("threshold", [0.005, 0.013, 0.27, 0.5, 0.731, 0.9449, 0.951])
def test_bisection_answer_is_largest_grid_point_below(threshold):
    evaluator = FakeEvaluator(curve=lambda s: s, limit=threshold)
    outcome = bisect_sparsity(evaluator, high=0.95, max_trials=trials_needed(0.95, 0.01))
    expected = min(0.95, math.floor(threshold * 100 + 1e-9) / 100)
    assert outcome.answer == pytest.approx(expected)
    assert len(evaluator.calls) <= trials_needed(0.95, 0.01) == 8


@pytest.mark.parametrize("kwargs, message", [
    (dict(high=0.95, max_trials=8, resolution=0.03), "whole steps"),
    (dict(high=0.955, max_trials=8), "multiple of the resolution"),
    (dict(high=1.0, max_trials=8), "must be in \\(0, 1\\)"),
    (dict(high=0.95, max_trials=0), "at least 1"),
])
def test_bisection_rejects_bad_settings(kwargs, message):
    with pytest.raises(UsageError, match=message):
        bisect_sparsity(FakeEvaluator(), **kwargs)


def _trial(sparsity, fids, dense, tolerance=0.1):
    margins = tuple(f - (1 + tolerance) * d for f, d in zip(fids, dense))
    return Trial(sparsity, sum(margins) / len(margins) <= 0, tuple(fids), tuple(dense), margins,
                 bootstrap_mean_interval(list(margins)), sparsity)


def test_report_with_one_seed_says_no_support():
    trials = iter((_trial(0.95, [30.0], [10.0]), _trial(0.47, [10.5], [10.0])))
    outcome = bisect_sparsity(lambda s: next(trials), high=0.95, max_trials=2)
    text = render_search(outcome, method="magnitude", dataset="digits", model="dcgan",
                         target="generator", seeds=(0,), tolerance=0.1, dense_fids=[10.0],
                         results="results/quick-search.csv")
    assert "Answer: 0.47 is the largest sparsity tried within 10 % of the dense FID; 0.95 is beyond it." in text
    assert "one seed (0)" in text
    assert "no statistical support" in text
    assert "at most 11" in text


def test_report_with_seeds_uses_bootstrap_intervals():
    dense = [10.0, 10.2, 9.8, 10.1]
    beyond = _trial(0.95, [40.0, 42.0, 39.0, 41.0], dense)
    close = _trial(0.47, [10.9, 11.6, 10.3, 11.0], dense)   # margins straddle 0
    trials = iter((beyond, close))
    outcome = bisect_sparsity(lambda s: next(trials), high=0.95, max_trials=2)
    text = render_search(outcome, method="magnitude", dataset="digits", model="dcgan",
                         target="generator", seeds=(0, 1, 2, 3), tolerance=0.1,
                         dense_fids=dense, results="r.csv")
    low, high = close.margin_interval
    assert low < 0 < high
    assert f"at 0.47 the 95 % bootstrap interval of the mean margin" in text
    assert f"{low:+.4g} to {high:+.4g}: uncertain" in text
    assert "at 0.95" in text
    assert "clearly beyond" in text
    assert "the answer is not established at 95 %" in text


def test_search_command_records_trials_as_runs(workdir, capsys):
    suite = write_suite(workdir, methods=["magnitude"], sparsities=[0.5])
    assert main(["run", "--suite", str(suite), "-q"]) == 0
    dense_row = ResultStore(workdir / "results" / "tiny.csv").text_rows()[0]
    capsys.readouterr()

    args = ["search", "--suite", str(suite), "--method", "magnitude", "--model", "dcgan",
            "--dataset", "ring8", "--tolerance", "0.5", "--max-trials", "3", "-q"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "Answer:" in first
    assert "trial bound (3)" in first

    store = ResultStore(workdir / "results" / "tiny-search.csv")
    rows = store.text_rows()
    assert rows[0] == {**dense_row, **{k: v for k, v in rows[0].items() if k not in dense_row}}
    assert rows[0][schema.SUITE] == "tiny"  # copied from the suite's own results, not rerun
    trials = [row for row in rows if row[schema.METHOD] == "magnitude"]
    # The third trial halves the bracket on the side the second trial's FID decides.
    second_within = float(trials[1][schema.FID]) <= 1.5 * float(dense_row[schema.FID])
    expected = [0.95, 0.47, 0.71 if second_within else 0.23]
    assert [float(row[schema.SPARSITY]) for row in trials] == expected
    assert {row[schema.SUITE] for row in trials} == {"tiny-search"}
    assert (workdir / "leaderboard" / "tiny-search.md").exists()

    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert len(store.text_rows()) == len(rows)  # every trial was found recorded

    written = (workdir / "leaderboard" / "tiny-search.md").read_bytes()
    assert b"Trials of ganbench search with the settings of suite tiny: magnitude on ring8/dcgan, target generator." in written
    assert main(["leaderboard", "--suite", "tiny-search", "-q"]) == 0
    assert "# ganbench leaderboard: tiny-search" in capsys.readouterr().out
    assert (workdir / "leaderboard" / "tiny-search.md").read_bytes() == written


@pytest.mark.parametrize("extra, message", [
    (["--tolerance", "0"], "--tolerance must be a positive fraction"),
    (["--tolerance", "0.1", "--resolution", "0.3"], "whole steps"),
    (["--tolerance", "0.1", "--method", "nope"], "unknown method 'nope'"),
])
def test_search_rejects_bad_input(workdir, capsys, extra, message):
    suite = write_suite(workdir)
    args = ["search", "--suite", str(suite), "--method", "magnitude", "--model", "dcgan",
            "--dataset", "ring8"] + extra
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert not (workdir / "results" / "tiny-search.csv").exists()


def test_failed_trials_exit_one(workdir, capsys):
    plugin = workdir / "boom.py"
    plugin.write_text(
        "from ganbench import hookimpl\n"
        "from ganbench.pruning import PruningMethod\n\n"
        "class Boom(PruningMethod):\n"
        "    name = 'boom'\n\n"
        "    def score(self, context):\n"
        "        raise RuntimeError('scores unavailable')\n\n"
        "@hookimpl\n"
        "def ganbench_register_methods(register):\n"
        "    register(Boom)\n"
    )
    suite = write_suite(workdir, methods=["magnitude"])
    args = ["search", "--plugin", str(plugin), "--suite", str(suite), "--method", "boom",
            "--model", "dcgan", "--dataset", "ring8", "--tolerance", "0.1", "--max-trials", "2"]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "Answer: no sparsity tried is within 10 % of the dense FID" in captured.out
    assert "scores unavailable" in captured.out
    assert "2 trial run(s) failed" in captured.err
