"""Structured pruning by the L1 norm of each output channel's filter.

Li, Kadav, Durdanovic, Samet & Graf, "Pruning filters for efficient ConvNets", ICLR 2017.
A channel's score is Σ|w| over its filter (a weight row of a linear layer, the output-channel
slice of a convolution or transposed convolution). As in the paper, every layer loses the
same fraction of its channels by default (``scope=layer``); ``scope=global`` ranks all
channels together. Removed channels leave the network, with their BatchNorm features and the
next layer's matching inputs.
"""

from ganbench import hookimpl
from ganbench.pruning.channels import ChannelPruningMethod
from ganbench.pruning.structure import output_dim


class ChannelL1(ChannelPruningMethod):
    name = "channel-l1"
    description = "structured: L1 norm of each output channel's filter (Li et al., 2017)"
    scope = "layer"

    def score_channels(self, context):
        scores = {}
        for group in context.channel_groups:
            weight = group.producer.weight.detach()
            dim = output_dim(group.producer)
            scores[group.name] = weight.abs().transpose(0, dim).flatten(1).sum(dim=1)
        return scores


@hookimpl
def ganbench_register_methods(register):
    register(ChannelL1)
