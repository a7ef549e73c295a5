"""Scaled magnitude: |w| divided by the root mean square of its layer's weights.

Plain magnitude pruning with one global threshold prunes layers with small weights hardest.
Dividing by each layer's RMS compares every weight with its own layer first, while the
threshold stays global. An example of a complete ganbench pruning method.
"""

from ganbench import hookimpl
from ganbench.pruning import PruningMethod


class ScaledMagnitude(PruningMethod):
    name = "scaled-magnitude"
    description = "|w| / RMS of its layer, one global threshold (ganbench example plugin)"

    def score(self, context):
        scores = {}
        for name, weight in context.weights.items():
            magnitude = weight.detach().abs()
            scores[name] = magnitude / magnitude.pow(2).mean().sqrt().clamp_min(1e-12)
        return scores


@hookimpl
def ganbench_register_methods(register):
    register(ScaledMagnitude)
