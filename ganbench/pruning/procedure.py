"""One pruned run from start to finish: build the method, prune along its schedule, train.

``prune_and_train`` is what the runner and the conformance kit (``ganbench.testing``) call for
every non-dense run. It raises ``PluginError`` naming the plugin when the method raises,
returns malformed scores or masks, or misses the target; ``MethodDeclined`` when the method
cannot handle the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ganbench.baselines import Baseline
from ganbench.data.base import Dataset, DatasetSpec
from ganbench.device import DEFAULT_DEVICE
from ganbench.models.family import GAN, GANFamily
from ganbench.pruning.context import PruningContext
from ganbench.pruning.method import PruningMethod
from ganbench.pruning.parameters import target_roles
from ganbench.pruning.pruners import call_plugin, make_pruner
from ganbench.pruning.schedules import FineTuner, run_schedule
from ganbench.settings import TrainSettings
from ganbench.training import TrainingLog, make_optimizers


@dataclass
class PruningOutcome:
    """The pruned and trained GAN, its final masks and what its training cost.

    ``steps``, ``seconds`` and ``flops`` are the generator updates, wall time and estimated
    FLOPs of the schedule's training. ``pruning_steps`` are the steps the method reported
    training for itself outside the schedule (``PruningContext.trained_steps``).
    ``uses_pretraining`` is False for methods that start from initialization instead of the
    trained dense baseline. ``log`` is the loss log of the last training segment.
    ``sparsity_note`` says why the target sparsity was missed, for methods that may miss it
    (``PruningMethod.may_miss_target``), and is empty otherwise.
    """

    gan: GAN
    masks: dict[str, torch.Tensor]
    steps: int
    seconds: float
    flops: int
    pruning_steps: int
    uses_pretraining: bool
    log: TrainingLog | None = None
    sparsity_note: str = ""


def prune_and_train(
    method_class: type[PruningMethod],
    options: dict,
    plugin: str,
    *,
    baseline: Baseline,
    gan: GAN,
    optimizers: tuple,
    family: GANFamily,
    spec: DatasetSpec,
    dataset: Dataset,
    target: str,
    sparsity: float,
    seed: int,
    finetune: TrainSettings,
    rng: torch.Generator,
    device: str = DEFAULT_DEVICE,
) -> PruningOutcome:
    """Prune ``gan`` (the trained baseline) to ``sparsity`` with the method and train it.

    Methods that start from the trained baseline get ``finetune.steps`` generator updates
    with the baseline's optimizer state. Methods that start from initialization get fresh
    networks, initialised as the baseline was (same seed), fresh optimizers and the
    baseline's whole budget. ``plugin`` names the method's plugin in error messages. Fresh
    networks are moved to ``device``, where ``gan`` and its optimizers already are.
    """
    method = call_plugin(plugin, lambda: method_class(**options))
    settings = finetune
    budget = finetune.steps
    if method.starts_from == "initialization":
        torch.manual_seed(seed)
        gan = family.build(spec, baseline.config.arch).to(device)
        settings = baseline.config.train
        optimizers = make_optimizers(gan, settings)
        budget = settings.steps

    context = PruningContext(gan, family, dataset, target, settings, seed=seed)
    call_plugin(plugin, lambda: method.check(context))
    pruner = make_pruner(method, context, plugin)
    pruner.attach(optimizers)
    tuner = FineTuner(gan, family, dataset, settings, optimizers, rng)

    if method.reinitialize:
        if method.settings["schedule"] != "one-shot" or method.starts_from != "initialization":
            raise ValueError(
                f"method {method.name!r} re-initialises after pruning, which needs "
                "starts_from='initialization' and the one-shot schedule"
            )
        pruner.prune_to(sparsity)
        reinitialize(gan, target, seed)
        tuner.train(budget)
    else:
        rewind = None if method.starts_from == "initialization" else _rewinder(gan, baseline)
        run_schedule(method.settings["schedule"], method.settings, pruner, tuner, sparsity,
                     budget, rewind)
    return PruningOutcome(
        gan=gan, masks=pruner.masks(), steps=tuner.steps, seconds=tuner.seconds,
        flops=tuner.flops, pruning_steps=int(context.trained_steps),
        uses_pretraining=method.starts_from != "initialization", log=tuner.last_log,
        sparsity_note=context.sparsity_note,
    )


def reinitialize(gan: GAN, target: str, seed: int) -> None:
    """Re-initialise every module of the target network(s) with its own ``reset_parameters``.

    Layers made narrower by channel removal get the initialisation of their new fan-in, which
    slicing a wider initialisation would not give.
    """
    torch.manual_seed(seed)
    for role in target_roles(target):
        for module in gan.network(role).modules():
            if module is not gan.network(role) and hasattr(module, "reset_parameters"):
                module.reset_parameters()


def _rewinder(gan: GAN, baseline: Baseline):
    def rewind() -> None:
        state = baseline.rewind_state()
        # load_state_dict copies into the existing tensors, so optimizers and masks stay valid.
        gan.generator.load_state_dict(state["generator"])
        gan.discriminator.load_state_dict(state["discriminator"])

    return rewind


