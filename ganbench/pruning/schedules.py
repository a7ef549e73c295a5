"""Schedules: when a run prunes, how far, and how the training budget is spent around it.

Every schedule spends exactly the run's budget of generator updates and ends at the target
sparsity. The pruner (``ganbench.pruning.pruners``) does the pruning at each event, so every
schedule works for unstructured masks, and all but rewinding for channel removal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from ganbench.compute import FlopCounter
from ganbench.data.base import Dataset
from ganbench.models.family import GAN, GANFamily
from ganbench.settings import TrainSettings
from ganbench.training import TrainingLog, make_optimizers, train


@dataclass
class FineTuner:
    """Trains a GAN in segments from one random stream and counts what the training cost.

    ``steps`` counts generator updates, ``seconds`` the wall time of training and ``flops``
    its estimated FLOPs (``ganbench.compute`` convention), over all segments. Pruning events
    that run inside a segment (the gradual schedule) are included in its time and FLOPs.
    ``last_log`` is the loss log of the latest segment, which ends the run's training.
    """

    gan: GAN
    family: GANFamily
    dataset: Dataset
    settings: TrainSettings
    optimizers: tuple
    rng: torch.Generator
    steps: int = 0
    seconds: float = 0.0
    flops: int = 0
    last_log: TrainingLog | None = None

    def train(self, steps: int, on_step: Callable[[int], None] | None = None) -> None:
        with FlopCounter() as counter:
            log = train(self.gan, self.family, self.dataset, self.settings, steps,
                        self.optimizers, self.rng, on_step)
        self.steps += steps
        self.seconds += log.seconds
        self.flops += counter.flops
        self.last_log = log

    def reset_optimizers(self) -> None:
        """Replace the optimizers by fresh ones with the same settings and no state."""
        self.optimizers = make_optimizers(self.gan, self.settings)


def iterative_sparsities(sparsity: float, rounds: int) -> list[float]:
    """Return the cumulative sparsity after each round: 1 − (1 − s)^(i / rounds).

    Every round removes the same fraction of the weights that are still there, and the last
    round reaches ``sparsity`` exactly.
    """
    targets = [1.0 - (1.0 - sparsity) ** (index / rounds) for index in range(1, rounds + 1)]
    targets[-1] = sparsity
    return targets


def split_budget(steps: int, parts: int) -> list[int]:
    """Split ``steps`` into ``parts`` near-equal integer shares; earlier shares get the rest."""
    share, rest = divmod(steps, parts)
    return [share + (1 if index < rest else 0) for index in range(parts)]


def cubic_sparsity(final: float, step: int, end: int) -> float:
    """Return the gradual schedule's sparsity at ``step``: s_f · (1 − (1 − step/end)³).

    Zhu & Gupta, "To prune, or not to prune", ICLR 2018 workshop, with initial sparsity 0 and
    pruning from step 0 to ``end``; constant ``final`` after ``end``.
    """
    if end <= 0 or step >= end:
        return final
    return final * (1.0 - (1.0 - step / end) ** 3)


def gradual_events(steps: int, update_every: int, freeze_fraction: float) -> tuple[int, list[int]]:
    """Return (end, update steps) of the gradual schedule for a budget of ``steps``.

    Masks are updated after every ``update_every``-th generator step up to ``end`` =
    round((1 − freeze_fraction) · steps), and once more at ``end`` itself; after ``end`` they
    are frozen.
    """
    end = int(math.floor((1.0 - freeze_fraction) * steps + 0.5))
    updates = list(range(update_every, end + 1, update_every))
    if end >= 1 and (not updates or updates[-1] != end):
        updates.append(end)
    return end, updates


def run_schedule(
    schedule: str,
    options: dict,
    pruner,
    tuner: FineTuner,
    sparsity: float,
    budget: int,
    rewind: Callable[[], None] | None = None,
) -> None:
    """Prune with ``pruner`` and train with ``tuner`` for ``budget`` steps along ``schedule``.

    ``options`` are the method's resolved options (``rounds``, ``update_every``,
    ``freeze_fraction``). ``rewind`` restores both networks to the baseline's early snapshot;
    the ``rewinding`` schedule requires it.
    """
    if schedule == "one-shot":
        pruner.prune_to(sparsity)
        tuner.train(budget)
    elif schedule == "iterative":
        rounds = options["rounds"]
        for target, steps in zip(iterative_sparsities(sparsity, rounds), split_budget(budget, rounds)):
            pruner.prune_to(target)
            tuner.train(steps)
    elif schedule == "gradual":
        _gradual(options, pruner, tuner, sparsity, budget)
    elif schedule == "rewinding":
        if rewind is None:
            raise ValueError("the rewinding schedule needs the baseline's early snapshot")
        rounds = options["rounds"]
        for target, steps in zip(iterative_sparsities(sparsity, rounds), split_budget(budget, rounds)):
            pruner.prune_to(target)
            rewind()
            tuner.reset_optimizers()
            pruner.attach(tuner.optimizers)
            pruner.reapply()
            tuner.train(steps)
    else:
        raise ValueError(f"unknown schedule {schedule!r}")


def _gradual(options: dict, pruner, tuner: FineTuner, sparsity: float, budget: int) -> None:
    end, updates = gradual_events(budget, options["update_every"], options["freeze_fraction"])
    if not updates:
        # No step to prune at: the budget is too short for a curve, so prune at once.
        pruner.prune_to(sparsity)
        tuner.train(budget)
        return
    pending = set(updates)

    def on_step(step: int) -> None:
        if step in pending:
            pruner.prune_to(cubic_sparsity(sparsity, step, end))

    tuner.train(budget, on_step)
