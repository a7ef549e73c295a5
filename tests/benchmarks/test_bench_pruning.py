"""Pruning of every registered method on a small shipped model that the method supports.

Unstructured methods are timed computing their masks. Structured methods (channel and block
granularity) are timed through the core's pruner, which selects what to remove and removes it
from a fresh copy of the network, because their result is a smaller network rather than masks.
Block methods run on ``ring8``, whose MLP backbones declare removable blocks; every other
method runs on the ``digits`` DCGAN.
"""

import copy

import pytest

from ganbench.pruning.context import PruningContext
from ganbench.pruning.parameters import achieved_sparsity
from ganbench.pruning.pruners import make_pruner
from ganbench.registry import load_registry

from benchmark_models import build_gan

METHODS = sorted(load_registry().entries["method"])
SPARSITY = 0.8


@pytest.mark.parametrize("name", METHODS)
def test_masks(benchmark, registry, name):
    method_class = registry.method(name)
    dataset = "ring8" if method_class.granularity == "block" else "digits"
    gan, family, data, settings = build_gan(registry, dataset, "dcgan")
    method = method_class()

    if method_class.granularity == "unstructured":
        def prune():
            context = PruningContext(gan, family, data, "both", settings, seed=0)
            return method.prune(context, SPARSITY)

        masks = benchmark(prune)
        kept = sum(int(mask.sum()) for mask in masks.values())
        total = sum(mask.numel() for mask in masks.values())
        assert abs(1 - kept / total - SPARSITY) < 0.005
        return

    def prune_structure():
        context = PruningContext(copy.deepcopy(gan), family, data, "both", settings, seed=0)
        make_pruner(method, context, name).prune_to(SPARSITY)
        return context

    context = benchmark(prune_structure)
    achieved = achieved_sparsity(context.weights, context.initial_weight_count)
    if method_class.may_miss_target:
        # Whole blocks cannot meet every target; the pruner records why it stopped.
        assert achieved > 0
        assert abs(achieved - SPARSITY) <= 0.02 or context.sparsity_note
    else:
        assert abs(achieved - SPARSITY) <= 0.02
