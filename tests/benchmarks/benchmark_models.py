"""Freshly initialised models for the performance benchmarks of this folder.

The benchmarks are marked ``perf`` and left out of the default run. docs/benchmarks.md has
the commands that run them and compare them with the saved baseline.
"""

import torch

from ganbench import defaults


def build_gan(registry, dataset: str, model: str, seed: int = 0):
    """Return (gan, family, loaded dataset, default training settings) with fresh weights."""
    spec, family = registry.dataset(dataset), registry.model(model)
    torch.manual_seed(seed)
    gan = family.build(spec, defaults.architecture(spec.kind))
    return gan, family, spec.load(), defaults.training(spec.kind, model)
