"""Small-dense: the narrower dense network a pruning claim must beat.

Liu, Sun, Zhou, Huang & Darrell, "Rethinking the value of network pruning", ICLR 2019. Every
hidden layer of the target network(s) is narrowed by the same factor so that the narrow
network has as many prunable weights as a pruned network at the target sparsity has non-zero
ones (within the channel granularity). It is initialised afresh, with the initialisation of
its own width, and trained from scratch with the dense baseline's whole budget together with
a freshly initialised opponent.
"""

import itertools
import math

import torch

from ganbench import hookimpl
from ganbench.errors import MethodDeclined
from ganbench.pruning.channels import (
    STRUCTURED_TOLERANCE, ChannelPruningMethod, max_sparsity, weight_count,
)
from ganbench.pruning.structure import weight_layout


class SmallDense(ChannelPruningMethod):
    name = "small-dense"
    description = "narrower dense network with as many weights as the pruned one, trained from scratch (Liu et al., 2019)"
    starts_from = "initialization"
    reinitialize = True
    schedules = ("one-shot",)

    def select_channels(self, context, sparsity):
        groups = context.channel_groups
        reachable = max_sparsity(groups, context.weights, context.initial_weight_count)
        if reachable < sparsity - STRUCTURED_TOLERANCE:
            raise MethodDeclined(
                f"a network with one channel per hidden layer has sparsity {reachable:.4f}, "
                f"below the target {sparsity:.4f}"
            )
        widths = uniform_widths(
            groups, weight_layout(groups, context.weights),
            int(math.floor((1.0 - sparsity) * context.initial_weight_count + 0.5)),
        )
        keep = {}
        for group in groups:
            mask = torch.zeros(group.channels, dtype=torch.bool)
            mask[: widths[group.name]] = True
            keep[group.name] = mask
        return keep


def uniform_widths(groups, layout, budget: int) -> dict[str, int]:
    """Return the channels per group whose weight count is closest to ``budget``.

    Every group keeps a fraction α of its channels, rounded down or up per group; α and the
    roundings are searched exhaustively (the number of groups is small), ties going to the
    wider network.
    """
    best = None
    fractions = sorted({index / group.channels for group in groups for index in range(1, group.channels + 1)})
    for fraction in fractions:
        choices = []
        for group in groups:
            exact = fraction * group.channels
            options = {max(1, min(group.channels, math.floor(exact))), max(1, min(group.channels, math.ceil(exact)))}
            choices.append(sorted(options))
        for widths in itertools.product(*choices):
            kept = {group.name: width for group, width in zip(groups, widths)}
            count = weight_count(layout, kept)
            candidate = (abs(count - budget), -count, kept)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    return best[2]


@hookimpl
def ganbench_register_methods(register):
    register(SmallDense)
