"""Schedules: round targets, the cubic curve, budgets spent exactly, pruning events in order."""

import pytest

from ganbench.pruning.schedules import (
    cubic_sparsity, gradual_events, iterative_sparsities, run_schedule, split_budget,
)


def test_iterative_rounds_remove_equal_fractions():
    targets = iterative_sparsities(0.875, 3)
    assert targets == pytest.approx([0.5, 0.75, 0.875])
    assert iterative_sparsities(0.9, 1) == [0.9]


def test_budget_split_sums_exactly():
    assert split_budget(10, 3) == [4, 3, 3]
    assert split_budget(2, 3) == [1, 1, 0]
    assert sum(split_budget(301, 7)) == 301


def test_cubic_curve_values():
    # s_t = s · (1 − (1 − t/T)³): at t = T/2 the sparsity is 7/8 of the target.
    assert cubic_sparsity(0.8, 0, 100) == 0.0
    assert cubic_sparsity(0.8, 50, 100) == pytest.approx(0.8 * 7 / 8)
    assert cubic_sparsity(0.8, 100, 100) == 0.8
    assert cubic_sparsity(0.8, 150, 100) == 0.8


def test_gradual_updates_stop_before_freeze():
    end, updates = gradual_events(200, 10, 0.25)
    assert end == 150
    assert updates == list(range(10, 151, 10))
    end, updates = gradual_events(100, 30, 0.25)
    assert (end, updates) == (75, [30, 60, 75])
    assert gradual_events(0, 10, 0.25) == (0, [])


class RecordingPruner:
    def __init__(self, log):
        self.log = log

    def prune_to(self, sparsity):
        self.log.append(("prune", round(sparsity, 6)))

    def attach(self, optimizers):
        self.log.append(("attach", optimizers))

    def reapply(self):
        self.log.append(("reapply",))


class RecordingTuner:
    def __init__(self, log):
        self.log = log
        self.optimizers = "old"
        self.steps = 0

    def train(self, steps, on_step=None):
        self.log.append(("train", steps))
        for step in range(1, steps + 1):
            self.steps += 1
            if on_step is not None:
                on_step(step)

    def reset_optimizers(self):
        self.optimizers = "fresh"


OPTIONS = {"rounds": 2, "update_every": 2, "freeze_fraction": 0.5}


def run(schedule, budget=8, sparsity=0.75, rewind=None):
    log = []
    tuner = RecordingTuner(log)
    run_schedule(schedule, OPTIONS, RecordingPruner(log), tuner, sparsity, budget, rewind)
    return log, tuner


def test_one_shot_prunes_then_trains():
    log, tuner = run("one-shot")
    assert log == [("prune", 0.75), ("train", 8)]
    assert tuner.steps == 8


def test_iterative_alternates_rounds():
    log, tuner = run("iterative")
    assert log == [("prune", 0.5), ("train", 4), ("prune", 0.75), ("train", 4)]
    assert tuner.steps == 8


def test_gradual_prunes_during_training():
    log, tuner = run("gradual")
    # T = 4: updates after steps 2 and 4, at 0.75·(1 − 0.5³) and 0.75.
    assert log == [("train", 8), ("prune", round(0.75 * 7 / 8, 6)), ("prune", 0.75)]
    assert tuner.steps == 8


def test_rewinding_resets_after_every_round():
    rewinds = []
    log, tuner = run("rewinding", rewind=lambda: rewinds.append(len(rewinds)))
    assert rewinds == [0, 1]
    assert log == [
        ("prune", 0.5), ("attach", "fresh"), ("reapply",), ("train", 4),
        ("prune", 0.75), ("attach", "fresh"), ("reapply",), ("train", 4),
    ]


def test_rewinding_needs_a_snapshot():
    with pytest.raises(ValueError, match="early snapshot"):
        run("rewinding")
