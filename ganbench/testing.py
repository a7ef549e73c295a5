"""A conformance kit for pruning-method authors: one call checks a method on every model family.

Put this in your plugin's tests::

    from ganbench.testing import check_method

    def test_my_method_conforms():
        check_method("my-method")            # a registered name, or the PruningMethod subclass

``check_method`` trains tiny dense baselines (a few dozen steps) for every shipped model
family on a 2-D mixture and on 8 × 8 digits, runs the method on them through the same code
path as ``ganbench run`` and checks, for each pair:

* ``target sparsity``: the run at ``sparsity`` succeeds and reaches it (within 0.005 for
  masks, 0.02 for channel and block removal); a method may decline a model, but not every
  model. A method that declares ``may_miss_target`` may miss it when the run states why;
* ``pruned stay zero``: after fine-tuning, every weight its masks prune is still zero, and the
  achieved sparsity is unchanged;
* ``deterministic``: a second run with the same seed gives bit-identical networks;
* ``baseline untouched``: the cached baseline file and the loaded baseline are unchanged;
* ``output shapes``: the generator's samples and the discriminator's scores keep their shapes;
* ``sparsity 0``: the method prunes nothing and does not fail;
* ``sparsity 0.99``: the method reaches 0.99 or declines with a reason; it does not fail.

It raises ``ConformanceError`` (an ``AssertionError``) listing every check with the plugin,
model and reason, and returns a ``ConformanceReport`` when all pass. When the run at the
target sparsity is declined or fails, the checks that need it are listed as skipped. With the
default settings, a call took 4 s for ``magnitude`` and 6 s for ``sensitivity`` on an idle
2-core machine, baseline training included.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ganbench import defaults
from ganbench.baselines import BaselineCache, BaselineConfig
from ganbench.errors import MethodDeclined
from ganbench.execute import FINETUNE_SEED_OFFSET
from ganbench.pruning.method import PruningMethod
from ganbench.pruning.parameters import achieved_sparsity, prunable_weights
from ganbench.pruning.procedure import PruningOutcome, prune_and_train
from ganbench.pruning.pruners import SPARSITY_TOLERANCE
from ganbench.pruning.channels import STRUCTURED_TOLERANCE
from ganbench.registry import Registry, load_registry

MODELS = ("dcgan", "cgan", "wgan-gp")
DATASETS = ("ring8", "digits")
HIGH_SPARSITY = 0.99


class ConformanceError(AssertionError):
    """A pruning method failed one or more conformance checks; the message lists them."""


@dataclass(frozen=True)
class Check:
    """The outcome of one check on one (dataset, model) pair.

    A skipped check was not run, because the run it needs was declined or failed; it counts
    as neither passed nor failed.
    """

    dataset: str
    model: str
    name: str
    passed: bool
    detail: str = ""
    skipped: bool = False


@dataclass
class ConformanceReport:
    """Every check made for one method; ``failures`` are those that did not pass."""

    method: str
    plugin: str
    checks: list[Check] = field(default_factory=list)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed and not check.skipped]

    def render(self) -> str:
        lines = [f"conformance of pruning method {self.method!r} ({self.plugin}):"]
        for check in self.checks:
            status = "pass" if check.passed else "FAIL"
            if check.skipped:
                status = "skip"
            detail = f": {check.detail}" if check.detail else ""
            lines.append(f"  {status}  {check.dataset}/{check.model}  {check.name}{detail}")
        return "\n".join(lines)


def check_method(
    method: str | type[PruningMethod],
    *,
    options: dict | None = None,
    models: tuple[str, ...] = MODELS,
    datasets: tuple[str, ...] = DATASETS,
    target: str = "generator",
    sparsity: float = 0.5,
    seed: int = 0,
    baseline_steps: int = 12,
    finetune_steps: int = 4,
    cache_dir: str | Path | None = None,
    registry: Registry | None = None,
) -> ConformanceReport:
    """Run the conformance checks for ``method`` and raise ``ConformanceError`` on failure.

    ``method`` is a registered method name or a ``PruningMethod`` subclass (which need not be
    registered); ``options`` are its options. Baselines are trained for ``baseline_steps``
    and cached in ``cache_dir`` (a temporary folder by default); every pruned run fine-tunes
    for ``finetune_steps``. Torch runs on one thread during the checks, a sweep's default,
    and the caller's thread count is restored afterwards.
    """
    previous_threads = torch.get_num_threads()
    # One thread, a sweep's default (--threads 1), so that the kit times and computes as a
    # sweep does.
    torch.set_num_threads(1)
    try:
        return _check_method(method, options, models, datasets, target, sparsity, seed,
                             baseline_steps, finetune_steps, cache_dir, registry)
    finally:
        torch.set_num_threads(previous_threads)


def _check_method(method, options, models, datasets, target, sparsity, seed, baseline_steps,
                  finetune_steps, cache_dir, registry) -> ConformanceReport:
    registry = registry or load_registry()
    if isinstance(method, str):
        method_class = registry.method(method)
        plugin = f"{registry.provider('method', method).plugin} (method {method!r})"
    else:
        method_class = method
        plugin = f"{method.__module__} (method {method.name!r})"
    report = ConformanceReport(method_class.name, plugin)
    options = dict(options or {})

    with tempfile.TemporaryDirectory(prefix="ganbench-conformance-") as scratch:
        cache = BaselineCache(Path(cache_dir) if cache_dir is not None else Path(scratch))
        for dataset_name in datasets:
            for model in models:
                pair = _Pair(registry, cache, dataset_name, model, seed, baseline_steps,
                             finetune_steps, target)
                report.checks += pair.check(method_class, options, plugin, sparsity)

    if not any(check.passed for check in report.checks if check.name == "target sparsity"):
        report.checks.append(
            Check("*", "*", "target sparsity", False,
                  "the method declined or failed on every model, so nothing was checked")
        )
    if report.failures:
        raise ConformanceError(report.render())
    return report


class _Pair:
    """One (dataset, model) pair: its tiny baseline and the runs made on it."""

    def __init__(self, registry, cache, dataset_name, model, seed, baseline_steps, finetune_steps, target):
        self.dataset_name = dataset_name
        self.model = model
        self.target = target
        self.seed = seed
        self.family = registry.model(model)
        self.spec = registry.dataset(dataset_name)
        self.dataset = self.spec.load()
        train = dataclasses.replace(defaults.training(self.spec.kind, model), steps=baseline_steps)
        self.config = BaselineConfig(dataset_name, model, seed, defaults.architecture(self.spec.kind), train)
        self.finetune = dataclasses.replace(train, steps=finetune_steps)
        self.cache = cache
        self.baseline = cache.get(self.config, self.family, self.spec)

    def check(self, method_class, options, plugin, sparsity) -> list[Check]:
        checks: list[Check] = []
        file_digest = _file_digest(self.cache.path(self.config))
        state_digest = _state_digest(self.baseline.state)
        dense_shapes = self._output_shapes(self.baseline.build(self.family, self.spec)[0])

        first, problem = self._run(method_class, options, plugin, sparsity)
        if problem is not None:
            declined = isinstance(problem, MethodDeclined)
            checks.append(self._check("target sparsity", declined, _describe(problem)))
            reason = f"not run, because the run at sparsity {sparsity:g} {'was declined' if declined else 'failed'}"
            checks += [
                Check(self.dataset_name, self.model, name, False, reason, skipped=True)
                for name in ("pruned stay zero", "deterministic", "output shapes")
            ]
        else:
            checks.append(self._target_check("target sparsity", method_class, first, sparsity))
            revived = _revived(first)
            checks.append(self._check(
                "pruned stay zero", revived == 0,
                f"{revived} pruned weights are non-zero after fine-tuning" if revived else "",
            ))
            second, again = self._run(method_class, options, plugin, sparsity)
            difference = "the second run failed: " + _describe(again) if again else _difference(first.gan, second.gan)
            checks.append(self._check("deterministic", not difference, difference))
            shapes = self._output_shapes(first.gan)
            checks.append(self._check(
                "output shapes", shapes == dense_shapes,
                "" if shapes == dense_shapes else f"dense {dense_shapes}, pruned {shapes}",
            ))

        checks.append(self._extreme(method_class, options, plugin, 0.0))
        checks.append(self._extreme(method_class, options, plugin, HIGH_SPARSITY))

        untouched = (
            _file_digest(self.cache.path(self.config)) == file_digest
            and _state_digest(self.baseline.state) == state_digest
        )
        checks.append(self._check(
            "baseline untouched", untouched,
            "" if untouched else "the cached baseline changed during the method's runs",
        ))
        return checks

    def _run(self, method_class, options, plugin, sparsity) -> tuple[PruningOutcome | None, Exception | None]:
        torch.manual_seed(self.seed)
        gan, optimizers = self.baseline.build(self.family, self.spec)
        rng = torch.Generator().manual_seed(self.seed + FINETUNE_SEED_OFFSET)
        try:
            outcome = prune_and_train(
                method_class, options, plugin, baseline=self.baseline, gan=gan,
                optimizers=optimizers, family=self.family, spec=self.spec, dataset=self.dataset,
                target=self.target, sparsity=sparsity, seed=self.seed, finetune=self.finetune,
                rng=rng,
            )
        except Exception as error:  # every failure is a finding, not a crash
            return None, error
        return outcome, None

    def _extreme(self, method_class, options, plugin, sparsity) -> Check:
        name = f"sparsity {sparsity:g}"
        outcome, problem = self._run(method_class, options, plugin, sparsity)
        if problem is not None:
            return self._check(name, isinstance(problem, MethodDeclined), _describe(problem))
        return self._target_check(name, method_class, outcome, sparsity)

    def _target_check(self, name, method_class, outcome: PruningOutcome, sparsity: float) -> Check:
        """Pass when the target is reached, or missed with a reason by a method that may miss it."""
        achieved = self._achieved(outcome.gan)
        tolerance = SPARSITY_TOLERANCE if method_class.granularity == "unstructured" else STRUCTURED_TOLERANCE
        detail = f"achieved {achieved:.4f} for target {sparsity:.4f} (allowed difference {tolerance})"
        if abs(achieved - sparsity) <= tolerance:
            return self._check(name, True, detail)
        if method_class.may_miss_target and outcome.sparsity_note:
            return self._check(name, True, f"{detail}; missed: {outcome.sparsity_note}")
        return self._check(name, False, detail)

    def _achieved(self, gan) -> float:
        dense, _ = self.baseline.build(self.family, self.spec)
        initial = sum(weight.numel() for weight in prunable_weights(dense, self.target).values())
        return achieved_sparsity(prunable_weights(gan, self.target), initial)

    def _output_shapes(self, gan) -> tuple:
        rng = torch.Generator().manual_seed(self.seed)
        samples, labels = gan.generate(4, rng, self.dataset.class_frequencies())
        gan.discriminator.eval()
        with torch.no_grad():
            scores = gan.discriminator(samples, labels)
        return tuple(samples.shape), tuple(scores.shape)

    def _check(self, name: str, passed: bool, detail: str) -> Check:
        return Check(self.dataset_name, self.model, name, bool(passed), detail)


def _describe(problem: Exception) -> str:
    if isinstance(problem, MethodDeclined):
        return f"declined: {problem}"
    return f"{type(problem).__name__}: {problem}"


def _revived(outcome: PruningOutcome) -> int:
    weights = dict(outcome.gan.named_parameters())
    return sum(int((weights[name][~mask] != 0).sum()) for name, mask in outcome.masks.items())


def _difference(first, second) -> str:
    a, b = first.state_dict(), second.state_dict()
    for name, tensor in a.items():
        if name not in b or tensor.shape != b[name].shape or not torch.equal(tensor, b[name]):
            return f"{name} differs between two runs with the same seed"
    return ""


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state_digest(state) -> str:
    digest = hashlib.sha256()

    def visit(value) -> None:
        if isinstance(value, torch.Tensor):
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        elif isinstance(value, dict):
            for key in sorted(value, key=str):
                digest.update(str(key).encode())
                visit(value[key])
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        else:
            digest.update(repr(value).encode())

    visit(state)
    return digest.hexdigest()


__all__ = ["check_method", "ConformanceError", "ConformanceReport", "Check"]
