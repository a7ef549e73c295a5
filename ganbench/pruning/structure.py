"""Channel structure of a backbone, and the surgery that removes channels for real.

A *channel group* is the set of output channels (neurons, for linear layers) of one hidden
layer, together with every tensor that must follow when one of them is removed:

* the producing layer's weight rows and bias entries (dimension 0 of ``nn.Linear`` and
  ``nn.Conv*d`` weights, dimension 1 of ``nn.ConvTranspose*d`` weights, whose layout is
  ``(in, out, *kernel)``);
* the BatchNorm that follows it: affine parameters and running statistics;
* the input channels of the next prunable layer (dimension 1, or 0 for a transposed
  convolution), at the offset where the channels enter that layer's input.

Groups are found by walking the backbone layout of ``ganbench.models.backbones``:
``embedding``, ``stem``, ``blocks`` and ``head``. The head is the output layer and never
produces a group, so output shapes never change. The stem's input (latent vector, or image,
concatenated with the label embedding) is never pruned either, so the embedding keeps its
width. Within a block, only elementwise modules (activations, dropout) may follow the layer
and its BatchNorm, because anything else could mix channels.

``remove_channels`` replaces each affected parameter by a new ``nn.Parameter`` holding the
kept slice (a new tensor, so no autograd node cached for the old shape is reused) and puts it
in the optimizers' parameter groups in place of the old one. Their per-entry state (Adam
moments, SGD momentum) is sliced alongside, so fine-tuning continues from the baseline's
optimizer state for every kept weight. Anyone holding references to the old parameters
(``PruningContext.weights``) must fetch them again.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ganbench.models.family import GAN
from ganbench.pruning.parameters import PRUNABLE_LAYERS, target_roles

CONV_TRANSPOSE = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
BATCH_NORM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
ELEMENTWISE = (
    nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Tanh, nn.Sigmoid, nn.PReLU,
    nn.Dropout, nn.Identity,
)


class UnsupportedStructure(ValueError):
    """A network does not follow the backbone layout that channel surgery can walk."""


@dataclass(frozen=True, eq=False)
class ChannelGroup:
    """The output channels of one hidden layer and the tensors coupled to them.

    ``name`` is the qualified name of the producing layer's weight (for example
    ``generator.stem.0.weight``), the same key ``PruningContext.weights`` uses.
    ``consumer_offset`` is the index of the group's first channel in the consumer's input.
    ``norm`` is ``None`` when no BatchNorm follows the layer.
    """

    name: str
    role: str
    producer: nn.Module
    norm: nn.Module | None
    consumer: nn.Module
    consumer_name: str
    consumer_offset: int = 0

    @property
    def channels(self) -> int:
        """The current number of output channels of the producing layer."""
        return output_channels(self.producer)


def output_channels(layer: nn.Module) -> int:
    """Return the number of output channels (or features) of a prunable layer."""
    return layer.weight.shape[output_dim(layer)]


def output_dim(layer: nn.Module) -> int:
    """Return the weight dimension that indexes output channels: 1 for transposed convolutions."""
    return 1 if isinstance(layer, CONV_TRANSPOSE) else 0


def input_dim(layer: nn.Module) -> int:
    """Return the weight dimension that indexes input channels: 0 for transposed convolutions."""
    return 0 if isinstance(layer, CONV_TRANSPOSE) else 1


def channel_groups(gan: GAN, target: str) -> list[ChannelGroup]:
    """Return the channel groups of the target network(s), from the input towards the output.

    Raises ``UnsupportedStructure`` naming the module when a network does not follow the
    embedding/stem/blocks/head layout, or uses grouped convolutions.
    """
    groups = []
    for role in target_roles(target):
        network = gan.network(role)
        stages = _stages(network, role)
        for index, (name, block) in enumerate(stages[:-1]):
            producer = block[0]
            norm = _norm_after(block, f"{role}.{name}")
            next_name, next_block = stages[index + 1]
            consumer = next_block[0] if isinstance(next_block, nn.Sequential) else next_block
            consumer_name = f"{role}.{next_name}" + (".0" if isinstance(next_block, nn.Sequential) else "")
            groups.append(
                ChannelGroup(
                    name=f"{role}.{name}.0.weight",
                    role=role,
                    producer=producer,
                    norm=norm,
                    consumer=consumer,
                    consumer_name=f"{consumer_name}.weight",
                )
            )
    return groups


def _stages(network: nn.Module, role: str) -> list[tuple[str, nn.Module]]:
    """Return [(name, stem), (name, block), ..., (name, head)] after checking the layout."""
    stem = getattr(network, "stem", None)
    blocks = getattr(network, "blocks", None)
    head = getattr(network, "head", None)
    if not isinstance(stem, nn.Sequential) or not isinstance(blocks, nn.ModuleList) or head is None:
        raise UnsupportedStructure(
            f"the {role} ({type(network).__name__}) does not have the stem/blocks/head layout "
            "of ganbench.models.backbones, so its channels cannot be removed"
        )
    stages: list[tuple[str, nn.Module]] = [("stem", stem)]
    stages += [(f"blocks.{index}", block) for index, block in enumerate(blocks)]
    stages.append(("head", head))
    for name, stage in stages:
        layer = stage[0] if isinstance(stage, nn.Sequential) and len(stage) else stage
        if not isinstance(layer, PRUNABLE_LAYERS):
            raise UnsupportedStructure(
                f"{role}.{name} does not start with a linear or convolution layer "
                f"(found {type(layer).__name__}), so its channels cannot be removed"
            )
        if getattr(layer, "groups", 1) != 1:
            raise UnsupportedStructure(
                f"{role}.{name} is a grouped convolution (groups={layer.groups}); channel "
                "removal supports groups=1 only"
            )
    return stages


def _norm_after(block: nn.Module, where: str) -> nn.Module | None:
    if not isinstance(block, nn.Sequential):
        raise UnsupportedStructure(f"{where} is not an nn.Sequential block")
    norm = None
    for module in list(block)[1:]:
        if isinstance(module, BATCH_NORM) and norm is None:
            norm = module
        elif not isinstance(module, ELEMENTWISE):
            raise UnsupportedStructure(
                f"{where} contains {type(module).__name__} after its layer; only one BatchNorm "
                "and elementwise modules may follow a layer whose channels are removed"
            )
    return norm


def remove_channels(
    groups: list[ChannelGroup],
    keep: dict[str, torch.Tensor],
    optimizers: tuple[torch.optim.Optimizer, ...] = (),
) -> None:
    """Remove, in place, every channel whose ``keep`` entry is False.

    ``keep`` maps each group's name to a bool tensor of shape ``(group.channels,)`` with at
    least one True entry. Every coupled tensor of ``groups`` is sliced, the layers' size
    attributes are updated, and the per-entry state that ``optimizers`` hold for the sliced
    parameters is sliced the same way.
    """
    for group in groups:
        mask = keep[group.name]
        if mask.shape != (group.channels,) or not bool(mask.any()):
            raise ValueError(
                f"keep mask for {group.name} must be a bool tensor of shape ({group.channels},) "
                f"with at least one kept channel, got shape {tuple(mask.shape)}"
            )

    for group in groups:
        index = torch.nonzero(keep[group.name].to(torch.bool)).flatten()
        if len(index) == group.channels:
            continue
        consumer_index = _input_index(group, index)

        # The producing layer loses output channels: weight rows and bias entries.
        producer = group.producer
        _select(producer, "weight", output_dim(producer), index, optimizers)
        if producer.bias is not None:
            _select(producer, "bias", 0, index, optimizers)
        _set_size(producer, out=len(index))

        # The BatchNorm after it loses the same features and their running statistics.
        if group.norm is not None:
            _slice_norm(group.norm, index, optimizers)

        # The next layer loses the matching input channels.
        consumer = group.consumer
        _select(consumer, "weight", input_dim(consumer), consumer_index, optimizers)
        _set_size(consumer, inputs=len(consumer_index))


def _input_index(group: ChannelGroup, index: torch.Tensor) -> torch.Tensor:
    """Return the consumer's input channels to keep: the group's kept ones plus all others."""
    total = group.consumer.weight.shape[input_dim(group.consumer)]
    before = torch.arange(group.consumer_offset)
    after = torch.arange(group.consumer_offset + group.channels, total)
    return torch.cat([before, index + group.consumer_offset, after])


def _select(
    module: nn.Module, attribute: str, dim: int, index: torch.Tensor, optimizers: tuple
) -> None:
    old = getattr(module, attribute)
    sliced = old.detach().index_select(dim, index.to(old.device)).clone()
    new = nn.Parameter(sliced, requires_grad=old.requires_grad)
    setattr(module, attribute, new)
    for optimizer in optimizers:
        for param_group in optimizer.param_groups:
            param_group["params"] = [new if parameter is old else parameter for parameter in param_group["params"]]
        state = optimizer.state.pop(old, None)
        if not state:
            continue
        for key, value in state.items():
            if isinstance(value, torch.Tensor) and value.shape == old.shape:
                state[key] = value.index_select(dim, index.to(value.device)).clone()
        optimizer.state[new] = state


def _slice_norm(norm: nn.Module, index: torch.Tensor, optimizers: tuple) -> None:
    if norm.weight is not None:
        _select(norm, "weight", 0, index, optimizers)
    if norm.bias is not None:
        _select(norm, "bias", 0, index, optimizers)
    for name in ("running_mean", "running_var"):
        buffer = getattr(norm, name)
        if buffer is not None:
            setattr(norm, name, buffer.index_select(0, index.to(buffer.device)).clone())
    norm.num_features = len(index)


def _set_size(layer: nn.Module, out: int | None = None, inputs: int | None = None) -> None:
    if isinstance(layer, nn.Linear):
        if out is not None:
            layer.out_features = out
        if inputs is not None:
            layer.in_features = inputs
        return
    if out is not None:
        layer.out_channels = out
    if inputs is not None:
        layer.in_channels = inputs


def weight_layout(groups: list[ChannelGroup], weights: dict[str, torch.Tensor]) -> dict:
    """Describe every prunable weight for channel arithmetic.

    Returns a mapping from weight name to ``(fixed_in, fixed_out, kernel, in_group,
    out_group)``: the input and output channels that no group controls, the kernel volume,
    and the names of the groups that feed and produce the layer (``None`` when there is
    none). The number of entries of a weight is then ``(fixed_in + kept[in_group]) ×
    (fixed_out + kept[out_group]) × kernel``.
    """
    modules = {group.name: group.producer for group in groups}
    modules.update({group.consumer_name: group.consumer for group in groups})
    produced = {group.name: group for group in groups}
    consumed = {group.consumer_name: group for group in groups}

    layout = {}
    for name, weight in weights.items():
        module = modules.get(name)
        kernel = weight.numel() // (weight.shape[0] * weight.shape[1])
        if module is None:
            layout[name] = (weight.shape[1], weight.shape[0], kernel, None, None)
            continue
        in_group = consumed.get(name)
        out_group = produced.get(name)
        fixed_in = weight.shape[input_dim(module)] - (in_group.channels if in_group else 0)
        fixed_out = weight.shape[output_dim(module)] - (out_group.channels if out_group else 0)
        layout[name] = (
            fixed_in,
            fixed_out,
            kernel,
            in_group.name if in_group else None,
            out_group.name if out_group else None,
        )
    return layout
