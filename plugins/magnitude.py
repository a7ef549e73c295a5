"""Magnitude pruning: score |w|, the L1 criterion.

Han et al., "Learning both weights and connections for efficient neural networks", NeurIPS
2015. The threshold is global across the target network's layers by default; the option
``scope=layer`` prunes every layer to the same sparsity instead.
"""

from ganbench import hookimpl
from ganbench.pruning import PruningMethod


class MagnitudePruning(PruningMethod):
    name = "magnitude"
    description = "weight magnitude |w| (Han et al., 2015); scope=global or layer"

    def score(self, context):
        return {name: weight.detach().abs() for name, weight in context.weights.items()}


@hookimpl
def ganbench_register_methods(register):
    register(MagnitudePruning)
