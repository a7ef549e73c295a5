"""Gradual magnitude pruning along the cubic schedule of Zhu & Gupta.

Zhu & Gupta, "To prune, or not to prune: exploring the efficacy of pruning for model
compression", ICLR 2018 workshop. During fine-tuning the sparsity of every layer rises as
s_t = s · (1 − (1 − t / T)³) from 0 to the target s; the lowest-|w| weights of each layer are
pruned every ``update_every`` generator steps up to T, and the masks are frozen for the last
``freeze_fraction`` of the budget. Pruned weights never return. Layer-wise thresholds, as in
the paper; ``scope=global`` ranks all layers together.
"""

from ganbench import hookimpl
from ganbench.pruning import PruningMethod


class GradualMagnitude(PruningMethod):
    name = "gradual"
    description = "|w| pruned along a cubic sparsity curve during fine-tuning (Zhu & Gupta, 2017)"
    scope = "layer"
    schedule = "gradual"

    def score(self, context):
        return {name: weight.detach().abs() for name, weight in context.weights.items()}


@hookimpl
def ganbench_register_methods(register):
    register(GradualMagnitude)
