"""Network slimming: structured pruning by the BatchNorm scale γ of each channel.

Liu, Li, Shen, Huang, Yan & Zhang, "Learning efficient convolutional networks through network
slimming", ICCV 2017. A channel's score is |γ| of the BatchNorm that follows its layer; one
global threshold ranks all channels, as in the paper. The paper trains with an L1 penalty on γ
first; here the dense baseline is pruned as trained, like every other method. Only layers
followed by BatchNorm lose channels. The method declines when the target network has no
BatchNorm (the WGAN-GP critic, MLP discriminators).
"""

import torch

from ganbench import hookimpl
from ganbench.errors import MethodDeclined
from ganbench.pruning.channels import ChannelPruningMethod, allocate_channels, validate_channel_scores


class ChannelBatchNorm(ChannelPruningMethod):
    name = "channel-bn"
    description = "structured: BatchNorm scale |gamma| per channel, network slimming (Liu et al., 2017)"

    def check(self, context):
        super().check(context)
        if not any(group.norm is not None for group in context.channel_groups):
            raise MethodDeclined(
                f"the {context.target} network has no BatchNorm after its hidden layers, so "
                "there are no scale factors to rank"
            )

    def score_channels(self, context):
        return {
            group.name: group.norm.weight.detach().abs()
            for group in context.channel_groups
            if group.norm is not None
        }

    def select_channels(self, context, sparsity):
        # Layers without BatchNorm keep every channel; their channels count as fixed.
        groups = [group for group in context.channel_groups if group.norm is not None]
        scores = validate_channel_scores(self.score_channels(context), groups)
        keep = allocate_channels(
            groups, context.weights, scores, sparsity, context.initial_weight_count,
            self.settings["scope"],
        )
        for group in context.channel_groups:
            keep.setdefault(group.name, torch.ones(group.channels, dtype=torch.bool))
        return keep


@hookimpl
def ganbench_register_methods(register):
    register(ChannelBatchNorm)
