"""Suites: TOML files that define a sweep, and its expansion into run specifications.

A suite file has these keys (all optional except ``name``)::

    name = "quick"
    description = "..."
    datasets = ["ring8", "digits"]
    models = ["dcgan", "cgan", "wgan-gp"]
    methods = ["random", "magnitude", "magnitude:scope=layer"]   # NAME[:OPTION=VALUE,...]
    sparsities = [0.0, 0.5, 0.8, 0.9]
    seeds = [0]
    targets = ["generator"]          # generator, discriminator, both
    plugins = ["my_method.py"]       # files or folders, relative to the suite file

    [baseline]                       # training overrides for every dataset ...
    steps = 2000
    [baseline.digits]                # ... or for one dataset, or "dataset/model"
    batch_size = 32
    [architecture.ring8]             # z_dim, width, depth, embed_dim
    width = 64
    [finetune]
    steps = 300                      # the fine-tuning budget of every method
    [finetune.digits]
    steps = 200
    [eval]
    samples = 2500

Settings not given come from ``ganbench.defaults``. Sparsity 0 is always run once per
(dataset, model, seed) as the dense reference row, whatever ``sparsities`` says.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ganbench import METRICS_VERSION, defaults, schema
from ganbench.baselines import BaselineConfig
from ganbench.data.base import DatasetSpec
from ganbench.errors import UsageError
from ganbench.pruning.method import canonical_options, method_label, parse_method_spec
from ganbench.pruning.parameters import TARGETS
from ganbench.registry import Registry
from ganbench.settings import ArchSettings, EvalSettings, TrainSettings, replace_checked

SUITE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

SUITE_KEYS = {
    "name", "description", "datasets", "models", "methods", "sparsities", "seeds", "targets",
    "plugins", "baseline", "architecture", "finetune", "eval",
}


@dataclass(frozen=True)
class Suite:
    """A parsed suite file; names are checked against the registry by ``expand``."""

    name: str
    description: str
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    methods: tuple[str, ...]
    sparsities: tuple[float, ...]
    seeds: tuple[int, ...]
    targets: tuple[str, ...]
    plugins: tuple[str, ...] = ()
    baseline: dict[str, Any] = field(default_factory=dict)
    architecture: dict[str, Any] = field(default_factory=dict)
    finetune: dict[str, Any] = field(default_factory=dict)
    eval: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def restricted(self, **selections: tuple | None) -> "Suite":
        """Return a copy with the given axes (datasets, models, ...) replaced when not None."""
        changes = {axis: tuple(values) for axis, values in selections.items() if values is not None}
        suite = dataclasses.replace(self, **changes)
        validate_axes(suite)
        return suite


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a pruning method at one sparsity on one dense baseline."""

    suite: str
    dataset: str
    model: str
    method: str
    method_name: str
    method_options: tuple[tuple[str, Any], ...]
    sparsity: float
    target: str
    seed: int
    baseline: BaselineConfig
    finetune: TrainSettings
    eval: EvalSettings
    method_version: int = 0

    @property
    def is_dense(self) -> bool:
        return self.method == schema.DENSE_METHOD

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "model": self.model,
            "method": self.method,
            "method_version": self.method_version,
            "sparsity": self.sparsity,
            "target": self.target,
            "seed": self.seed,
            "baseline": self.baseline.key(),
            "finetune": dataclasses.asdict(self.finetune),
            "eval": dataclasses.asdict(self.eval),
            "metrics_version": METRICS_VERSION,
        }

    def key(self) -> str:
        """Return a 16-hex-digit key derived from the full resolved configuration.

        The suite's name is not part of the key: the same run in two suites is the same run.
        """
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        if self.is_dense:
            return f"{self.dataset}/{self.model} dense seed {self.seed}"
        return (
            f"{self.dataset}/{self.model} {self.method} sparsity {self.sparsity:g} "
            f"{self.target} seed {self.seed}"
        )


def builtin_suites() -> list[str]:
    """Return the names of the suites shipped in ``ganbench/suites``."""
    folder = resources.files("ganbench") / "suites"
    return sorted(item.name[: -len(".toml")] for item in folder.iterdir() if item.name.endswith(".toml"))


