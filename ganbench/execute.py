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
from ganbench.compute import FlopCounter, PhaseCost, RunCost, step_flops
from ganbench.device import DEFAULT_DEVICE, move_to_device
from ganbench.errors import MethodDeclined, PluginError, describe_error
from ganbench.metrics.evaluate import evaluate, feature_extractor
from ganbench.metrics.protocol import metric_protocol
from ganbench.models.family import GAN
from ganbench.pruning.parameters import achieved_sparsity, prunable_weights
from ganbench.pruning.procedure import PruningOutcome, prune_and_train
from ganbench.registry import Registry
from ganbench.samples import SampleGrids, sample_grid
from ganbench.suite import RunSpec
from ganbench.training import train

logger = logging.getLogger(__name__)

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


def execute_run(
    spec: RunSpec,
    registry: Registry,
    cache: BaselineCache,
    grids: SampleGrids | None = None,
    device: str = DEFAULT_DEVICE,
) -> dict:
    """Run ``spec`` on ``device`` and return its result row; never raises for a failed run.

    When ``grids`` is given, a successful run also stores a picture of its samples there.
    """
    started = time.perf_counter()
    row = identity_row(spec)
    row[schema.DEVICE] = device
    try:
        row.update(_run(spec, registry, cache, grids, device))
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


def _run(
    spec: RunSpec, registry: Registry, cache: BaselineCache, grids: SampleGrids | None, device: str
) -> dict:
    family = registry.model(spec.model)
    dataset_spec = registry.dataset(spec.dataset)
    dataset = dataset_spec.load()
    baseline = cache.get(spec.baseline, family, dataset_spec, device)
    torch.manual_seed(spec.seed)
    gan, optimizers = baseline.build(family, dataset_spec)
    measured_on = "generator" if spec.is_dense else spec.target
    initial_count = sum(weight.numel() for weight in prunable_weights(gan, measured_on).values())
    pretraining = PhaseCost(
        steps=spec.baseline.train.steps,
        seconds=float(baseline.state.get("log", {}).get("seconds", float("nan"))),
        flops=spec.baseline.train.steps * step_flops(gan, family, dataset, spec.baseline.train),
    )
    rng = torch.Generator().manual_seed(spec.seed + FINETUNE_SEED_OFFSET)

    masks: dict[str, torch.Tensor] = {}
    note = ""
    pruning = PhaseCost()
    move_to_device(gan, optimizers, device)
    if spec.is_dense:
        finetuning = PhaseCost(
            steps=spec.finetune.steps,
            flops=spec.finetune.steps * step_flops(gan, family, dataset, spec.finetune),
        )
        log = train(gan, family, dataset, spec.finetune, spec.finetune.steps, optimizers, rng)
        finetuning.seconds = log.seconds
    else:
        started = time.perf_counter()
        with FlopCounter() as counter:
            outcome = prune(
                spec, registry, baseline, gan, optimizers, family, dataset_spec, dataset, rng, device
            )
        gan, masks, log, note = outcome.gan, outcome.masks, outcome.log, outcome.sparsity_note
        # The schedule's training is fine-tuning; scoring and analysis around it are pruning.
        finetuning = PhaseCost(steps=outcome.steps, seconds=outcome.seconds, flops=outcome.flops)
        pruning.steps = outcome.pruning_steps
        pruning.seconds = time.perf_counter() - started - outcome.seconds
        pruning.flops = counter.flops - outcome.flops
        if not outcome.uses_pretraining:
            pretraining = PhaseCost()

    extractor = feature_extractor(dataset_spec, spec.eval).to(device)
    row = {
        schema.SPARSITY_ACHIEVED: achieved_sparsity(prunable_weights(gan, measured_on), initial_count),
        schema.SPARSITY_NOTE: note,
        schema.TRAIN_STEPS: finetuning.steps,
        schema.FEATURES: extractor.fingerprint(),
        schema.METRIC_PROTOCOL: metric_protocol(extractor, spec.eval, dataset),
    }
    row.update(evaluate(gan, dataset_spec, dataset, registry.metrics(), spec.eval, spec.seed, masks))
    row.update(RunCost(pretraining, pruning, finetuning).columns())
    row.update(run_evidence(dataset_spec, dataset, log, spec.eval))
    if grids is not None:
        _store_picture(grids, spec, gan, dataset)
    return row


def _store_picture(grids: SampleGrids, spec: RunSpec, gan: GAN, dataset) -> None:
    """Store the run's sample picture; a failure is logged, because the result stays valid."""
    try:
        picture = sample_grid(gan, dataset, spec.seed)
        if picture is not None:
            grids.write(spec.key(), picture)
    except Exception as error:  # a missing picture must not cost the run its result
        logger.warning("could not store the sample picture of %s: %s: %s",
                       spec.describe(), type(error).__name__, error)


def prune(
    spec: RunSpec, registry: Registry, baseline, gan: GAN, optimizers, family, dataset_spec,
    dataset, rng: torch.Generator, device: str = DEFAULT_DEVICE,
) -> PruningOutcome:
    """Prune and train ``gan`` with the run's method along its schedule.

    Raises ``PluginError`` naming the method's plugin when the method raises, returns
    malformed scores or masks, or misses the target (by more than 0.005 for masks, 0.02 for
    channels and blocks) without declaring that it may; re-raises ``MethodDeclined``.
    """
    method_class = registry.method(spec.method_name)
    plugin = f"{registry.provider('method', spec.method_name).plugin} (method {spec.method_name!r})"
    return prune_and_train(
        method_class, dict(spec.method_options), plugin,
        baseline=baseline, gan=gan, optimizers=optimizers, family=family, spec=dataset_spec,
        dataset=dataset, target=spec.target, sparsity=spec.sparsity, seed=spec.seed,
        finetune=spec.finetune, rng=rng, device=device,
    )
