"""Structured (channel) pruning: the method contract and the choice of channels to keep.

Target sparsity means the same thing as for unstructured pruning: the fraction of the
target network's original prunable weights that are gone. Removing one output channel of a
hidden layer removes a row of that layer's weight and a column of the next layer's weight,
so the weights a channel is worth depend on the layer and on what else is removed. The
allocation functions below count weights exactly with ``weight_count`` and stop at the kept
set whose weight count is closest to the budget ``round((1 − sparsity) · original count)``.
Every group keeps at least one channel, because removing a whole layer is a different
operation. The channel granularity therefore limits the sparsity a network can reach; a
method asked for more than ``max_sparsity`` allows (beyond ``STRUCTURED_TOLERANCE``) declines.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch

from ganbench.errors import MethodDeclined
from ganbench.pruning.method import PruningMethod
from ganbench.pruning.structure import ChannelGroup, UnsupportedStructure, weight_layout

# Largest allowed gap between achieved and target sparsity for channel granularity.
STRUCTURED_TOLERANCE = 0.02


class ChannelPruningMethod(PruningMethod):
    """Base class of structured methods that remove whole output channels or neurons.

    Implement ``score_channels``; the core chooses the channels to keep with the ``scope``
    option (``global``: one ranking across layers; ``layer``: the same fraction of channels
    in every layer), removes them from the network together with every coupled tensor, and
    fine-tunes the smaller network. Override ``select_channels`` to choose the kept channels
    in another way. The output layer is never pruned.
    """

    granularity: ClassVar[str] = "channel"
    schedules: ClassVar[tuple[str, ...]] = ("one-shot", "iterative", "gradual")

    def check(self, context) -> None:
        """Decline when the target network's layout does not allow channel removal."""
        try:
            groups = context.channel_groups
        except UnsupportedStructure as error:
            raise MethodDeclined(str(error)) from None
        if not groups:
            raise MethodDeclined(f"the {context.target} network has no hidden layer to prune")

    def score_channels(self, context) -> dict[str, torch.Tensor]:
        """Return a score per output channel of every group; low scores are removed first.

        Keys are the group names (``group.name`` of ``context.channel_groups``, the
        producing layer's weight name) and each value has shape ``(group.channels,)``.
        Scores must be finite. Scoring must not change the networks.
        """
        raise NotImplementedError(
            f"pruning method {self.name!r} must implement score_channels() or override "
            "select_channels()"
        )

    def select_channels(self, context, sparsity: float) -> dict[str, torch.Tensor]:
        """Return a bool keep mask of shape ``(group.channels,)`` per group.

        ``sparsity`` is relative to the network as it was before any pruning
        (``context.initial_weight_count``). The default validates the channel scores and
        allocates them with ``allocate_channels``. Raises ``MethodDeclined`` when the channel
        granularity cannot reach ``sparsity``.
        """
        groups = context.channel_groups
        scores = validate_channel_scores(self.score_channels(context), groups)
        return allocate_channels(
            groups, context.weights, scores, sparsity, context.initial_weight_count,
            self.settings["scope"],
        )

    def prune(self, context, sparsity):
        raise TypeError(
            f"{self.name!r} is a channel method: the core calls select_channels(), not prune()"
        )


def validate_channel_scores(scores: object, groups: list[ChannelGroup]) -> dict[str, torch.Tensor]:
    """Return channel scores as float64 CPU tensors after checking them against ``groups``.

    Raises ValueError naming the problem when scores are not a dict with exactly the groups'
    names, a score has the wrong shape, or a score is NaN or infinite.
    """
    if not isinstance(scores, dict):
        raise ValueError(
            f"channel scores must be a dict mapping layer names to tensors, got {type(scores).__name__}"
        )
    names = [group.name for group in groups]
    missing = [name for name in names if name not in scores]
    unexpected = [name for name in scores if name not in names]
    if missing or unexpected:
        raise ValueError(
            f"channel scores must cover exactly the hidden layers; missing {missing}, "
            f"unexpected {unexpected}"
        )
    checked = {}
    for group in groups:
        score = scores[group.name]
        if not isinstance(score, torch.Tensor):
            raise ValueError(f"channel score for {group.name} is a {type(score).__name__}, not a tensor")
        if tuple(score.shape) != (group.channels,):
            raise ValueError(
                f"channel score for {group.name} has shape {tuple(score.shape)}, but the layer "
                f"has {group.channels} output channels: expected shape ({group.channels},)"
            )
        score = score.detach().to("cpu", torch.float64)
        bad = int((~torch.isfinite(score)).sum())
        if bad:
            raise ValueError(f"channel score for {group.name} has {bad} NaN or infinite entries")
        checked[group.name] = score
    return checked


