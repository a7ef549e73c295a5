"""FLOP counting: inference FLOPs of a network and training FLOPs of one step."""

import torch

from ganbench.compute import step_flops
from ganbench.metrics.complexity import count_flops

from benchmark_models import build_gan


def test_count_flops_digits_generator(benchmark, registry):
    gan, *_ = build_gan(registry, "digits", "dcgan")
    latent = torch.zeros(1, gan.z_dim)
    dense, effective = benchmark(count_flops, gan.generator, (latent, None))
    assert dense == effective > 0


def test_training_step_flops_digits(benchmark, registry):
    gan, family, dataset, settings = build_gan(registry, "digits", "dcgan")
    assert benchmark(step_flops, gan, family, dataset, settings) > 0
