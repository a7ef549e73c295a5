"""Parameter and FLOP counts against hand derivations and torch's own FLOP counter."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ganbench.defaults import architecture
from ganbench.metrics.complexity import count_flops, count_parameters


def torch_flops(network, inputs):
    network.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        network(*inputs)
    return counter.get_total_flops()


def example_inputs(gan, spec, role):
    label = torch.zeros(1, dtype=torch.int64) if gan.conditional else None
    if role == "generator":
        return (torch.zeros(1, gan.z_dim), label)
    return (torch.zeros(1, *spec.sample_shape), label)


def test_mlp_generator_flops_by_hand(registry):
    spec = registry.dataset("ring8")
    gan = registry.model("dcgan").build(spec, architecture("mixture"))
    # z 16 -> 64 -> 64 -> 64 -> 2: MACs are products of consecutive widths.
    macs = 16 * 64 + 64 * 64 + 64 * 64 + 64 * 2
    dense, effective = count_flops(gan.generator, example_inputs(gan, spec, "generator"))
    assert dense == 2 * macs
    assert effective == 2 * macs


def test_conv_generator_flops_by_hand(registry):
    spec = registry.dataset("digits")
    gan = registry.model("dcgan").build(spec, architecture("image"))
    # Transposed convolutions: input elements x output channels x kernel area.
    stem = (32 * 1 * 1) * 32 * 4 * 4        # z (32 x 1 x 1) -> 32 x 4 x 4
    block = (32 * 4 * 4) * 16 * 4 * 4       # 32 x 4 x 4 -> 16 x 8 x 8, stride 2
    # The head is a convolution: output elements x input channels x kernel area.
    head = (1 * 8 * 8) * 16 * 3 * 3         # 16 x 8 x 8 -> 1 x 8 x 8
    dense, _ = count_flops(gan.generator, example_inputs(gan, spec, "generator"))
    assert dense == 2 * (stem + block + head)


def test_conv_discriminator_flops_by_hand(registry):
    spec = registry.dataset("digits")
    gan = registry.model("wgan-gp").build(spec, architecture("image"))
    # Convolutions: output elements x input channels x kernel area.
    stem = (16 * 4 * 4) * 1 * 4 * 4         # 1 x 8 x 8 -> 16 x 4 x 4, stride 2
    block = (32 * 4 * 4) * 16 * 3 * 3       # 16 x 4 x 4 -> 32 x 4 x 4
    head = (1 * 1 * 1) * 32 * 4 * 4         # 32 x 4 x 4 -> 1 x 1 x 1
    dense, _ = count_flops(gan.discriminator, example_inputs(gan, spec, "discriminator"))
    assert dense == 2 * (stem + block + head)


SHIPPED_DATASETS = ["ring8", "grid25", "digits", "mnist-5k", "stacked-mnist-5k"]


@pytest.mark.parametrize("dataset", SHIPPED_DATASETS)
@pytest.mark.parametrize("model", ["dcgan", "cgan", "wgan-gp"])
@pytest.mark.parametrize("role", ["generator", "discriminator"])
def test_flops_match_torch_counter(registry, dataset, model, role):
    spec = registry.dataset(dataset)
    gan = registry.model(model).build(spec, architecture(spec.kind))
    network = gan.network(role)
    inputs = example_inputs(gan, spec, role)
    dense, _ = count_flops(network, inputs)
    assert dense == torch_flops(network, inputs)


def fvcore_macs(network, inputs):
    """MACs of convolutions (transposed included) and linear layers counted by fvcore.

    fvcore counts one "flop" per multiply-accumulate; its other operators (BatchNorm,
    activations) are outside ganbench's convention and are left out.
    """
    from fvcore.nn import FlopCountAnalysis

    network.eval()
    analysis = FlopCountAnalysis(network, inputs)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    by_operator = analysis.by_operator()
    return sum(count for name, count in by_operator.items() if name in {"conv", "linear", "addmm", "matmul"})


@pytest.mark.parametrize("dataset", SHIPPED_DATASETS)
@pytest.mark.parametrize("model", ["dcgan", "cgan", "wgan-gp"])
@pytest.mark.parametrize("role", ["generator", "discriminator"])
def test_flops_match_fvcore(registry, dataset, model, role):
    spec = registry.dataset(dataset)
    gan = registry.model(model).build(spec, architecture(spec.kind))
    network = gan.network(role)
    inputs = example_inputs(gan, spec, role)
    dense, _ = count_flops(network, inputs)
    assert dense == 2 * fvcore_macs(network, inputs)


def test_structured_network_counts_smaller_model(registry):
    """A network whose channels were physically removed is counted at its new size."""
    spec = registry.dataset("mnist-5k")
    full = registry.model("dcgan").build(spec, architecture("mnist"))
    arch = architecture("mnist")
    half = registry.model("dcgan").build(spec, type(arch)(arch.z_dim, arch.width // 2, arch.depth, arch.embed_dim))
    inputs = example_inputs(full, spec, "generator")
    full_flops, _ = count_flops(full.generator, inputs)
    half_flops, half_effective = count_flops(half.generator, inputs)
    assert half_flops == torch_flops(half.generator, inputs)
    assert half_effective == half_flops
    assert half_flops < full_flops


def test_effective_flops_follow_masks():
    network = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5))
    with torch.no_grad():
        network[0].weight[:, :5] = 0          # half of layer 0 is zero
        network[2].weight.zero_()
        network[2].weight[0, 0] = 1.0         # 1 of 100 weights in layer 2
    dense, effective = count_flops(network, (torch.zeros(3, 10),))
    assert dense == 2 * (10 * 20 + 20 * 5)
    assert effective == 2 * (10 * 20 * 0.5 + 20 * 5 * 0.01)


def test_conv_transpose_with_groups():
    layer = nn.ConvTranspose2d(4, 6, kernel_size=3, stride=2, groups=2)
    inputs = (torch.zeros(2, 4, 5, 5),)
    dense, _ = count_flops(layer, inputs)
    assert dense == 2 * (4 * 5 * 5) * (6 // 2) * 9
    # torch counts the whole batch of 2; ganbench counts per sample.
    assert 2 * dense == torch_flops(layer, inputs)


def test_parameter_counts():
    network = nn.Linear(4, 3)
    with torch.no_grad():
        network.weight[0] = 0
    total, nonzero = count_parameters(network)
    assert total == 4 * 3 + 3
    assert nonzero == total - 4 - int((network.bias == 0).sum())


def test_counting_restores_training_mode(registry):
    spec = registry.dataset("digits")
    gan = registry.model("dcgan").build(spec, architecture("image"))
    gan.generator.train()
    count_flops(gan.generator, example_inputs(gan, spec, "generator"))
    assert gan.generator.training
