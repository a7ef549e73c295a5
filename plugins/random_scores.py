"""Random pruning: uniform random importance scores.

The control every importance criterion must beat (used as a baseline by, among others,
Blalock et al., "What is the state of neural network pruning?", MLSys 2020). Scores are drawn
from U(0, 1) with the run's seeded generator, so the masks are reproducible.
"""

import torch

from ganbench import hookimpl
from ganbench.pruning import PruningMethod


class RandomPruning(PruningMethod):
    name = "random"
    description = "uniform random scores (the control every criterion must beat)"

    def score(self, context):
        return {
            name: torch.rand(weight.shape, generator=context.rng)
            for name, weight in context.weights.items()
        }


@hookimpl
def ganbench_register_methods(register):
    register(RandomPruning)