def load_suite(name_or_path: str) -> Suite:
    """Load a built-in suite by name or a suite file by path.

    Raises ``UsageError`` for an unknown name, an unreadable file or invalid contents.
    """
    candidate = Path(name_or_path)
    if name_or_path.endswith(".toml") or candidate.exists():
        path = candidate
    else:
        if name_or_path not in builtin_suites():
            raise UsageError(
                f"unknown suite {name_or_path!r}; built-in suites are: "
                f"{', '.join(builtin_suites())}; or pass the path of a .toml suite file"
            )
        path = Path(str(resources.files("ganbench") / "suites" / f"{name_or_path}.toml"))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"suite file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"suite file {path} cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"suite file {path} is not valid TOML: {error}") from None
    return parse_suite(data, path)


def parse_suite(data: dict, path: Path) -> Suite:
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        raise UsageError(
            f"suite file {path} has unknown key(s) {', '.join(unknown)}; "
            f"valid keys are: {', '.join(sorted(SUITE_KEYS))}"
        )
    if not isinstance(data.get("name"), str) or not data["name"]:
        raise UsageError(f"suite file {path} must set name = \"...\"")
    if not SUITE_NAME.fullmatch(data["name"]):
        raise UsageError(
            f"suite name {data['name']!r} in {path} is invalid; use letters, digits, '.', '_' "
            "and '-' only, because it names the results file"
        )
    methods = tuple(_method_entry(entry, path) for entry in _list(data, "methods", path, []))
    plugins = tuple(
        str((path.parent / plugin).resolve()) for plugin in _list(data, "plugins", path, [])
    )
    suite = Suite(
        name=data["name"],
        description=str(data.get("description", "")),
        datasets=tuple(_list(data, "datasets", path, ["ring8"])),
        models=tuple(_list(data, "models", path, ["dcgan"])),
        methods=methods,
        sparsities=tuple(_list(data, "sparsities", path, [0.0])),
        seeds=tuple(_list(data, "seeds", path, [0])),
        targets=tuple(_list(data, "targets", path, ["generator"])),
        plugins=plugins,
        baseline=_table(data, "baseline", path),
        architecture=_table(data, "architecture", path),
        finetune=_table(data, "finetune", path),
        eval=_table(data, "eval", path),
        source=str(path),
    )
    validate_axes(suite)
    return suite


def validate_axes(suite: Suite) -> None:
    """Check value ranges of the sweep axes; names are checked later against the registry."""
    for sparsity in suite.sparsities:
        if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float)) or not 0 <= sparsity < 1:
            raise UsageError(
                f"sparsity {sparsity!r} is outside [0, 1); sparsity is the fraction of prunable "
                "weights set to zero, for example 0.5 or 0.9"
            )
    for seed in suite.seeds:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise UsageError(f"seed {seed!r} must be a non-negative integer")
    for target in suite.targets:
        if target not in TARGETS:
            raise UsageError(f"unknown target {target!r}; valid targets are: {', '.join(TARGETS)}")
    for axis in ("datasets", "models", "sparsities", "seeds", "targets"):
        if not getattr(suite, axis):
            raise UsageError(f"suite {suite.name!r} selects no {axis}; give at least one")


def expand(suite: Suite, registry: Registry) -> list[RunSpec]:
    """Return every run of the suite, dense reference rows first, without duplicates."""
    for dataset in suite.datasets:
        registry.dataset(dataset)
    for model in suite.models:
        registry.model(model)
    methods = []
    for spec in suite.methods:
        name, options = parse_method_spec(spec)
        method_class = registry.method(name)
        label = method_label(method_class, options)
        # Run keys hash the canonical options, so every spelling of a configuration is one run.
        canonical = tuple(canonical_options(method_class, options).items())
        methods.append((label, name, canonical, method_class.version))

    runs: list[RunSpec] = []
    seen: set[str] = set()
    for dataset, model, seed in itertools.product(suite.datasets, suite.models, suite.seeds):
        spec = registry.dataset(dataset)
        baseline = resolve_baseline(suite, spec.kind, dataset, model, seed)
        finetune = resolve_finetune(suite, spec.kind, dataset, model, baseline.train)
        evaluation = resolve_eval(suite, spec)
        common = dict(
            suite=suite.name, dataset=dataset, model=model, seed=seed,
            baseline=baseline, finetune=finetune, eval=evaluation,
        )
        candidates = [
            RunSpec(method=schema.DENSE_METHOD, method_name=schema.DENSE_METHOD, method_options=(),
                    sparsity=0.0, target=schema.DENSE_TARGET, **common)
        ]
        for (label, name, options, version), sparsity, target in itertools.product(
            methods, suite.sparsities, suite.targets
        ):
            if sparsity == 0:
                continue
            candidates.append(
                RunSpec(method=label, method_name=name, method_options=options,
                        sparsity=float(sparsity), target=target, method_version=version, **common)
            )
        for run in candidates:
            key = run.key()
            if key not in seen:
                seen.add(key)
                runs.append(run)
    return runs


