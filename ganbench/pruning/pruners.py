"""Pruners: one pruning event of a schedule, for each granularity, with the plugin's output checked.

A schedule calls ``prune_to(sparsity)`` once or several times, each time with the cumulative
target as a fraction of the network's original prunable weights. ``MaskPruner`` requests
masks from the method and enforces them through the optimizers. ``ChannelPruner`` requests
the channels to keep and removes the others for real. ``BlockPruner`` requests whole blocks
to remove and replaces them by ``nn.Identity``. Each checks what the plugin returned and the
sparsity reached, and raises ``PluginError`` naming the plugin when either is wrong. Only a
method that declares ``may_miss_target`` may miss the target, and only with a reason, which
is kept in ``PruningContext.sparsity_note``.
"""

from __future__ import annotations

import torch

from ganbench.errors import MethodDeclined, PluginError
from ganbench.pruning.block_method import BlockPruningMethod, BlockSelection
from ganbench.pruning.blocks import remove_block
from ganbench.pruning.channels import STRUCTURED_TOLERANCE, ChannelPruningMethod, validate_keep
from ganbench.pruning.context import PruningContext
from ganbench.pruning.enforce import MaskEnforcer
from ganbench.pruning.method import PruningMethod
from ganbench.pruning.parameters import achieved_sparsity, prunable_weights
from ganbench.pruning.structure import remove_channels

# Largest allowed gap between achieved and target sparsity for unstructured masks.
SPARSITY_TOLERANCE = 0.005


class MaskPruner:
    """Unstructured pruning: bool masks per weight, kept at zero after every optimizer step."""

    tolerance = SPARSITY_TOLERANCE

    def __init__(self, method: PruningMethod, context: PruningContext, plugin: str):
        self.method = method
        self.context = context
        self.plugin = plugin
        self.enforcer = MaskEnforcer(context.weights, context.masks)

    def attach(self, optimizers) -> None:
        """Enforce the masks on ``optimizers`` from now on, replacing earlier optimizers."""
        self.enforcer.detach()
        for optimizer in optimizers:
            self.enforcer.attach(optimizer)

    def prune_to(self, sparsity: float) -> None:
        """Prune to ``sparsity``; weights pruned earlier stay pruned."""
        masks = call_plugin(self.plugin, lambda: self.method.prune(self.context, sparsity))
        masks = check_masks(masks, self.context.weights, self.plugin)
        masks = {name: mask & self.context.masks[name] for name, mask in masks.items()}
        self.enforcer.update(masks)
        self.context.masks = masks
        check_sparsity(self.context, sparsity, self.tolerance, self.plugin)

    def reapply(self) -> None:
        """Zero the pruned weights again, after the weights were overwritten (rewinding)."""
        self.enforcer.apply()

    def masks(self) -> dict[str, torch.Tensor]:
        return dict(self.context.masks)


class StructuralPruner:
    """Base of the pruners that remove parameters for real: nothing is masked afterwards.

    After each removal the context's weights are the remaining prunable weights and its masks
    are all ones, so sparsity is measured against the weight count before any pruning.
    """

    tolerance = STRUCTURED_TOLERANCE

    def __init__(self, method: PruningMethod, context: PruningContext, plugin: str):
        self.method = method
        self.context = context
        self.plugin = plugin
        self.optimizers: tuple = ()

    def attach(self, optimizers) -> None:
        """Remove the optimizer state of removed parameters together with them from now on."""
        self.optimizers = tuple(optimizers)

    def reapply(self) -> None:
        """Do nothing: removed parameters cannot come back."""

    def masks(self) -> dict[str, torch.Tensor]:
        return dict(self.context.masks)

    def _refresh_weights(self) -> None:
        self.context.weights = prunable_weights(self.context.gan, self.context.target)
        self.context.masks = {
            name: torch.ones(weight.shape, dtype=torch.bool)
            for name, weight in self.context.weights.items()
        }


class ChannelPruner(StructuralPruner):
    """Structured pruning: removes output channels and every coupled tensor for real."""

    def prune_to(self, sparsity: float) -> None:
        """Remove channels until the network has about ``1 − sparsity`` of its original weights."""
        groups = self.context.channel_groups
        keep = call_plugin(self.plugin, lambda: self.method.select_channels(self.context, sparsity))
        try:
            keep = validate_keep(keep, groups)
        except ValueError as error:
            raise PluginError(self.plugin, str(error)) from None
        remove_channels(groups, keep, self.optimizers)
        self._refresh_weights()
        check_sparsity(self.context, sparsity, self.tolerance, self.plugin)


