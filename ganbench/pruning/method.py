"""The pruning-method contract that every method plugin implements.

In its simplest form a method is a subclass with a ``name`` and a ``score`` method that returns
one importance score per prunable weight. The core turns scores into masks (with a global or
layer-wise threshold), runs the method's schedule, enforces the masks during fine-tuning and
records the run. A method that needs more overrides ``prune``; a structured method derives
from ``ganbench.pruning.channels.ChannelPruningMethod`` instead.

Schedules (``ganbench.pruning.schedules``), chosen by the ``schedule`` attribute or option:

* ``one-shot``: prune to the target once, then fine-tune for the whole budget.
* ``iterative``: ``rounds`` rounds; round i prunes to 1 − (1 − s)^(i/rounds) and fine-tunes
  for its share of the budget.
* ``gradual``: sparsity rises along the cubic curve of Zhu & Gupta (2017) during fine-tuning,
  masks are updated every ``update_every`` steps and frozen for the last
  ``freeze_fraction`` of the budget.
* ``rewinding``: like ``iterative``, but after every pruning round both networks are reset to
  the baseline's early snapshot (the surviving weights keep their early values), the masks are
  re-applied and the optimizers start afresh.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from ganbench.errors import UsageError
from ganbench.pruning.context import PruningContext
from ganbench.pruning.masks import SCOPES, exclude_pruned, scores_to_masks, validate_scores

SCHEDULES = ("one-shot", "iterative", "gradual", "rewinding")

# Options every method accepts for its schedule, with their defaults, and which schedule uses
# which of them. A method may change a default through its own ``options``.
SCHEDULE_OPTIONS: dict[str, Any] = {"rounds": 3, "update_every": 10, "freeze_fraction": 0.25}
SCHEDULE_PARAMETERS = {
    "one-shot": (),
    "iterative": ("rounds",),
    "gradual": ("update_every", "freeze_fraction"),
    "rewinding": ("rounds",),
}

# Where pruning starts: the trained dense baseline (fine-tuned for the fine-tuning budget), or
# fresh networks initialised like the baseline (trained for the baseline's whole budget).
STARTS = ("trained", "initialization")


class PruningMethod:
    """Base class of pruning methods.

    Class attributes:

    * ``name``: the registry name, unique across plugins (lower case, ``-`` between words).
    * ``description``: one line shown by ``ganbench list``.
    * ``granularity``: ``"unstructured"`` (per weight) or ``"channel"`` (whole output
      channels, see ``ChannelPruningMethod``).
    * ``scope``: the default threshold scope, ``"global"`` or ``"layer"``; every method also
      accepts ``scope`` as an option.
    * ``schedule``: the default schedule, one of ``SCHEDULES``; every method also accepts
      ``schedule`` and the parameters in ``SCHEDULE_OPTIONS`` as options.
    * ``schedules``: the schedules the method supports.
    * ``starts_from``: ``"trained"`` (prune the dense baseline, fine-tune for the fine-tuning
      budget) or ``"initialization"`` (prune freshly initialised networks, train them for the
      baseline's budget).
    * ``reinitialize``: re-initialise the target network(s) after pruning, so the pruned
      architecture trains from a fresh start (requires ``starts_from = "initialization"``).
    * ``options``: further options the method accepts, mapping each name to its default; a
      given value must have the default's type.
    * ``version``: part of every run key; bump it when the method's results change meaning,
      so that old results are not mixed with new ones.
    * ``may_miss_target``: the method's granularity cannot reach every sparsity (whole blocks,
      see ``ganbench.pruning.block_method``). A run that misses its target by more than the
      pruner's tolerance is then recorded with its achieved sparsity and the method's reason
      in the ``sparsity_note`` column, instead of failing; the method must give that reason.
      False for every other method, whose runs fail when they miss the target.

    Instances are created once per run with that run's options, available as
    ``self.settings``.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    granularity: ClassVar[str] = "unstructured"
    scope: ClassVar[str] = "global"
    schedule: ClassVar[str] = "one-shot"
    schedules: ClassVar[tuple[str, ...]] = SCHEDULES
    starts_from: ClassVar[str] = "trained"
    reinitialize: ClassVar[bool] = False
    options: ClassVar[dict[str, Any]] = {}
    version: ClassVar[int] = 1
    may_miss_target: ClassVar[bool] = False

    def __init__(self, **options: Any):
        self.settings = resolve_options(type(self), options)

    def check(self, context: PruningContext) -> None:
        """Raise ``MethodDeclined`` with a reason if this method cannot prune the context.

        The default accepts every model.
        """

    def score(self, context: PruningContext) -> dict[str, torch.Tensor]:
        """Return an importance score per prunable weight; low scores are pruned first.

        Keys and shapes must match ``context.weights``; scores must be finite. Scoring must
        not change the networks' weights or buffers. Weights that an earlier round of the
        schedule pruned (``context.masks``) stay pruned whatever their score.
        """
        raise NotImplementedError(
            f"pruning method {self.name!r} must implement score() or override prune()"
        )

    def prune(self, context: PruningContext, sparsity: float) -> dict[str, torch.Tensor]:
        """Return a bool mask per prunable weight (True = kept) at the target ``sparsity``.

        The default scores the weights, validates the scores and thresholds them with the
        ``scope`` option, ranking the weights already pruned (``context.masks``) lowest. An
        override must keep those weights pruned too. Raises ValueError naming the problem
        when the scores are malformed.
        """
        scores = validate_scores(self.score(context), context.weights)
        scores = exclude_pruned(scores, context.masks)
        return scores_to_masks(scores, sparsity, self.settings["scope"])


