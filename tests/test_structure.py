"""Channel surgery: smaller networks with the same outputs, counts from layer shapes."""

import pytest
import torch
from torch import nn

from ganbench import defaults
from ganbench.metrics.complexity import count_flops, count_parameters
from ganbench.pruning.parameters import prunable_weights
from ganbench.pruning.structure import UnsupportedStructure, channel_groups, input_dim, remove_channels


def build(registry, dataset, model, seed=0):
    spec = registry.dataset(dataset)
    torch.manual_seed(seed)
    return registry.model(model).build(spec, defaults.architecture(spec.kind)), spec


def random_keep(groups, seed=1):
    generator = torch.Generator().manual_seed(seed)
    keep = {}
    for group in groups:
        mask = torch.rand(group.channels, generator=generator) > 0.5
        mask[0] = True
        keep[group.name] = mask
    return keep


def zeroed_reference(network, groups, keep):
    """Return hooks that zero the removed channels where the next layer reads them."""
    handles = []
    for group in groups:
        removed = ~keep[group.name]

        def hook(module, inputs, removed=removed, group=group):
            (x,) = inputs[:1]
            x = x.clone()
            start = group.consumer_offset
            index = torch.nonzero(removed).flatten() + start
            x[:, index] = 0
            return (x,) + tuple(inputs[1:])

        handles.append(group.consumer.register_forward_pre_hook(hook))
    return handles


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
@pytest.mark.parametrize("model", ["dcgan", "cgan", "wgan-gp"])
@pytest.mark.parametrize("role", ["generator", "discriminator"])
def test_shrunk_network_matches_zeroed_channels(registry, dataset, model, role):
    gan, spec = build(registry, dataset, model)
    network = gan.network(role)
    network.eval()
    groups = channel_groups(gan, role)
    keep = random_keep(groups)
    rng = torch.Generator().manual_seed(3)
    labels = torch.randint(0, spec.num_classes, (16,), generator=rng) if gan.conditional else None
    inputs = torch.randn(16, gan.z_dim, generator=rng) if role == "generator" else torch.randn(16, *spec.sample_shape, generator=rng)

    handles = zeroed_reference(network, groups, keep)
    with torch.no_grad():
        expected = network(inputs, labels)
    for handle in handles:
        handle.remove()

    remove_channels(groups, keep)
    with torch.no_grad():
        actual = network(inputs, labels)
    assert actual.shape == expected.shape
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)
    for group in groups:
        assert group.channels == int(keep[group.name].sum())


def test_kept_channels_keep_their_activations(registry):
    gan, _ = build(registry, "digits", "dcgan")
    generator = gan.generator.eval()
    groups = channel_groups(gan, "generator")
    keep = random_keep(groups, seed=5)
    z = torch.randn(8, gan.z_dim)
    with torch.no_grad():
        before = generator.stem(z[:, :, None, None])
    remove_channels(groups, keep)
    with torch.no_grad():
        after = generator.stem(z[:, :, None, None])
    torch.testing.assert_close(after, before[:, keep["generator.stem.0.weight"]])


def test_counts_follow_layer_shapes(registry):
    gan, _ = build(registry, "ring8", "dcgan")
    groups = channel_groups(gan, "generator")
    assert [group.name for group in groups] == [
        "generator.stem.0.weight", "generator.blocks.0.0.weight", "generator.blocks.1.0.weight",
    ]
    keep = {}
    for group, kept in zip(groups, (32, 16, 8)):
        mask = torch.zeros(group.channels, dtype=torch.bool)
        mask[:kept] = True
        keep[group.name] = mask
    remove_channels(groups, keep)

    # 16 -> 32 -> 16 -> 8 -> 2 linear layers; BatchNorm (weight and bias) after the hidden ones.
    weights = 16 * 32 + 32 * 16 + 16 * 8 + 8 * 2
    biases = 32 + 16 + 8 + 2
    norms = 2 * (32 + 16 + 8)
    assert sum(w.numel() for w in prunable_weights(gan, "generator").values()) == weights
    total, nonzero = count_parameters(gan.generator)
    assert total == weights + biases + norms
    assert nonzero == total - (32 + 16 + 8)  # BatchNorm biases start at zero
    assert count_flops(gan.generator, (torch.zeros(1, 16), None)) == (2 * weights, 2 * weights)


def test_transposed_convolution_loses_dimension_one(registry):
    gan, _ = build(registry, "digits", "cgan")
    groups = channel_groups(gan, "generator")
    stem = groups[0]
    assert isinstance(stem.producer, nn.ConvTranspose2d)
    keep = {group.name: torch.arange(group.channels) % 4 != 1 for group in groups}
    remove_channels(groups, keep)
    # ConvTranspose2d weights are (in, out, kH, kW): 32 latent + 8 embedding inputs stay.
    assert tuple(stem.producer.weight.shape) == (40, 24, 4, 4)
    assert stem.producer.out_channels == 24
    assert tuple(stem.consumer.weight.shape) == (24, 12, 4, 4)
    # The head is a Conv2d, whose weights are (out, in, kH, kW): it loses input channels.
    assert tuple(gan.generator.head.weight.shape) == (1, 12, 3, 3)
    assert gan.generator.head.in_channels == 12
    assert stem.norm.num_features == 24 and stem.norm.running_mean.shape == (24,)
    assert input_dim(stem.consumer) == 0


def test_optimizer_state_is_sliced(registry):
    gan, _ = build(registry, "ring8", "dcgan")
    optimizer = torch.optim.Adam(gan.generator.parameters(), lr=1e-3)
    loss = gan.generator(torch.randn(32, gan.z_dim)).pow(2).mean()
    loss.backward()
    optimizer.step()
    groups = channel_groups(gan, "generator")
    before = optimizer.state[groups[0].producer.weight]["exp_avg"].clone()
    keep = random_keep(groups, seed=7)
    remove_channels(groups, keep, (optimizer,))
    after = optimizer.state[groups[0].producer.weight]["exp_avg"]
    assert {id(p) for p in optimizer.param_groups[0]["params"]} == {id(p) for p in gan.generator.parameters()}
    torch.testing.assert_close(after, before[keep[groups[0].name]])
    optimizer.zero_grad()
    gan.generator(torch.randn(32, gan.z_dim)).pow(2).mean().backward()
    optimizer.step()  # the sliced state fits the sliced parameters, even with a live graph
    del loss


def test_head_is_never_a_group(registry):
    gan, _ = build(registry, "digits", "dcgan")
    for role in ("generator", "discriminator"):
        producers = [group.producer for group in channel_groups(gan, role)]
        assert gan.network(role).head not in producers


def test_unknown_layout_is_unsupported(registry):
    gan, _ = build(registry, "ring8", "dcgan")
    gan.generator.blocks[0] = nn.Sequential(nn.Linear(64, 64), nn.LayerNorm(64), nn.ReLU())
    with pytest.raises(UnsupportedStructure, match="LayerNorm"):
        channel_groups(gan, "generator")


def test_removing_every_channel_is_rejected(registry):
    gan, _ = build(registry, "ring8", "dcgan")
    groups = channel_groups(gan, "generator")
    keep = {group.name: torch.ones(group.channels, dtype=torch.bool) for group in groups}
    keep[groups[1].name][:] = False
    with pytest.raises(ValueError, match="at least one kept channel"):
        remove_channels(groups, keep)
