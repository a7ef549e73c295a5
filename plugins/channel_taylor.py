"""Structured pruning by first-order Taylor importance of each channel.

Molchanov, Mallya, Tyree, Frosio & Kautz, "Importance estimation for neural network
pruning", CVPR 2019. The importance of a channel on one batch is (Σ p · ∂L/∂p)², summed over
the channel's parameters: its filter, its bias and, where a BatchNorm follows, its γ and β.
It is averaged over ``batches`` training batches. L is the adversarial loss of the network
that owns the layer. One global ranking across layers, as in the paper.
"""

import torch

from ganbench import hookimpl
from ganbench.pruning.channels import ChannelPruningMethod
from ganbench.pruning.structure import output_dim


class ChannelTaylor(ChannelPruningMethod):
    name = "channel-taylor"
    description = "structured: first-order Taylor importance per channel over batches (Molchanov et al., 2019)"
    options = {"batches": 8}

    def score_channels(self, context):
        groups = context.channel_groups
        parameters = {}
        for index, group in enumerate(groups):
            for part, parameter in _channel_parameters(group).items():
                parameters[f"{group.role}.{index}.{part}"] = parameter

        totals = {group.name: torch.zeros(group.channels, dtype=torch.float64) for group in groups}
        for _ in range(self.settings["batches"]):
            gradients = context.parameter_gradients(parameters, batches=1)
            for index, group in enumerate(groups):
                contribution = torch.zeros(group.channels, dtype=torch.float64)
                for part, parameter in _channel_parameters(group).items():
                    product = (parameter.detach() * gradients[f"{group.role}.{index}.{part}"]).double()
                    if part == "weight":
                        product = product.transpose(0, output_dim(group.producer)).flatten(1).sum(dim=1)
                    contribution += product
                totals[group.name] += contribution**2
        return {name: total / self.settings["batches"] for name, total in totals.items()}


def _channel_parameters(group):
    """Return the parameters whose entries belong to the group's channels, by part name."""
    parts = {"weight": group.producer.weight}
    if group.producer.bias is not None:
        parts["bias"] = group.producer.bias
    if group.norm is not None and group.norm.weight is not None:
        parts["norm_weight"] = group.norm.weight
        parts["norm_bias"] = group.norm.bias
    return parts


@hookimpl
def ganbench_register_methods(register):
    register(ChannelTaylor)