def resolve_baseline(suite: Suite, kind: str, dataset: str, model: str, seed: int) -> BaselineConfig:
    """Return the baseline configuration: defaults, then suite-wide, dataset and pair overrides."""
    arch = defaults.architecture(kind)
    train = defaults.training(kind, model)
    for scope, overrides in _scoped(suite.architecture, dataset, model):
        arch = replace_checked(arch, overrides, f"[architecture{scope}] of suite {suite.name!r}")
    for scope, overrides in _scoped(suite.baseline, dataset, model):
        train = replace_checked(train, overrides, f"[baseline{scope}] of suite {suite.name!r}")
    _check_positive(arch, train, suite.name)
    return BaselineConfig(dataset=dataset, model=model, seed=seed, arch=arch, train=train)


def resolve_eval(suite: Suite, spec: DatasetSpec) -> EvalSettings:
    """Return the evaluation settings: kind defaults, then the dataset's own, then the suite's."""
    evaluation = defaults.evaluation(spec.kind)
    if spec.eval_samples is not None:
        evaluation = dataclasses.replace(evaluation, samples=spec.eval_samples)
    evaluation = replace_checked(evaluation, suite.eval, f"[eval] of suite {suite.name!r}")
    if evaluation.features not in ("dataset", "inception"):
        raise UsageError(
            f"[eval] features of suite {suite.name!r} must be \"dataset\" or \"inception\", "
            f"got {evaluation.features!r}"
        )
    return evaluation


def resolve_finetune(
    suite: Suite, kind: str, dataset: str, model: str, train: TrainSettings
) -> TrainSettings:
    """Return the fine-tuning settings: the baseline's optimiser with the budget's steps."""
    steps = defaults.finetune_steps(kind)
    for scope, overrides in _scoped(suite.finetune, dataset, model):
        unknown = sorted(set(overrides) - {"steps"})
        if unknown:
            raise UsageError(
                f"unknown setting(s) {', '.join(unknown)} in [finetune{scope}] of suite "
                f"{suite.name!r}; the fine-tuning budget has one setting: steps"
            )
        if "steps" in overrides:
            value = overrides["steps"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise UsageError(
                    f"[finetune{scope}] steps of suite {suite.name!r} must be a non-negative "
                    f"integer, got {value!r}"
                )
            steps = value
    return dataclasses.replace(train, steps=steps)


def _scoped(table: dict, dataset: str, model: str):
    """Yield (scope label, overrides) from general to specific: all, dataset, dataset/model."""
    general = {key: value for key, value in table.items() if not isinstance(value, dict)}
    if general:
        yield "", general
    for scope in (dataset, f"{dataset}/{model}"):
        specific = table.get(scope)
        if isinstance(specific, dict):
            yield f".{scope}", specific


def _check_positive(arch: ArchSettings, train: TrainSettings, suite: str) -> None:
    for name in ("steps", "batch_size", "critic_steps"):
        if getattr(train, name) < 1:
            raise UsageError(f"baseline setting {name} of suite {suite!r} must be at least 1")
    for name in ("z_dim", "width"):
        if getattr(arch, name) < 1:
            raise UsageError(f"architecture setting {name} of suite {suite!r} must be at least 1")


def _list(data: dict, key: str, path: Path, default: list) -> list:
    value = data.get(key, default)
    if not isinstance(value, list):
        raise UsageError(f"{key} in suite file {path} must be a list, got {value!r}")
    return value


def _table(data: dict, key: str, path: Path) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"[{key}] in suite file {path} must be a table, got {value!r}")
    return value


def _method_entry(entry: Any, path: Path) -> str:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        options = {key: value for key, value in entry.items() if key != "name"}
        rendered = ",".join(f"{key}={_render(value)}" for key, value in sorted(options.items()))
        return entry["name"] + (f":{rendered}" if rendered else "")
    raise UsageError(
        f"method {entry!r} in suite file {path} must be a string NAME[:OPTION=VALUE,...] "
        "or a table with a name key"
    )


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
