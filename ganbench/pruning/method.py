"""The pruning-method contract that every method plugin implements.

In its simplest form a method is a subclass with a ``name`` and a ``score`` method that returns
one importance score per prunable weight. The core turns scores into masks (with a global or
layer-wise threshold), enforces them during fine-tuning and records the run. A method that
needs more overrides ``prune``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from ganbench.errors import UsageError
from ganbench.pruning.context import PruningContext
from ganbench.pruning.masks import SCOPES, scores_to_masks, validate_scores


class PruningMethod:
    """Base class of pruning methods.

    Class attributes:

    * ``name``: the registry name, unique across plugins (lower case, ``-`` between words).
    * ``description``: one line shown by ``ganbench list``.
    * ``granularity``: ``"unstructured"`` (per weight).
    * ``scope``: the default threshold scope, ``"global"`` or ``"layer"``; every method also
      accepts ``scope`` as an option.
    * ``options``: further options the method accepts, mapping each name to its default; a
      given value must have the default's type.
    * ``version``: part of every run key; bump it when the method's results change meaning,
      so that old results are not mixed with new ones.

    Instances are created once per run with that run's options, available as
    ``self.settings``.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    granularity: ClassVar[str] = "unstructured"
    scope: ClassVar[str] = "global"
    options: ClassVar[dict[str, Any]] = {}
    version: ClassVar[int] = 1

    def __init__(self, **options: Any):
        self.settings = resolve_options(type(self), options)

    def check(self, context: PruningContext) -> None:
        """Raise ``MethodDeclined`` with a reason if this method cannot prune the context.

        The default accepts every model.
        """

    def score(self, context: PruningContext) -> dict[str, torch.Tensor]:
        """Return an importance score per prunable weight; low scores are pruned first.

        Keys and shapes must match ``context.weights``; scores must be finite. Scoring must
        not change the networks' weights or buffers.
        """
        raise NotImplementedError(
            f"pruning method {self.name!r} must implement score() or override prune()"
        )

    def prune(self, context: PruningContext, sparsity: float) -> dict[str, torch.Tensor]:
        """Return a bool mask per prunable weight (True = kept) at the target ``sparsity``.

        The default scores the weights, validates the scores and thresholds them with the
        ``scope`` option. Raises ValueError naming the problem when the scores are malformed.
        """
        scores = validate_scores(self.score(context), context.weights)
        return scores_to_masks(scores, sparsity, self.settings["scope"])


def resolve_options(method: type[PruningMethod], given: dict[str, Any]) -> dict[str, Any]:
    """Merge ``given`` options with the method's defaults, rejecting unknown or mistyped ones."""
    defaults = {"scope": method.scope, **method.options}
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
    resolved = {**defaults, **given}
    if resolved["scope"] not in SCOPES:
        raise UsageError(
            f"option scope of pruning method {method.name!r} must be one of "
            f"{', '.join(SCOPES)}, got {resolved['scope']!r}"
        )
    return resolved


def method_label(method: type[PruningMethod], given: dict[str, Any]) -> str:
    """Return the canonical label of a method with options, e.g. ``magnitude:scope=layer``.

    Options equal to their defaults are left out, so equal configurations get equal labels.
    """
    resolved = resolve_options(method, given)
    defaults = {"scope": method.scope, **method.options}
    changed = [f"{key}={_format(resolved[key])}" for key in sorted(resolved) if resolved[key] != defaults[key]]
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
