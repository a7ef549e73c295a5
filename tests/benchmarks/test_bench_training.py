"""One training step (critic steps included) per model family and dataset kind."""

import pytest
import torch

from ganbench.training import make_optimizers, train

from benchmark_models import build_gan


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
@pytest.mark.parametrize("model", ["dcgan", "cgan", "wgan-gp"])
def test_training_step(benchmark, registry, dataset, model):
    gan, family, data, settings = build_gan(registry, dataset, model)
    optimizers = make_optimizers(gan, settings)
    rng = torch.Generator().manual_seed(0)
    log = benchmark(train, gan, family, data, settings, 1, optimizers, rng)
    assert log.steps == [1]
