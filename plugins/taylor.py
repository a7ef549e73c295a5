"""First-order Taylor pruning: score |w · ∂L/∂w|.

The first-order Taylor estimate of the change in the adversarial loss when a weight is set to
zero (Molchanov et al., "Importance estimation for neural network pruning", CVPR 2019, here
per weight). L is the loss of the network that owns the weight, averaged over ``batches``
training batches.
"""

from ganbench import hookimpl
from ganbench.pruning import PruningMethod


class TaylorPruning(PruningMethod):
    name = "taylor"
    description = "first-order Taylor importance |w * dL/dw| (Molchanov et al., 2019)"
    options = {"batches": 1}

    def score(self, context):
        gradients = context.loss_gradients(batches=self.settings["batches"])
        return {
            name: (weight.detach() * gradients[name]).abs()
            for name, weight in context.weights.items()
        }


@hookimpl
def ganbench_register_methods(register):
    register(TaylorPruning)
