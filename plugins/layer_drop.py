"""Layer dropping: remove the hidden layers whose absence hurts the adversarial loss least.

Each block that a target network declares removable (the equal-width hidden layers of the MLP
backbones) is bypassed alone, replaced by the identity. Its score is how much that raises the
quality proxy of the ``sensitivity`` method (``ganbench.pruning.proxy``), the adversarial loss
of the block's network against the trained opponent on fixed batches. The blocks with
the smallest increase are removed, as many in each network as bring its sparsity closest to
the target (``ganbench.pruning.block_method``). The removed blocks leave the network, which
is then fine-tuned with the standard budget. Blocks are scored once, before any is removed.

A run that cannot reach its target (no removable block left, or the next block would
overshoot further than stopping) records its achieved sparsity and the reason in the
``sparsity_note`` column. Networks that declare no removable block, such as the
convolutional backbones, make the method decline.
"""

from ganbench import hookimpl
from ganbench.pruning.block_method import BlockPruningMethod
from ganbench.pruning.blocks import bypassed
from ganbench.pruning.parameters import target_roles
from ganbench.pruning.proxy import AdversarialLossProxy


class LayerDrop(BlockPruningMethod):
    name = "layer-drop"
    description = "structured: removes the hidden layers whose bypass raises the adversarial loss least"
    options = {"samples": 512}

    def score_blocks(self, context):
        scores = {}
        for role in target_roles(context.target):
            blocks = [name for name in context.removable_blocks if name.startswith(role + ".")]
            if not blocks:
                continue
            proxy = AdversarialLossProxy(context, role, self.settings["samples"])
            base = proxy()
            for name in blocks:
                with bypassed(context.gan, name):
                    scores[name] = proxy() - base
        return scores


@hookimpl
def ganbench_register_methods(register):
    register(LayerDrop)
