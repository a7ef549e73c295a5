"""Hierarchical pruning: layer by layer from the deepest prunable layer towards the input.

The deepest layer loses its lowest-|w| weights up to ``cap`` (a fraction of that layer), then
the next layer up, and so on until the target is reached; the last layer touched is pruned
only as far as needed, and the layers nearer the input keep all their weights. For target
``both``, the generator's layers come first. The within-layer criterion is the magnitude
criterion of Han, Pool, Tran & Dally ("Learning both weights and connections for efficient
neural networks", NeurIPS 2015). No single paper defines this allocation order: it is
ganbench's control for the question of whether concentrating sparsity near the output is
better than spreading it. Targets above ``cap`` (default 0.95) are unreachable and the method
declines them.
"""

import math


from ganbench import hookimpl
from ganbench.errors import MethodDeclined
from ganbench.pruning import PruningMethod
from ganbench.pruning.masks import keep_largest
from ganbench.pruning.parameters import target_roles


# A shortfall the core's sparsity check accepts: the cap is a floor per layer, so a target
# equal to the cap falls short by a few weights of rounding.
SHORTFALL_ALLOWED = 0.001


class HierarchicalPruning(PruningMethod):
    name = "hierarchical"
    description = "|w| layer by layer from the deepest layer towards the input, each up to a cap"
    schedules = ("one-shot",)
    options = {"cap": 0.95}

    def prune(self, context, sparsity):
        cap = self.settings["cap"]
        if not 0.0 < cap <= 1.0:
            raise ValueError(f"option cap must be in (0, 1], got {cap}")
        remaining = int(math.floor(sparsity * context.initial_weight_count + 0.5))
        masks = {}
        for name in _deepest_first(context):
            weight = context.weights[name]
            take = min(int(math.floor(cap * weight.numel())), remaining)
            masks[name] = keep_largest(weight.detach().abs(), weight.numel() - take)
            remaining -= take
        if remaining > SHORTFALL_ALLOWED * context.initial_weight_count:
            raise MethodDeclined(
                f"the per-layer cap {cap} reaches at most sparsity "
                f"{sparsity - remaining / context.initial_weight_count:.4f}, below the target "
                f"{sparsity:.4f}; raise the option cap"
            )
        return masks


def _deepest_first(context):
    names = []
    for role in target_roles(context.target):
        layers = [name for name in context.weights if name.startswith(role + ".")]
        names += reversed(layers)
    return names


@hookimpl
def ganbench_register_methods(register):
    register(HierarchicalPruning)