def validate_keep(keep: object, groups: list[ChannelGroup]) -> dict[str, torch.Tensor]:
    """Return keep masks as bool tensors after checking names, shapes and values.

    Raises ValueError naming the problem, including a group that would keep no channel.
    """
    if not isinstance(keep, dict) or set(keep) != {group.name for group in groups}:
        got = sorted(keep) if isinstance(keep, dict) else type(keep).__name__
        raise ValueError(f"select_channels() must return one keep mask per hidden layer, got {got}")
    checked = {}
    for group in groups:
        mask = keep[group.name]
        if not isinstance(mask, torch.Tensor) or tuple(mask.shape) != (group.channels,):
            shape = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
            raise ValueError(
                f"keep mask for {group.name} has shape {shape}, expected ({group.channels},)"
            )
        if mask.dtype != torch.bool and not bool(((mask == 0) | (mask == 1)).all()):
            raise ValueError(f"keep mask for {group.name} contains values other than 0 and 1")
        mask = mask.to("cpu", torch.bool)
        if not bool(mask.any()):
            raise ValueError(f"keep mask for {group.name} removes every channel of the layer")
        checked[group.name] = mask
    return checked


def weight_count(layout: dict, kept: dict[str, int]) -> int:
    """Return the number of prunable weights when each group keeps ``kept[group]`` channels."""
    total = 0
    for fixed_in, fixed_out, kernel, in_group, out_group in layout.values():
        inputs = fixed_in + (kept[in_group] if in_group else 0)
        outputs = fixed_out + (kept[out_group] if out_group else 0)
        total += inputs * outputs * kernel
    return total


def max_sparsity(groups: list[ChannelGroup], weights: dict, initial_count: int) -> float:
    """Return the largest sparsity channel removal reaches: one channel left in every group."""
    layout = weight_layout(groups, weights)
    least = weight_count(layout, {group.name: 1 for group in groups})
    return 1.0 - least / initial_count


def allocate_channels(
    groups: list[ChannelGroup],
    weights: dict,
    scores: dict[str, torch.Tensor],
    sparsity: float,
    initial_count: int,
    scope: str,
) -> dict[str, torch.Tensor]:
    """Return keep masks whose weight count is closest to ``(1 − sparsity) · initial_count``.

    ``global`` removes channels in ascending score order across all groups (ties by group
    order, then position). ``layer`` removes the same fraction of channels from every group,
    each group's lowest-scored ones. Raises ``MethodDeclined`` when even one channel per group
    leaves the sparsity more than ``STRUCTURED_TOLERANCE`` below the target.
    """
    layout = weight_layout(groups, weights)
    budget = int(math.floor((1.0 - sparsity) * initial_count + 0.5))
    reachable = 1.0 - weight_count(layout, {group.name: 1 for group in groups}) / initial_count
    if reachable < sparsity - STRUCTURED_TOLERANCE:
        raise MethodDeclined(
            f"channel granularity reaches at most sparsity {reachable:.4f} on this network "
            f"(one channel left per hidden layer), below the target {sparsity:.4f}"
        )
    if scope == "global":
        removed = _global_removal(groups, layout, scores, budget)
    elif scope == "layer":
        removed = _layer_removal(groups, layout, scores, budget)
    else:
        raise ValueError(f"unknown scope {scope!r}; expected global or layer")
    keep = {}
    for group in groups:
        mask = torch.ones(group.channels, dtype=torch.bool)
        mask[removed[group.name]] = False
        keep[group.name] = mask
    return keep


def _global_removal(groups, layout, scores, budget) -> dict[str, list[int]]:
    kept = {group.name: group.channels for group in groups}
    removed: dict[str, list[int]] = {group.name: [] for group in groups}
    order = sorted(
        (float(scores[group.name][channel]), group_index, channel)
        for group_index, group in enumerate(groups)
        for channel in range(group.channels)
    )
    count = weight_count(layout, kept)
    for _, group_index, channel in order:
        if count <= budget:
            break
        name = groups[group_index].name
        if kept[name] == 1:
            continue
        previous = count
        kept[name] -= 1
        count = weight_count(layout, kept)
        removed[name].append(channel)
        if count <= budget and budget - count > previous - budget:
            # Removing this channel overshoots further than stopping short of the budget.
            kept[name] += 1
            removed[name].pop()
            break
    return removed


def _layer_removal(groups, layout, scores, budget) -> dict[str, list[int]]:
    def kept_at(fraction: float) -> dict[str, int]:
        return {
            group.name: max(1, group.channels - int(math.floor(fraction * group.channels + 0.5)))
            for group in groups
        }

    fractions = sorted(
        {0.0} | {index / group.channels for group in groups for index in range(1, group.channels + 1)}
    )
    best = min(fractions, key=lambda fraction: (abs(weight_count(layout, kept_at(fraction)) - budget), fraction))
    kept = kept_at(best)
    removed = {}
    for group in groups:
        order = torch.argsort(scores[group.name], stable=True)
        removed[group.name] = order[: group.channels - kept[group.name]].tolist()
    return removed
