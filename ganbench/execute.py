"""Executing one run: load the dense baseline, prune, fine-tune, evaluate, build the row.

Every failure is caught here and turned into a row with status ``failed`` (or ``declined``
when a method cannot handle the model), so that a sweep always goes on.
"""

from __future__ import annotations

import logging
import time
import traceback

import torch

from ganbench import METRICS_VERSION, schema
from ganbench.baselines import BaselineCache
from ganbench.collapse import run_evidence
from ganbench.errors import MethodDeclined, PluginError, describe_error
from ganbench.metrics.evaluate import evaluate, feature_extractor
from ganbench.models.family import GAN
from ganbench.pruning.context import PruningContext
from ganbench.pruning.enforce import MaskEnforcer
from ganbench.pruning.parameters import prunable_weights, sparsity
from ganbench.registry import Registry
from ganbench.suite import RunSpec
from ganbench.training import train

logger = logging.getLogger(__name__)

# Largest allowed gap between achieved and target sparsity, as a fraction of prunable weights.
SPARSITY_TOLERANCE = 0.005

# Fine-tuning draws from its own stream so that it does not depend on what scoring consumed.
FINETUNE_SEED_OFFSET = 7_919


def identity_row(spec: RunSpec) -> dict:
    """Return the columns that identify a run, before any result is known."""
    return {
        schema.RUN_KEY: spec.key(),
        schema.SUITE: spec.suite,
        schema.STATUS: "",
        schema.ERROR: "",
        schema.DATASET: spec.dataset,
        schema.MODEL: spec.model,
        schema.METHOD: spec.method,
        schema.SPARSITY: spec.sparsity,
        schema.TARGET: spec.target,
        schema.SEED: spec.seed,
        schema.FINETUNE_STEPS: spec.finetune.steps,
        schema.BASELINE_KEY: spec.baseline.key(),
        schema.METRICS_VERSION: METRICS_VERSION,
    }


def execute_run(spec: RunSpec, registry: Registry, cache: BaselineCache) -> dict:
    """Run ``spec`` and return its result row; never raises for a failed run."""
    started = time.perf_counter()
    row = identity_row(spec)
    try:
        row.update(_run(spec, registry, cache))
        row[schema.STATUS] = schema.STATUS_OK
    except MethodDeclined as reason:
        row[schema.STATUS] = schema.STATUS_DECLINED
        row[schema.ERROR] = f"method {spec.method!r} declined: {reason}"
    except Exception as error:  # any failure, a plugin's included, must not end the sweep
        logger.debug("run %s failed:\n%s", spec.describe(), traceback.format_exc())
        row[schema.STATUS] = schema.STATUS_FAILED
        row[schema.ERROR] = describe_error(error)
    row[schema.DURATION] = round(time.perf_counter() - started, 3)
    return row


def _run(spec: RunSpec, registry: Registry, cache: BaselineCache) -> dict:
    family = registry.model(spec.model)
    dataset_spec = registry.dataset(spec.dataset)
    dataset = dataset_spec.load()
    baseline = cache.get(spec.baseline, family, dataset_spec)
    torch.manual_seed(spec.seed)
    gan, optimizers = baseline.build(family, dataset_spec)

    masks: dict[str, torch.Tensor] = {}
    if not spec.is_dense:
        masks = prune(spec, registry, gan, family, dataset)
        enforcer = MaskEnforcer(prunable_weights(gan, spec.target), masks)
        for optimizer in optimizers:
            enforcer.attach(optimizer)

    rng = torch.Generator().manual_seed(spec.seed + FINETUNE_SEED_OFFSET)
    log = train(gan, family, dataset, spec.finetune, spec.finetune.steps, optimizers, rng)

    measured_on = "generator" if spec.is_dense else spec.target
    row = {
        schema.SPARSITY_ACHIEVED: sparsity(prunable_weights(gan, measured_on)),
        schema.FEATURES: feature_extractor(dataset_spec).fingerprint(),
    }
    row.update(evaluate(gan, dataset_spec, dataset, registry.metrics(), spec.eval, spec.seed, masks))
    row.update(run_evidence(dataset_spec, dataset, log))
    return row


def prune(spec: RunSpec, registry: Registry, gan: GAN, family, dataset) -> dict[str, torch.Tensor]:
    """Ask the run's method for masks, apply them and check the achieved sparsity.

    Raises ``PluginError`` naming the method's plugin when the method raises, returns
    malformed masks or misses the target by more than ``SPARSITY_TOLERANCE``; re-raises
    ``MethodDeclined``.
    """
    method_class = registry.method(spec.method_name)
    plugin = f"{registry.provider('method', spec.method_name).plugin} (method {spec.method_name!r})"
    method = method_class(**dict(spec.method_options))
    context = PruningContext(gan, family, dataset, spec.target, spec.finetune, seed=spec.seed)

    try:
        method.check(context)
        masks = method.prune(context, spec.sparsity)
    except MethodDeclined:
        raise
    except Exception as error:
        raise PluginError(plugin, f"{type(error).__name__}: {error}") from error

    masks = _validate_masks(masks, context.weights, plugin)
    MaskEnforcer(context.weights, masks).apply()
    achieved = sparsity(context.weights)
    if abs(achieved - spec.sparsity) > SPARSITY_TOLERANCE:
        raise PluginError(
            plugin,
            f"reached sparsity {achieved:.4f} instead of the target {spec.sparsity:.4f} "
            f"(allowed difference {SPARSITY_TOLERANCE})",
        )
    return masks


def _validate_masks(masks, weights, plugin: str) -> dict[str, torch.Tensor]:
    if not isinstance(masks, dict) or set(masks) != set(weights):
        got = sorted(masks) if isinstance(masks, dict) else type(masks).__name__
        raise PluginError(plugin, f"prune() must return one mask per prunable weight, got {got}")
    checked = {}
    for name, weight in weights.items():
        mask = masks[name]
        if not isinstance(mask, torch.Tensor) or mask.shape != weight.shape:
            shape = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
            raise PluginError(
                plugin, f"mask for {name} has shape {shape}, the weight has {tuple(weight.shape)}"
            )
        if mask.dtype != torch.bool and not bool(((mask == 0) | (mask == 1)).all()):
            raise PluginError(plugin, f"mask for {name} contains values other than 0 and 1")
        checked[name] = mask.to(torch.bool)
    return checked
