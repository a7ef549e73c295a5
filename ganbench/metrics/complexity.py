"""Parameter and FLOP counts of the generator and the discriminator.

Convention: MACs count the multiply-accumulates of ``nn.Linear``, ``nn.Conv*d`` and
``nn.ConvTranspose*d`` layers in a real forward pass of one sample; bias additions,
normalisation, activations and embedding look-ups are not counted. FLOPs = 2 × MACs.

* Linear: (output elements) × in_features.
* Convolution: (output elements) × (in_channels / groups) × kernel volume.
* Transposed convolution: (input elements) × (out_channels / groups) × kernel volume, because
  every input element is multiplied by a whole kernel slice.

*Dense* FLOPs ignore masks. *Effective* FLOPs scale each layer by the fraction of its weight
entries that are non-zero. A structurally pruned network is counted as the smaller network it
is.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganbench.pruning.parameters import PRUNABLE_LAYERS

CONV_TRANSPOSE = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def layer_macs(module: nn.Module, inputs: torch.Tensor, output: torch.Tensor) -> int:
    """Return the MACs of one prunable layer for one sample (batch dimension removed)."""
    batch = output.shape[0]
    if isinstance(module, nn.Linear):
        return output.numel() // batch * module.in_features
    kernel = math.prod(module.kernel_size)
    if isinstance(module, CONV_TRANSPOSE):
        return inputs.numel() // batch * (module.out_channels // module.groups) * kernel
    if isinstance(module, CONV):
        return output.numel() // batch * (module.in_channels // module.groups) * kernel
    raise TypeError(f"no MAC rule for {type(module).__name__}")


def count_flops(network: nn.Module, example_inputs: tuple) -> tuple[int, int]:
    """Return (dense FLOPs, effective FLOPs) of one forward pass of ``network`` per sample.

    ``example_inputs`` are passed to ``network`` as positional arguments; their batch size
    may be anything, the result is per sample. The network runs in evaluation mode without
    gradients, and its mode is restored.
    """
    dense = 0.0
    effective = 0.0

    def hook(module, inputs, output):
        nonlocal dense, effective
        macs = layer_macs(module, inputs[0], output)
        density = float((module.weight != 0).sum()) / module.weight.numel()
        dense += macs
        effective += macs * density

    handles = [
        module.register_forward_hook(hook)
        for module in network.modules()
        if isinstance(module, PRUNABLE_LAYERS)
    ]
    was_training = network.training
    network.eval()
    try:
        with torch.no_grad():
            network(*example_inputs)
    finally:
        for handle in handles:
            handle.remove()
        network.train(was_training)
    return 2 * int(round(dense)), 2 * int(round(effective))


def count_parameters(network: nn.Module) -> tuple[int, int]:
    """Return (total parameters, non-zero parameters) of ``network``, all tensors included."""
    total = sum(parameter.numel() for parameter in network.parameters())
    nonzero = sum(int((parameter != 0).sum()) for parameter in network.parameters())
    return total, nonzero
