"""Keeping pruned weights at exactly zero while a network trains.

``MaskEnforcer.attach`` registers a post-step hook on an optimizer. After every step the hook
multiplies each masked weight by its mask and clears the optimizer state at pruned positions
(Adam's first and second moments, SGD's momentum: every state tensor shaped like the weight),
so neither stale momentum nor weight decay can revive a pruned weight.
"""

from __future__ import annotations

import torch
from torch import nn


class MaskEnforcer:
    """Hold binary masks for weights and keep the pruned entries at zero."""

    def __init__(self, weights: dict[str, nn.Parameter], masks: dict[str, torch.Tensor]):
        if set(weights) != set(masks):
            raise ValueError("masks and weights must have the same names")
        self.entries: dict[str, tuple[nn.Parameter, torch.Tensor]] = {}
        for name, weight in weights.items():
            mask = masks[name].to(device=weight.device, dtype=weight.dtype)
            if mask.shape != weight.shape:
                raise ValueError(
                    f"mask for {name} has shape {tuple(mask.shape)}, weight has {tuple(weight.shape)}"
                )
            self.entries[name] = (weight, mask)
        self._by_parameter = {id(weight): mask for weight, mask in self.entries.values()}
        self._handles = []
        self._optimizers: list[torch.optim.Optimizer] = []

    def apply(self) -> None:
        """Zero the pruned entries of every masked weight now."""
        with torch.no_grad():
            for weight, mask in self.entries.values():
                weight.mul_(mask)

    def attach(self, optimizer: torch.optim.Optimizer) -> None:
        """Enforce the masks after every ``optimizer.step()`` and clear its state now."""
        self._enforce(optimizer, weights=False)
        self._handles.append(optimizer.register_step_post_hook(self._after_step))
        self._optimizers.append(optimizer)

    def detach(self) -> None:
        """Remove the hooks registered by ``attach``."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._optimizers.clear()

    def update(self, masks: dict[str, torch.Tensor]) -> None:
        """Replace the masks, zero the newly pruned weights and their optimizer state now."""
        if set(masks) != set(self.entries):
            raise ValueError("new masks must have the same names as the current ones")
        for name, (weight, mask) in self.entries.items():
            new = masks[name].to(device=weight.device, dtype=weight.dtype)
            if new.shape != weight.shape:
                raise ValueError(
                    f"mask for {name} has shape {tuple(new.shape)}, weight has {tuple(weight.shape)}"
                )
            mask.copy_(new)
        self.apply()
        for optimizer in self._optimizers:
            self._enforce(optimizer, weights=False)

    def _after_step(self, optimizer, args, kwargs) -> None:
        self._enforce(optimizer, weights=True)

    def _enforce(self, optimizer: torch.optim.Optimizer, weights: bool) -> None:
        with torch.no_grad():
            for group in optimizer.param_groups:
                for parameter in group["params"]:
                    mask = self._by_parameter.get(id(parameter))
                    if mask is None:
                        continue
                    if weights:
                        parameter.mul_(mask)
                    for value in optimizer.state.get(parameter, {}).values():
                        if isinstance(value, torch.Tensor) and value.shape == parameter.shape:
                            value.mul_(mask)

    def masks(self) -> dict[str, torch.Tensor]:
        return {name: mask for name, (_, mask) in self.entries.items()}
