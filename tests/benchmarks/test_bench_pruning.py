"""Mask computation of every registered pruning method on the largest shipped model."""

import pytest

from ganbench.pruning.context import PruningContext
from ganbench.registry import load_registry

from benchmark_models import build_gan

METHODS = sorted(load_registry().entries["method"])


@pytest.mark.parametrize("name", METHODS)
def test_masks(benchmark, registry, name):
    gan, family, dataset, settings = build_gan(registry, "digits", "dcgan")
    method = registry.method(name)()

    def prune():
        context = PruningContext(gan, family, dataset, "both", settings, seed=0)
        return method.prune(context, 0.8)

    masks = benchmark(prune)
    kept = sum(int(mask.sum()) for mask in masks.values())
    total = sum(mask.numel() for mask in masks.values())
    assert abs(1 - kept / total - 0.8) < 0.005
