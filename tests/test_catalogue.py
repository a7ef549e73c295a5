"""The shipped methods compute what their sources define, checked against direct computations."""

import dataclasses

import pytest
import torch

from ganbench import schema
from ganbench.errors import MethodDeclined
from ganbench.execute import FINETUNE_SEED_OFFSET
from ganbench.pruning.context import PruningContext
from ganbench.pruning.parameters import prunable_weights
from ganbench.pruning.procedure import prune_and_train

from conftest import write_suite
from test_runner import sweep

SEED = 0


def context_for(registry, baselines, dataset="digits", model="dcgan", target="generator", seed=SEED):
    spec = registry.dataset(dataset)
    baseline = baselines(dataset, model)
    gan, _ = baseline.build(registry.model(model), spec)
    return PruningContext(gan, registry.model(model), spec.load(), target, baseline.config.train, seed=seed)


def run_method(registry, baselines, name, sparsity, dataset="digits", model="dcgan", steps=4, **options):
    spec = registry.dataset(dataset)
    baseline = baselines(dataset, model)
    family = registry.model(model)
    gan, optimizers = baseline.build(family, spec)
    return prune_and_train(
        registry.method(name), options, name, baseline=baseline, gan=gan, optimizers=optimizers,
        family=family, spec=spec, dataset=spec.load(), target="generator", sparsity=sparsity,
        seed=SEED, finetune=dataclasses.replace(baseline.config.train, steps=steps),
        rng=torch.Generator().manual_seed(SEED + FINETUNE_SEED_OFFSET),
    )


def test_channel_l1_scores_are_filter_norms(registry, baselines):
    context = context_for(registry, baselines)
    scores = registry.method("channel-l1")().score_channels(context)
    stem = context.gan.generator.stem[0].weight.detach()  # (in, out, kH, kW)
    expected = torch.stack([stem[:, c].abs().sum() for c in range(stem.shape[1])])
    torch.testing.assert_close(scores["generator.stem.0.weight"], expected)


def test_channel_bn_scores_are_gamma(registry, baselines):
    context = context_for(registry, baselines)
    scores = registry.method("channel-bn")().score_channels(context)
    gamma = context.gan.generator.blocks[0][1].weight.detach().abs()
    torch.testing.assert_close(scores["generator.blocks.0.0.weight"], gamma)


def test_channel_bn_declines_without_batch_norm(registry, baselines):
    context = context_for(registry, baselines, model="wgan-gp", target="discriminator")
    with pytest.raises(MethodDeclined, match="no BatchNorm"):
        registry.method("channel-bn")().check(context)


def test_channel_taylor_matches_direct_computation(registry, baselines):
    method = registry.method("channel-taylor")(batches=3)
    scores = method.score_channels(context_for(registry, baselines, model="cgan"))

    context = context_for(registry, baselines, model="cgan")
    generator = context.gan.generator
    block, norm = generator.blocks[0][0], generator.blocks[0][1]
    expected = torch.zeros(block.weight.shape[1], dtype=torch.float64)
    for _ in range(3):
        # The method draws one gradient per batch for all layers in one call, in this order.
        everything = {}
        for index, group in enumerate(context.channel_groups):
            everything[f"generator.{index}.weight"] = group.producer.weight
            everything[f"generator.{index}.bias"] = group.producer.bias
            everything[f"generator.{index}.norm_weight"] = group.norm.weight
            everything[f"generator.{index}.norm_bias"] = group.norm.bias
        grads = context.parameter_gradients(everything, batches=1)
        total = torch.zeros(block.weight.shape[1], dtype=torch.float64)
        for channel in range(block.weight.shape[1]):
            total[channel] = (
                (block.weight[:, channel] * grads["generator.1.weight"][:, channel]).sum()
                + block.bias[channel] * grads["generator.1.bias"][channel]
                + norm.weight[channel] * grads["generator.1.norm_weight"][channel]
                + norm.bias[channel] * grads["generator.1.norm_bias"][channel]
            ).double()
        expected += total.detach() ** 2
    torch.testing.assert_close(scores["generator.blocks.0.0.weight"], expected / 3)


def test_hierarchical_fills_deepest_layers_first(registry, baselines):
    context = context_for(registry, baselines, dataset="ring8")
    masks = registry.method("hierarchical")().prune(context, 0.5)
    pruned = {name: int((~mask).sum()) for name, mask in masks.items()}
    # 9,344 weights, 4,672 to prune; cap 0.95: head 121 of 128, last block 3,891 of 4,096,
    # the rest (660) from the middle block, none from the stem.
    assert pruned == {
        "generator.head.weight": 121,
        "generator.blocks.1.0.weight": 3891,
        "generator.blocks.0.0.weight": 660,
        "generator.stem.0.weight": 0,
    }
    weight = context.weights["generator.blocks.0.0.weight"].detach().abs()
    assert weight[~masks["generator.blocks.0.0.weight"]].max() <= weight[masks["generator.blocks.0.0.weight"]].min()


