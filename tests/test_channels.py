"""Choosing channels to keep: exact weight counts, closest to the budget, declines."""

import pytest
import torch

from ganbench import defaults
from ganbench.errors import MethodDeclined
from ganbench.pruning.channels import (
    allocate_channels, max_sparsity, validate_channel_scores, weight_count,
)
from ganbench.pruning.parameters import prunable_weights
from ganbench.pruning.structure import channel_groups, weight_layout


def ring8_generator(registry):
    spec = registry.dataset("ring8")
    torch.manual_seed(0)
    gan = registry.model("dcgan").build(spec, defaults.architecture(spec.kind))
    return gan, channel_groups(gan, "generator"), prunable_weights(gan, "generator")


def test_weight_count_of_kept_channels(registry):
    _, groups, weights = ring8_generator(registry)
    layout = weight_layout(groups, weights)
    full = {group.name: 64 for group in groups}
    assert weight_count(layout, full) == 16 * 64 + 64 * 64 + 64 * 64 + 64 * 2
    names = [group.name for group in groups]
    assert weight_count(layout, dict(zip(names, (10, 20, 30)))) == 16 * 10 + 10 * 20 + 20 * 30 + 30 * 2
    assert max_sparsity(groups, weights, 9344) == pytest.approx(1 - (16 + 1 + 1 + 2) / 9344)


def test_global_allocation_removes_lowest_scores(registry):
    _, groups, weights = ring8_generator(registry)
    # The last hidden layer scores lowest everywhere, so it loses channels first: removing
    # c of its 64 channels removes 64c + 2c weights; the target 0.25 is 2336 of 9344 weights.
    scores = {group.name: torch.full((64,), float(index + 1)) for index, group in enumerate(groups)}
    scores[groups[2].name] = torch.arange(64, dtype=torch.float64) / 100
    keep = allocate_channels(groups, weights, validate_channel_scores(scores, groups), 0.25, 9344, "global")
    assert keep[groups[0].name].all() and keep[groups[1].name].all()
    removed = int((~keep[groups[2].name]).sum())
    assert removed == 35  # 35 · 66 = 2310 is closer to 2336 than 36 · 66 = 2376
    assert not keep[groups[2].name][:35].any()


def test_layer_allocation_removes_same_fraction(registry):
    _, groups, weights = ring8_generator(registry)
    scores = {group.name: torch.arange(64, 0, -1, dtype=torch.float64) for group in groups}
    keep = allocate_channels(groups, weights, scores, 0.75, 9344, "layer")
    kept = [int(keep[group.name].sum()) for group in groups]
    assert kept[0] == kept[1] == kept[2]
    # 16k + k² + k² + 2k closest to 2336 weights: k = 28 gives 2072, k = 30 gives 2340.
    assert kept[0] == 30
    assert keep[groups[0].name][-34:].sum() == 0  # the lowest-scored channels are the last


def test_unreachable_target_declines(registry):
    spec = registry.dataset("digits")
    gan = registry.model("dcgan").build(spec, defaults.architecture(spec.kind))
    groups = channel_groups(gan, "generator")
    weights = prunable_weights(gan, "generator")
    # 32·32·16 + 32·16·16 + 16·9 = 24,720 weights; one channel per layer leaves
    # 32·1·16 + 1·1·16 + 1·9 = 537, sparsity 0.9783.
    assert max_sparsity(groups, weights, 24720) == pytest.approx(1 - 537 / 24720)
    scores = {group.name: torch.ones(group.channels) for group in groups}
    with pytest.raises(MethodDeclined, match="reaches at most sparsity 0.9783"):
        allocate_channels(groups, weights, scores, 0.999, 24720, "global")


@pytest.mark.parametrize(
    "scores, message",
    [
        ("not a dict", "must be a dict"),
        ({}, "missing"),
        ({"generator.stem.0.weight": torch.ones(3)}, "missing"),
    ],
)
def test_malformed_channel_scores_are_rejected(registry, scores, message):
    _, groups, _ = ring8_generator(registry)
    with pytest.raises(ValueError, match=message):
        validate_channel_scores(scores, groups)


def test_channel_score_shape_and_nan_are_rejected(registry):
    _, groups, _ = ring8_generator(registry)
    scores = {group.name: torch.ones(64) for group in groups}
    scores[groups[1].name] = torch.ones(63)
    with pytest.raises(ValueError, match=r"expected shape \(64,\)"):
        validate_channel_scores(scores, groups)
    scores[groups[1].name] = torch.full((64,), float("nan"))
    with pytest.raises(ValueError, match="NaN or infinite"):
        validate_channel_scores(scores, groups)
