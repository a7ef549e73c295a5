"""SNIP: connection sensitivity |w · ∂L/∂w| at initialization, then training from scratch.

Lee, Ajanthan & Torr, "SNIP: Single-shot network pruning based on connection sensitivity",
ICLR 2019. The networks are initialised as the dense baseline was (same seed), the weights are
scored on the adversarial loss averaged over ``batches`` training batches, the lowest scores
are pruned once, and the sparse GAN is trained from scratch for the dense baseline's whole
budget with fresh optimizers. SNIP divides the scores by their sum; that does not change a
ranking, so it is left out.
"""

from ganbench import hookimpl
from ganbench.pruning import PruningMethod


class SNIP(PruningMethod):
    name = "snip"
    description = "connection sensitivity |w * dL/dw| at initialization, trained from scratch (Lee et al., 2019)"
    starts_from = "initialization"
    schedules = ("one-shot",)
    options = {"batches": 1}

    def score(self, context):
        gradients = context.loss_gradients(batches=self.settings["batches"])
        return {
            name: (weight.detach() * gradients[name]).abs()
            for name, weight in context.weights.items()
        }


@hookimpl
def ganbench_register_methods(register):
    register(SNIP)