def test_hierarchical_declines_above_cap(registry, baselines):
    context = context_for(registry, baselines, dataset="ring8")
    with pytest.raises(MethodDeclined, match="raise the option cap"):
        registry.method("hierarchical")(cap=0.5).prune(context, 0.8)


def test_sensitivity_allocation_prunes_insensitive_layers_most():
    from ganbench_plugins.sensitivity import allocate

    flat = [(0.0, 0.0), (0.5, 0.0), (0.9, 0.0), (0.99, 0.0)]
    steep = [(0.0, 0.0), (0.5, 1.0), (0.9, 5.0), (0.99, 9.0)]
    counts = allocate({"a": flat, "b": steep}, {"a": 1000, "b": 1000}, 1000)
    assert sum(counts.values()) == 1000
    assert counts["a"] == 990  # the insensitive layer goes to its cap first
    assert counts["b"] == 10


def test_sensitivity_masks_reach_target_per_network(registry, baselines):
    context = context_for(registry, baselines, dataset="ring8", target="both")
    masks = registry.method("sensitivity")(samples=128).prune(context, 0.6)
    for role in ("generator", "discriminator"):
        names = [name for name in masks if name.startswith(role)]
        pruned = sum(int((~masks[name]).sum()) for name in names)
        total = sum(masks[name].numel() for name in names)
        assert pruned == round(0.6 * total)
    torch.testing.assert_close(
        context.gan.generator.stem[0].weight, baselines("ring8", "dcgan").state["generator"]["stem.0.weight"]
    )  # scoring restored every weight it probed


def test_lottery_rewinds_surviving_weights(registry, baselines):
    outcome = run_method(registry, baselines, "lottery", 0.6, steps=0)
    early = baselines("digits", "dcgan").rewind_state()["generator"]
    for name, mask in outcome.masks.items():
        key = name.removeprefix("generator.")
        weight = outcome.gan.generator.state_dict()[key]
        torch.testing.assert_close(weight, early[key] * mask)
    assert outcome.steps == 0


def test_snip_scores_at_initialization(registry, baselines):
    outcome = run_method(registry, baselines, "snip", 0.7)
    spec = registry.dataset("digits")
    torch.manual_seed(SEED)
    fresh = registry.model("dcgan").build(spec, baselines("digits", "dcgan").config.arch)
    context = PruningContext(fresh, registry.model("dcgan"), spec.load(), "generator",
                             baselines("digits", "dcgan").config.train, seed=SEED)
    gradients = context.loss_gradients()
    # One global threshold on |w · g| of the fresh networks separates pruned from kept.
    flat = torch.cat([(w.detach() * gradients[n]).abs().reshape(-1) for n, w in context.weights.items()])
    kept = torch.cat([outcome.masks[n].reshape(-1) for n in context.weights])
    assert flat[~kept].max() <= flat[kept].min()
    assert outcome.steps == baselines("digits", "dcgan").config.train.steps


def test_small_dense_is_narrow_fresh_and_trained_from_scratch(registry, baselines):
    outcome = run_method(registry, baselines, "small-dense", 0.5, steps=3)
    weights = prunable_weights(outcome.gan, "generator")
    remaining = sum(weight.numel() for weight in weights.values())
    assert abs(remaining / 24720 - 0.5) <= 0.02
    assert all(bool((weight != 0).all()) for weight in weights.values())
    channels = [outcome.gan.generator.stem[0].out_channels, outcome.gan.generator.blocks[0][0].out_channels]
    assert channels[0] < 32 and channels[1] < 16
    assert abs(channels[0] / 32 - channels[1] / 16) <= 1 / 16  # one width factor for all layers
    assert outcome.steps == baselines("digits", "dcgan").config.train.steps


def test_train_steps_are_recorded(tmp_path):
    suite = write_suite(tmp_path, methods=["magnitude", "snip"], sparsities=[0.5])
    _, frame = sweep(tmp_path, suite)
    steps = dict(zip(frame[schema.METHOD], frame[schema.TRAIN_STEPS]))
    assert steps == {"dense": 10, "magnitude": 10, "snip": 40}


def test_channel_methods_shrink_the_recorded_generator(tmp_path):
    suite = write_suite(tmp_path, datasets=["digits"], methods=["channel-l1"], sparsities=[0.5])
    _, frame = sweep(tmp_path, suite)
    dense, pruned = frame.iloc[0], frame.iloc[1]
    assert pruned[schema.STATUS] == "ok"
    assert pruned[schema.G_PARAMS] < dense[schema.G_PARAMS]
    assert pruned[schema.G_FLOPS] < 0.6 * dense[schema.G_FLOPS]
    assert abs(pruned[schema.SPARSITY_ACHIEVED] - 0.5) <= 0.02
    assert pruned[schema.G_LATENCY_MS] > 0
    assert pruned[schema.LATENCY_THREADS] == 1
