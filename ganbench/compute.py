"""The training compute of a run: optimizer steps, wall time and estimated FLOPs per phase.

A run spends compute in three phases:

* **pretraining**: training the dense baseline the run starts from. Every run on the same
  baseline shares that cost. It is recorded on each row, so that a method that trains from
  scratch without pretraining can be compared fairly with one that starts from the baseline.
* **pruning**: scoring and anything a method trains itself (iterative pruning, retraining
  after rewinding), reported by the method through ``PruningContext.trained_steps``.
* **fine-tuning**: the fine-tuning budget every method gets.

Training FLOPs are an estimate with this convention:

* only the multiply-accumulates of the layers that ``ganbench.metrics.complexity`` counts
  (``nn.Linear``, convolutions and transposed convolutions) are included, FLOPs = 2 × MACs,
  and masks are ignored, because ganbench trains masked weights with dense kernels;
* a forward pass run with gradients enabled counts three times its forward FLOPs (the
  backward pass is taken as twice the forward pass); a pass without gradients counts once;
* passes are counted as they happen, so both networks, every critic step and the extra
  forward pass of the WGAN-GP gradient penalty are included. The double backward of the
  gradient penalty is not, so WGAN-GP figures are lower bounds.

Pretraining and fine-tuning FLOPs are one measured training step times the number of steps,
because every step does the same work. Pruning FLOPs are counted while the method runs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from ganbench import schema
from ganbench.data.base import Dataset
from ganbench.metrics.complexity import layer_macs
from ganbench.models.family import GAN, GANFamily
from ganbench.pruning.parameters import PRUNABLE_LAYERS
from ganbench.settings import TrainSettings
from ganbench.training import make_optimizers, train

# A pass with gradients costs its forward pass plus a backward pass of about twice as much.
PASSES_WITH_GRADIENTS = 3

# Seed of the throwaway training step that measures the FLOPs of one step.
MEASURE_SEED = 0


@dataclass
class PhaseCost:
    """Compute of one phase: optimizer steps (generator updates), seconds and FLOPs."""

    steps: int = 0
    seconds: float = 0.0
    flops: int = 0


@dataclass
class RunCost:
    """Compute of a whole run, by phase; ``columns`` turns it into result-table columns."""

    pretraining: PhaseCost
    pruning: PhaseCost
    finetuning: PhaseCost

    def columns(self) -> dict[str, float | int]:
        return {
            schema.PRETRAIN_STEPS: self.pretraining.steps,
            schema.PRETRAIN_SECONDS: round(self.pretraining.seconds, 3),
            schema.PRETRAIN_FLOPS: self.pretraining.flops,
            schema.PRUNE_STEPS: self.pruning.steps,
            schema.PRUNE_SECONDS: round(self.pruning.seconds, 3),
            schema.PRUNE_FLOPS: self.pruning.flops,
            schema.FINETUNE_SECONDS: round(self.finetuning.seconds, 3),
            schema.FINETUNE_FLOPS: self.finetuning.flops,
            schema.TRAIN_FLOPS: self.pretraining.flops + self.pruning.flops + self.finetuning.flops,
        }


class FlopCounter:
    """Estimate the training FLOPs of every forward pass in this process while active.

    Use as a context manager; ``flops`` is the running total. The counter hooks every
    module in the process (``torch.nn.modules.module.register_module_forward_hook``), so it
    also counts networks that a pruning method builds itself.
    """

    def __init__(self):
        self.flops = 0
        self._handle = None

    def __enter__(self) -> "FlopCounter":
        self._handle = nn.modules.module.register_module_forward_hook(self._count)
        return self

    def __exit__(self, *exc_info) -> None:
        self._handle.remove()
        self._handle = None

    def _count(self, module: nn.Module, inputs: tuple, output) -> None:
        if not isinstance(module, PRUNABLE_LAYERS) or not inputs:
            return
        macs = layer_macs(module, inputs[0], output) * output.shape[0]
        passes = PASSES_WITH_GRADIENTS if torch.is_grad_enabled() else 1
        self.flops += 2 * macs * passes


def step_flops(gan: GAN, family: GANFamily, dataset: Dataset, settings: TrainSettings) -> int:
    """Return the estimated FLOPs of one training step of ``gan`` with ``settings``.

    The step runs on a copy with fresh optimizers and its own random streams, so neither
    ``gan`` nor the global random state changes.
    """
    scratch = copy.deepcopy(gan)
    optimizers = make_optimizers(scratch, settings)
    rng = torch.Generator().manual_seed(MEASURE_SEED)
    with torch.random.fork_rng(devices=[]), FlopCounter() as counter:
        train(scratch, family, dataset, settings, 1, optimizers, rng)
    return counter.flops
