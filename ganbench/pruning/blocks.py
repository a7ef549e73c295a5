"""Removable blocks of a network, and the surgery that takes a block out for real.

A network declares the blocks that may be removed with a ``removable_blocks()`` method that
returns their qualified names relative to the network (see ``ganbench.models.backbones``).
Each declared block maps its input to an output of the same shape, so replacing it by
``nn.Identity`` leaves a working network with unchanged inputs and outputs. A network without
that method declares no removable block. Here blocks are named from the GAN, with the role
first: ``generator.blocks.1``.

``remove_block`` replaces a block by ``nn.Identity`` and drops its parameters from the
optimizers, so the network is physically smaller: its parameter and FLOP counts and its
latency no longer include the block. ``bypassed`` does the same temporarily, for scoring.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import nn

from ganbench.models.family import GAN
from ganbench.pruning.parameters import PRUNABLE_LAYERS, target_roles


def removable_blocks(gan: GAN, target: str) -> list[str]:
    """Return the qualified names of the removable blocks of the target network(s).

    A declared block that has already been replaced by ``nn.Identity`` is left out.

    Raises ValueError naming the network when its declaration lists a name that is not one
    of its submodules, lists the network itself, or lists a name twice.
    """
    names = []
    for role in target_roles(target):
        network = gan.network(role)
        declare = getattr(network, "removable_blocks", None)
        if declare is None:
            continue
        declared = list(declare())
        if len(set(declared)) != len(declared):
            raise ValueError(f"{role} ({type(network).__name__}).removable_blocks() lists a block twice: {declared}")
        for name in declared:
            if not isinstance(name, str) or not name:
                raise ValueError(
                    f"{role} ({type(network).__name__}).removable_blocks() must return submodule "
                    f"names such as 'blocks.0', got {name!r}"
                )
            try:
                block = network.get_submodule(name)
            except AttributeError:
                raise ValueError(
                    f"{role} ({type(network).__name__}).removable_blocks() lists {name!r}, "
                    "which is not a submodule of the network"
                ) from None
            if not isinstance(block, nn.Identity):
                names.append(f"{role}.{name}")
    return names


def block_module(gan: GAN, name: str) -> nn.Module:
    """Return the module of the block ``name`` (``role.path``)."""
    role, path = _split(name)
    return gan.network(role).get_submodule(path)


def block_weight_count(gan: GAN, name: str) -> int:
    """Return the number of prunable weights inside the block ``name``."""
    return sum(
        module.weight.numel()
        for module in block_module(gan, name).modules()
        if isinstance(module, PRUNABLE_LAYERS)
    )


def remove_block(gan: GAN, name: str, optimizers: tuple[torch.optim.Optimizer, ...] = ()) -> None:
    """Replace the block ``name`` by ``nn.Identity`` and drop its parameters from ``optimizers``.

    The parameters leave every parameter group together with their optimizer state.
    """
    block = block_module(gan, name)
    removed = {id(parameter) for parameter in block.parameters()}
    role, path = _split(name)
    gan.network(role).set_submodule(path, nn.Identity())
    for optimizer in optimizers:
        for group in optimizer.param_groups:
            group["params"] = [parameter for parameter in group["params"] if id(parameter) not in removed]
        for parameter in [parameter for parameter in optimizer.state if id(parameter) in removed]:
            del optimizer.state[parameter]


@contextlib.contextmanager
def bypassed(gan: GAN, name: str) -> Iterator[None]:
    """Replace the block ``name`` by ``nn.Identity`` inside the ``with`` body, then restore it."""
    role, path = _split(name)
    network = gan.network(role)
    block = network.get_submodule(path)
    network.set_submodule(path, nn.Identity())
    try:
        yield
    finally:
        network.set_submodule(path, block)


def _split(name: str) -> tuple[str, str]:
    role, _, path = name.partition(".")
    if not path:
        raise ValueError(f"block name {name!r} must be 'generator.PATH' or 'discriminator.PATH'")
    return role, path
