"""Gradient pruning: score |∂L/∂w| of the adversarial loss.

L is the loss of the network that owns the weight (the generator loss for generator weights,
the discriminator loss for discriminator weights), averaged over ``batches`` batches of the
training batch size. Weights whose loss gradient is smallest are pruned first. This is the
first-order sensitivity criterion of Mozer & Smolensky ("Skeletonization", NeurIPS 1988)
without the weight factor; ``taylor`` multiplies by the weight.
"""

from ganbench import hookimpl
from ganbench.pruning import PruningMethod


class GradientPruning(PruningMethod):
    name = "gradient"
    description = "adversarial-loss gradient magnitude |dL/dw|"
    options = {"batches": 1}

    def score(self, context):
        gradients = context.loss_gradients(batches=self.settings["batches"])
        return {name: gradient.abs() for name, gradient in gradients.items()}


@hookimpl
def ganbench_register_methods(register):
    register(GradientPruning)