class BlockPruner(StructuralPruner):
    """Block pruning: removes whole blocks that the network declares removable."""

    def prune_to(self, sparsity: float) -> None:
        """Remove the blocks the method selects; record its reason when the target is missed."""
        candidates = self.context.removable_blocks
        selection = call_plugin(self.plugin, lambda: self.method.select_blocks(self.context, sparsity))
        if not isinstance(selection, BlockSelection):
            raise PluginError(
                self.plugin, f"select_blocks() must return a BlockSelection, got {type(selection).__name__}"
            )
        unknown = [name for name in selection.remove if name not in candidates]
        if unknown or len(set(selection.remove)) != len(selection.remove):
            raise PluginError(
                self.plugin,
                f"select_blocks() must name distinct removable blocks ({', '.join(candidates)}), "
                f"got {list(selection.remove)}",
            )
        for name in selection.remove:
            remove_block(self.context.gan, name, self.optimizers)
        self._refresh_weights()
        check_sparsity(self.context, sparsity, self.tolerance, self.plugin, selection.reason,
                       self.method.may_miss_target)


def make_pruner(method: PruningMethod, context: PruningContext, plugin: str):
    """Return the pruner for the method's granularity."""
    if method.granularity == "channel":
        if not isinstance(method, ChannelPruningMethod):
            raise PluginError(
                plugin, "granularity 'channel' requires a subclass of ChannelPruningMethod"
            )
        return ChannelPruner(method, context, plugin)
    if method.granularity == "block":
        if not isinstance(method, BlockPruningMethod):
            raise PluginError(
                plugin, "granularity 'block' requires a subclass of BlockPruningMethod"
            )
        return BlockPruner(method, context, plugin)
    if method.granularity == "unstructured":
        return MaskPruner(method, context, plugin)
    raise PluginError(
        plugin, f"unknown granularity {method.granularity!r}; expected unstructured, channel or block"
    )


def check_sparsity(
    context: PruningContext,
    target: float,
    tolerance: float,
    plugin: str,
    reason: str = "",
    may_miss: bool = False,
) -> None:
    """Check the sparsity of the target weights against ``target``.

    Within ``tolerance`` the target counts as reached and ``context.sparsity_note`` is
    cleared. Beyond it, a method that ``may_miss`` the target and gave a ``reason`` has the
    reason recorded in ``context.sparsity_note``; otherwise ``PluginError`` is raised.
    """
    achieved = achieved_sparsity(context.weights, context.initial_weight_count)
    if abs(achieved - target) <= tolerance:
        context.sparsity_note = ""
        return
    if may_miss and reason.strip():
        context.sparsity_note = reason.strip()
        return
    problem = (
        f"reached sparsity {achieved:.4f} instead of the target {target:.4f} "
        f"(allowed difference {tolerance})"
    )
    if may_miss:
        problem += "; a method that may miss its target must say why in its selection"
    raise PluginError(plugin, problem)


def check_masks(masks, weights, plugin: str) -> dict[str, torch.Tensor]:
    """Return ``masks`` as bool tensors, or raise ``PluginError`` naming what is wrong."""
    if not isinstance(masks, dict) or set(masks) != set(weights):
        got = sorted(masks) if isinstance(masks, dict) else type(masks).__name__
        raise PluginError(plugin, f"prune() must return one mask per prunable weight, got {got}")
    checked = {}
    for name, weight in weights.items():
        mask = masks[name]
        if not isinstance(mask, torch.Tensor) or mask.shape != weight.shape:
            shape = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
            raise PluginError(
                plugin, f"mask for {name} has shape {shape}, the weight has {tuple(weight.shape)}"
            )
        if mask.dtype != torch.bool and not bool(((mask == 0) | (mask == 1)).all()):
            raise PluginError(plugin, f"mask for {name} contains values other than 0 and 1")
        checked[name] = mask.to("cpu", torch.bool)
    return checked


def call_plugin(plugin: str, call):
    """Run a method's code; ``MethodDeclined`` passes, anything else becomes ``PluginError``."""
    try:
        return call()
    except (MethodDeclined, PluginError):
        raise
    except Exception as error:
        raise PluginError(plugin, f"{type(error).__name__}: {error}") from error


