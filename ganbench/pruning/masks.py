"""Turning importance scores into binary masks, globally or layer by layer.

Low score means pruned. Exactly ``round(sparsity · n)`` entries are pruned, where ``n`` is the
number of scored weights (globally) or of each layer's weights (layer-wise), so the achieved
sparsity equals the target up to rounding. Ties are broken by position (a stable sort of the
flattened scores), which makes masks deterministic.
"""

from __future__ import annotations

import math

import torch

SCOPES = ("global", "layer")


def validate_scores(
    scores: object, weights: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Return ``scores`` as float64 CPU tensors after checking them against ``weights``.

    Raises ValueError, naming the problem, when scores are not a dict with exactly the
    weights' names, a score has the wrong shape, or a score is NaN or infinite.
    """
    if not isinstance(scores, dict):
        raise ValueError(
            f"scores must be a dict mapping weight names to tensors, got {type(scores).__name__}"
        )
    missing = [name for name in weights if name not in scores]
    unexpected = [name for name in scores if name not in weights]
    if missing or unexpected:
        raise ValueError(
            f"scores must cover exactly the prunable weights; missing {missing}, "
            f"unexpected {unexpected}"
        )
    checked = {}
    for name, weight in weights.items():
        score = scores[name]
        if not isinstance(score, torch.Tensor):
            raise ValueError(f"score for {name} is a {type(score).__name__}, not a tensor")
        if score.shape != weight.shape:
            raise ValueError(
                f"score for {name} has shape {tuple(score.shape)}, "
                f"but the weight has shape {tuple(weight.shape)}"
            )
        score = score.detach().to("cpu", torch.float64)
        bad = int((~torch.isfinite(score)).sum())
        if bad:
            raise ValueError(f"score for {name} has {bad} NaN or infinite entries")
        checked[name] = score
    return checked


def exclude_pruned(
    scores: dict[str, torch.Tensor], masks: dict[str, torch.Tensor] | None
) -> dict[str, torch.Tensor]:
    """Return ``scores`` with every entry that ``masks`` already prunes set to −∞.

    Thresholding the result prunes those entries first, so a later round of a schedule never
    revives a weight an earlier round pruned. ``masks`` of ``None`` changes nothing.
    """
    if not masks:
        return scores
    return {
        name: score.masked_fill(~masks[name].to(score.device, torch.bool), -math.inf)
        for name, score in scores.items()
    }


def scores_to_masks(
    scores: dict[str, torch.Tensor], sparsity: float, scope: str
) -> dict[str, torch.Tensor]:
    """Return a bool mask per weight (True = kept) pruning the lowest-scored ``sparsity``.

    ``scope`` is ``"global"`` (one threshold across all weights) or ``"layer"`` (the same
    sparsity in every layer).
    """
    if not 0.0 <= sparsity < 1.0:
        raise ValueError(f"sparsity must be in [0, 1), got {sparsity}")
    if scope == "global":
        return _global_masks(scores, sparsity)
    if scope == "layer":
        return {name: _prune_lowest(score, sparsity) for name, score in scores.items()}
    raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")


def _global_masks(scores: dict[str, torch.Tensor], sparsity: float) -> dict[str, torch.Tensor]:
    names = list(scores)
    flat = torch.cat([scores[name].reshape(-1) for name in names])
    keep = _prune_lowest(flat, sparsity)
    masks = {}
    offset = 0
    for name in names:
        count = scores[name].numel()
        masks[name] = keep[offset : offset + count].reshape(scores[name].shape)
        offset += count
    return masks


def _prune_lowest(score: torch.Tensor, sparsity: float) -> torch.Tensor:
    flat = score.reshape(-1)
    pruned = int(math.floor(sparsity * flat.numel() + 0.5))
    keep = torch.ones(flat.numel(), dtype=torch.bool)
    if pruned:
        order = torch.argsort(flat, stable=True)
        keep[order[:pruned]] = False
    return keep.reshape(score.shape)


def keep_largest(score: torch.Tensor, keep: int) -> torch.Tensor:
    """Return a bool mask of ``score``'s shape that keeps its ``keep`` largest entries.

    Ties are broken by position (earlier entries are kept first), so the mask is deterministic.
    """
    flat = score.reshape(-1)
    mask = torch.zeros(flat.numel(), dtype=torch.bool)
    if keep > 0:
        order = torch.argsort(flat, descending=True, stable=True)
        mask[order[:keep]] = True
    return mask.reshape(score.shape)