def resolve_options(method: type[PruningMethod], given: dict[str, Any]) -> dict[str, Any]:
    """Merge ``given`` options with the method's defaults, rejecting unknown or mistyped ones."""
    defaults = option_defaults(method)
    for key, value in given.items():
        if key not in defaults:
            raise UsageError(
                f"pruning method {method.name!r} has no option {key!r}; "
                f"valid options are: {', '.join(sorted(defaults))}"
            )
        expected = type(defaults[key])
        numeric = expected is float and isinstance(value, int) and not isinstance(value, bool)
        if not (isinstance(value, expected) or numeric) or (
            isinstance(value, bool) and expected is not bool
        ):
            raise UsageError(
                f"option {key!r} of pruning method {method.name!r} must be of type "
                f"{expected.__name__}, got {value!r}"
            )
    # An int given for a float option becomes a float, so that cap=1 and cap=1.0 are one setting.
    typed = {key: float(value) if type(defaults[key]) is float else value for key, value in given.items()}
    resolved = {**defaults, **typed}
    if resolved["scope"] not in SCOPES:
        raise UsageError(
            f"option scope of pruning method {method.name!r} must be one of "
            f"{', '.join(SCOPES)}, got {resolved['scope']!r}"
        )
    _check_schedule(method, resolved, given)
    return resolved


def option_defaults(method: type[PruningMethod]) -> dict[str, Any]:
    """Return every option ``method`` accepts with its default value."""
    return {"scope": method.scope, "schedule": method.schedule, **SCHEDULE_OPTIONS, **method.options}


def _check_schedule(method: type[PruningMethod], resolved: dict, given: dict) -> None:
    schedule = resolved["schedule"]
    if schedule not in method.schedules:
        raise UsageError(
            f"pruning method {method.name!r} does not support schedule {schedule!r}; "
            f"it supports: {', '.join(method.schedules)}"
        )
    unused = [
        key for key in given
        if key in SCHEDULE_OPTIONS and key not in SCHEDULE_PARAMETERS[schedule]
    ]
    if unused:
        users = [name for name, keys in SCHEDULE_PARAMETERS.items() if unused[0] in keys]
        raise UsageError(
            f"option {unused[0]!r} of pruning method {method.name!r} applies to the "
            f"{' and '.join(users)} schedules, not to {schedule!r}; set schedule= as well "
            "or drop the option"
        )
    if resolved["rounds"] < 1:
        raise UsageError(f"option rounds of pruning method {method.name!r} must be at least 1")
    if resolved["update_every"] < 1:
        raise UsageError(
            f"option update_every of pruning method {method.name!r} must be at least 1 step"
        )
    if not 0.0 <= resolved["freeze_fraction"] < 1.0:
        raise UsageError(
            f"option freeze_fraction of pruning method {method.name!r} must be in [0, 1), "
            f"got {resolved['freeze_fraction']}"
        )


def canonical_options(method: type[PruningMethod], given: dict[str, Any]) -> dict[str, Any]:
    """Return the options of ``given`` that differ from the defaults, typed and sorted by name.

    Options equal to their defaults are left out and ints given for float options become
    floats, so every spelling of one configuration gives the same dictionary. Raises
    ``UsageError`` for the invalid options that ``resolve_options`` rejects.
    """
    resolved = resolve_options(method, given)
    defaults = option_defaults(method)
    return {key: resolved[key] for key in sorted(resolved) if resolved[key] != defaults[key]}


def method_label(method: type[PruningMethod], given: dict[str, Any]) -> str:
    """Return the canonical label of a method with options, e.g. ``magnitude:scope=layer``.

    The label lists ``canonical_options``, so equal configurations get equal labels.
    """
    changed = [f"{key}={_format(value)}" for key, value in canonical_options(method, given).items()]
    return method.name + (":" + ",".join(changed) if changed else "")


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_method_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split ``name:key=value,key=value`` into a name and typed options.

    Values are parsed as booleans (``true``/``false``), integers or floats where possible and
    kept as strings otherwise.
    """
    name, _, rest = spec.partition(":")
    name = name.strip()
    if not name:
        raise UsageError(f"invalid method {spec!r}: expected NAME or NAME:OPTION=VALUE,...")
    options: dict[str, Any] = {}
    if rest.strip():
        for item in rest.split(","):
            key, equals, value = item.partition("=")
            if not equals or not key.strip():
                raise UsageError(
                    f"invalid option {item!r} in method {spec!r}: expected OPTION=VALUE"
                )
            options[key.strip()] = _parse_value(value.strip())
    return name, options


def _parse_value(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text
