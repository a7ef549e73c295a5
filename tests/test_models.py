"""GAN families: output shapes, conditioning, BatchNorm placement and the gradient penalty."""

import pytest
import torch
from torch import nn

from ganbench.defaults import architecture
from ganbench.models.backbones import LatentProjection
from ganbench.models.losses import gradient_penalty


def build(registry, model, dataset):
    spec = registry.dataset(dataset)
    return registry.model(model).build(spec, architecture(spec.kind)), spec


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
@pytest.mark.parametrize("model", ["dcgan", "cgan", "wgan-gp"])
def test_shapes(registry, model, dataset):
    gan, spec = build(registry, model, dataset)
    rng = torch.Generator().manual_seed(0)
    samples, labels = gan.generate(7, rng, spec.load().class_frequencies())
    assert samples.shape == (7, *spec.sample_shape)
    assert (labels is not None) == (model == "cgan")
    scores = gan.discriminator(samples, labels)
    assert scores.shape == (7,)


def test_image_generator_output_is_bounded(registry):
    gan, spec = build(registry, "dcgan", "digits")
    samples, _ = gan.generate(16, torch.Generator().manual_seed(0), spec.load().class_frequencies())
    assert samples.abs().max() <= 1


def test_conditional_models_require_labels(registry):
    gan, _ = build(registry, "cgan", "digits")
    with pytest.raises(ValueError, match="labels"):
        gan.generator(torch.zeros(2, gan.z_dim))
    unconditional, _ = build(registry, "dcgan", "digits")
    with pytest.raises(ValueError, match="labels"):
        unconditional.generator(torch.zeros(2, gan.z_dim), torch.zeros(2, dtype=torch.int64))


def test_conditional_generator_uses_labels(registry):
    gan, _ = build(registry, "cgan", "digits")
    gan.eval()
    z = torch.randn(1, gan.z_dim).repeat(2, 1)
    out = gan.generator(z, torch.tensor([0, 1]))
    assert not torch.allclose(out[0], out[1])


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
def test_batch_norm_placement(registry, dataset):
    def has_batch_norm(module):
        return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())

    wgan, _ = build(registry, "wgan-gp", dataset)
    dcgan, _ = build(registry, "dcgan", dataset)
    assert not has_batch_norm(wgan.discriminator)
    assert has_batch_norm(dcgan.generator)
    assert has_batch_norm(dcgan.discriminator) == (dataset == "digits")


def test_gradient_penalty_is_per_sample():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.tensor([[2.0, 0.0], [0.0, 0.5]]))

        def forward(self, x, labels=None):
            # Per-sample gradient of sum((x W)^2) is 2 x W W^T, different for each sample.
            return ((x @ self.weight) ** 2).sum(dim=1)

    critic = Scale()
    real = torch.tensor([[1.0, 0.0], [0.0, 3.0]])
    fake = torch.tensor([[0.0, 1.0], [2.0, 2.0]])
    rng = torch.Generator().manual_seed(0)
    penalty = gradient_penalty(critic, real, fake, None, rng)
    alpha = torch.rand((2, 1), generator=torch.Generator().manual_seed(0))
    mixed = alpha * real + (1 - alpha) * fake
    w = critic.weight.detach()
    norms = (2 * mixed @ w @ w.T).norm(dim=1)
    assert penalty.item() == pytest.approx(((norms - 1) ** 2).mean().item(), rel=1e-6)


def test_latent_projection_equals_transposed_convolution():
    torch.manual_seed(0)
    layer = LatentProjection(12, 5, 4)
    vector = torch.randn(3, 12, 1, 1)
    expected = torch.nn.functional.conv_transpose2d(vector, layer.weight, layer.bias)
    torch.testing.assert_close(layer(vector), expected)
    larger = torch.randn(2, 12, 2, 2)
    expected = torch.nn.functional.conv_transpose2d(larger, layer.weight, layer.bias)
    torch.testing.assert_close(layer(larger), expected)
