"""Block pruning: the method contract and the choice of blocks to remove.

Target sparsity means what it means for every method: the fraction of the target network's
original prunable weights that are gone. Blocks are removed whole, so most targets cannot be
met exactly. In each target network on its own, blocks are removed in ascending order of
their score, and the number removed is the one whose sparsity is closest to the target (ties
go to removing fewer). When that sparsity differs from the target by more than
``STRUCTURED_TOLERANCE``, the selection carries the reason: no removable block is left, or
the neighbouring count of blocks would be further from the target. The run then records its
achieved sparsity and that reason (``sparsity_note`` column) instead of failing; block
methods declare this with ``may_miss_target``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ganbench.errors import MethodDeclined
from ganbench.pruning.blocks import block_weight_count, removable_blocks
from ganbench.pruning.channels import STRUCTURED_TOLERANCE
from ganbench.pruning.method import PruningMethod
from ganbench.pruning.parameters import target_roles


@dataclass(frozen=True)
class BlockSelection:
    """The blocks to remove (qualified names) and, when the target is missed, why."""

    remove: tuple[str, ...]
    reason: str = ""


class BlockPruningMethod(PruningMethod):
    """Base class of methods that remove whole blocks (hidden layers) of a network.

    Implement ``score_blocks``; the core removes the lowest-scored blocks with the rule of
    this module, replaces each by ``nn.Identity`` and fine-tunes the smaller network. Only
    blocks that the network declares removable are candidates. Override ``select_blocks`` to
    choose the blocks in another way.
    """

    granularity: ClassVar[str] = "block"
    schedules: ClassVar[tuple[str, ...]] = ("one-shot", "iterative")
    may_miss_target: ClassVar[bool] = True

    def check(self, context) -> None:
        """Decline when a target network declares no removable block."""
        declared = removable_blocks(context.gan, context.target)
        for role in target_roles(context.target):
            if not any(name.startswith(role + ".") for name in declared):
                network = context.gan.network(role)
                raise MethodDeclined(
                    f"the {role} ({type(network).__name__}) declares no removable block; layer "
                    "removal needs blocks whose output has the shape of their input, listed by "
                    "the network's removable_blocks() method"
                )

    def score_blocks(self, context) -> dict[str, float]:
        """Return an importance score per removable block; low scores are removed first.

        Keys are the qualified names of ``context.removable_blocks``. Scores must be finite.
        Scoring must not change the networks.
        """
        raise NotImplementedError(
            f"pruning method {self.name!r} must implement score_blocks() or override select_blocks()"
        )

    def select_blocks(self, context, sparsity: float) -> BlockSelection:
        """Return the blocks to remove so that each target network is closest to ``sparsity``."""
        names = context.removable_blocks
        scores = validate_block_scores(self.score_blocks(context), names)
        return closest_selection(context, scores, sparsity)

    def prune(self, context, sparsity):
        raise TypeError(
            f"{self.name!r} is a block method: the core calls select_blocks(), not prune()"
        )


def validate_block_scores(scores: object, names: list[str]) -> dict[str, float]:
    """Return the scores as floats after checking that they cover exactly ``names``.

    Raises ValueError naming the problem: not a dict, missing or unexpected names, a value
    that is not a finite number.
    """
    if not isinstance(scores, dict):
        raise ValueError(f"block scores must be a dict mapping block names to numbers, got {type(scores).__name__}")
    missing = [name for name in names if name not in scores]
    unexpected = [name for name in scores if name not in names]
    if missing or unexpected:
        raise ValueError(
            f"block scores must cover exactly the removable blocks; missing {missing}, "
            f"unexpected {unexpected}"
        )
    checked = {}
    for name in names:
        try:
            value = float(scores[name])
        except (TypeError, ValueError):
            raise ValueError(f"block score for {name} is {scores[name]!r}, not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"block score for {name} is {value}, not finite")
        checked[name] = value
    return checked


def closest_selection(context, scores: dict[str, float], sparsity: float) -> BlockSelection:
    """Return the lowest-scored blocks of each network whose removal comes closest to ``sparsity``.

    Sparsities are per network, relative to its prunable weights before any pruning
    (``context.initial_role_counts``). Ties in score go to the block listed first.
    """
    remove: list[str] = []
    reasons: list[str] = []
    for role in target_roles(context.target):
        candidates = [name for name in scores if name.startswith(role + ".")]
        order = sorted(candidates, key=lambda name: (scores[name], candidates.index(name)))
        initial = context.initial_role_counts[role]
        remaining = sum(
            weight.numel() for name, weight in context.weights.items() if name.startswith(role + ".")
        )
        sparsities = [1.0 - remaining / initial]
        for name in order:
            remaining -= block_weight_count(context.gan, name)
            sparsities.append(1.0 - remaining / initial)
        count = min(range(len(sparsities)), key=lambda k: (abs(sparsities[k] - sparsity), k))
        remove += order[:count]
        reason = _shortfall(role, sparsities, count, sparsity)
        if reason:
            reasons.append(reason)
    return BlockSelection(tuple(remove), "; ".join(reasons))


def _shortfall(role: str, sparsities: list[float], count: int, target: float) -> str:
    """Return why ``count`` removed blocks miss ``target``, or "" when within the tolerance."""
    reached = sparsities[count]
    if abs(reached - target) <= STRUCTURED_TOLERANCE:
        return ""
    removable = len(sparsities) - 1
    text = f"{role} stopped at sparsity {reached:.4f} for the target {target:.4f}: "
    if reached < target and count == removable:
        return text + f"no removable block remains ({count} of {removable} removed)"
    if reached < target:
        return text + (
            f"blocks are removed whole, and removing {count + 1} of {removable} would give "
            f"{sparsities[count + 1]:.4f}, further from the target"
        )
    return text + (
        f"blocks are removed whole, and removing {count - 1} of {removable} would give "
        f"{sparsities[count - 1]:.4f}, further from the target"
    )
