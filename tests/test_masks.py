"""Scores to masks: exact pruned counts, scopes, tie-breaking and score validation."""

import math

import pytest
import torch

from ganbench.pruning.masks import scores_to_masks, validate_scores


def pruned(mask):
    return int((~mask).sum())


def test_global_mask_prunes_lowest_scores():
    scores = {"a": torch.tensor([0.1, 0.9, 0.5]), "b": torch.tensor([[0.3, 0.7], [0.2, 0.8]])}
    masks = scores_to_masks(scores, 3 / 7, "global")
    # The three lowest scores are 0.1 (a), 0.2 and 0.3 (b).
    assert masks["a"].tolist() == [False, True, True]
    assert masks["b"].tolist() == [[False, True], [False, True]]


@pytest.mark.parametrize("sparsity", [0.0, 0.25, 0.5, 0.8, 0.9, 0.99])
def test_global_count_is_rounded_target(sparsity):
    generator = torch.Generator().manual_seed(0)
    scores = {f"layer{i}": torch.rand(17, 13, generator=generator) for i in range(3)}
    masks = scores_to_masks(scores, sparsity, "global")
    total = 3 * 17 * 13
    assert sum(pruned(mask) for mask in masks.values()) == math.floor(sparsity * total + 0.5)


def test_layer_scope_prunes_each_layer_equally():
    generator = torch.Generator().manual_seed(1)
    scores = {"small": torch.rand(10, generator=generator), "large": torch.rand(1000, generator=generator) + 5}
    masks = scores_to_masks(scores, 0.5, "layer")
    assert pruned(masks["small"]) == 5
    assert pruned(masks["large"]) == 500
    # A global threshold would prune the low-scored small layer entirely first.
    global_masks = scores_to_masks(scores, 0.5, "global")
    assert pruned(global_masks["small"]) == 10


def test_ties_break_by_position():
    scores = {"w": torch.zeros(10)}
    masks = scores_to_masks(scores, 0.3, "global")
    assert masks["w"].tolist() == [False] * 3 + [True] * 7


def test_invalid_sparsity_and_scope():
    scores = {"w": torch.rand(4)}
    with pytest.raises(ValueError, match="sparsity"):
        scores_to_masks(scores, 1.0, "global")
    with pytest.raises(ValueError, match="scope"):
        scores_to_masks(scores, 0.5, "per-row")


def test_validate_scores_reports_problems():
    weights = {"w": torch.zeros(2, 3)}
    with pytest.raises(ValueError, match="shape"):
        validate_scores({"w": torch.zeros(3, 2)}, weights)
    with pytest.raises(ValueError, match="NaN or infinite"):
        validate_scores({"w": torch.tensor([[1.0, float("nan"), 0], [0, 0, float("inf")]])}, weights)
    with pytest.raises(ValueError, match="missing"):
        validate_scores({}, weights)
    with pytest.raises(ValueError, match="dict"):
        validate_scores([torch.zeros(2, 3)], weights)
    checked = validate_scores({"w": torch.ones(2, 3, dtype=torch.float16)}, weights)
    assert checked["w"].dtype == torch.float64
