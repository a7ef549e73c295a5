"""Sensitivity analysis: per-layer sparsity from how much pruning each layer alone hurts.

Han, Pool, Tran & Dally, "Learning both weights and connections for efficient neural
networks", NeurIPS 2015, chose per-layer pruning thresholds from such a sensitivity analysis.
Each prunable layer is pruned alone by magnitude at the ratios in ``RATIOS`` and the change of
a quality proxy is measured (``ganbench.pruning.proxy``): the adversarial loss of the
layer's network against the trained opponent, on fixed batches drawn once (generated samples
for the generator; real and generated samples for the discriminator). The test metrics are never used. Each layer's
curve of loss increase against ratio is made non-decreasing, and one threshold τ on it is
found by bisection such that pruning every layer as far as its curve stays below τ removes
the target fraction of that network's weights. The least sensitive layers are thus pruned
most. Each layer is capped at the largest probed ratio. With target ``both``, each network
reaches the target on its own, because the two losses have different scales.
"""

import math

import torch

from ganbench import hookimpl
from ganbench.errors import MethodDeclined
from ganbench.pruning import PruningMethod
from ganbench.pruning.masks import keep_largest
from ganbench.pruning.parameters import target_roles
from ganbench.pruning.proxy import AdversarialLossProxy

RATIOS = (0.25, 0.5, 0.75, 0.9, 0.95, 0.99)

# Added per unit of ratio to each curve, so that flat stretches still order the ratios and the
# total pruned weight count is continuous in τ.
TIE_SLOPE = 1e-9


class SensitivityPruning(PruningMethod):
    name = "sensitivity"
    description = "per-layer sparsity from a layer-by-layer sensitivity analysis of the adversarial loss (Han et al., 2015)"
    schedules = ("one-shot",)
    options = {"samples": 512}

    def prune(self, context, sparsity):
        if sparsity > RATIOS[-1]:
            raise MethodDeclined(
                f"layers are pruned at most to {RATIOS[-1]}, so the target {sparsity} is unreachable"
            )
        masks = {}
        for role in target_roles(context.target):
            names = [name for name in context.weights if name.startswith(role + ".")]
            proxy = AdversarialLossProxy(context, role, self.settings["samples"])
            curves = {name: layer_sensitivity(context.weights[name], proxy) for name in names}
            sizes = {name: context.weights[name].numel() for name in names}
            target = int(math.floor(sparsity * sum(sizes.values()) + 0.5))
            counts = allocate(curves, sizes, target)
            for name in names:
                masks[name] = keep_largest(context.weights[name].detach().abs(), sizes[name] - counts[name])
        return masks


def layer_sensitivity(weight: torch.Tensor, proxy) -> list[tuple[float, float]]:
    """Return [(ratio, loss increase)] for pruning ``weight`` alone by magnitude at ``RATIOS``.

    The point (0, 0) comes first. ``weight`` is restored afterwards.
    """
    base = proxy()
    saved = weight.detach().clone()
    curve = [(0.0, 0.0)]
    try:
        for ratio in RATIOS:
            keep = weight.numel() - int(math.floor(ratio * weight.numel() + 0.5))
            with torch.no_grad():
                weight.copy_(saved * keep_largest(saved.abs(), keep))
            curve.append((ratio, proxy() - base))
    finally:
        with torch.no_grad():
            weight.copy_(saved)
    return curve


def allocate(curves: dict, sizes: dict[str, int], target: int) -> dict[str, int]:
    """Return the number of weights to prune per layer, summing to ``target``.

    Each curve [(ratio, increase)] is made non-decreasing; a layer is pruned to the largest
    ratio whose interpolated increase is at most τ, and τ is found by bisection. Rounding is
    settled in the layers least sensitive at their allocation that still have room.
    """
    monotone = {}
    for name, curve in curves.items():
        running = -math.inf
        points = []
        for ratio, increase in curve:
            running = max(running, increase)
            points.append((ratio, running + TIE_SLOPE * ratio))
        monotone[name] = points

    def ratio_at(points, tau: float) -> float:
        if tau >= points[-1][1]:
            return points[-1][0]
        for (r0, v0), (r1, v1) in zip(points, points[1:]):
            if tau < v1:
                return r0 + (r1 - r0) * max(0.0, tau - v0) / (v1 - v0) if tau >= v0 else r0
        return points[-1][0]

    def total(tau: float) -> float:
        return sum(ratio_at(monotone[name], tau) * sizes[name] for name in sizes)

    low = min(points[0][1] for points in monotone.values())
    high = max(points[-1][1] for points in monotone.values())
    for _ in range(200):
        middle = (low + high) / 2
        if total(middle) < target:
            low = middle
        else:
            high = middle
    counts = {name: int(math.floor(ratio_at(monotone[name], high) * sizes[name])) for name in sizes}
    cap = {name: int(math.floor(monotone[name][-1][0] * sizes[name])) for name in sizes}

    # Settle the rounding difference one weight at a time, least sensitive layer first.
    order = sorted(sizes, key=lambda name: _slope(monotone[name], counts[name] / sizes[name]))
    difference = target - sum(counts.values())
    while difference != 0:
        step = 1 if difference > 0 else -1
        changed = False
        for name in order if step > 0 else reversed(order):
            if difference == 0:
                break
            if (step > 0 and counts[name] < cap[name]) or (step < 0 and counts[name] > 0):
                counts[name] += step
                difference -= step
                changed = True
        if not changed:
            break  # every layer is at its cap: the pruner reports the shortfall
    return counts


def _slope(points, ratio: float) -> float:
    for (r0, v0), (r1, v1) in zip(points, points[1:]):
        if ratio <= r1:
            return (v1 - v0) / (r1 - r0)
    return math.inf


@hookimpl
def ganbench_register_methods(register):
    register(SensitivityPruning)
