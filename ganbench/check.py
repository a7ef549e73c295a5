"""Regression check: compare fresh results with a committed reference table.

Rows are matched by run key. Parameter and FLOP counts, optimizer steps and the estimated
training FLOPs must match exactly. Quality metrics may move within a tolerance, and only a
move in the worse direction beyond it is a regression. A reference run that is missing from
the fresh results, or that succeeded in the reference but not in the fresh results, is also
a regression.

Default tolerances come from seed-to-seed variation. ``scripts/seed_variation.py`` ran the
``smoke`` suite with seeds 0-7, 48 runs (docs/leaderboards.md has the command and output).
It took each metric's standard deviation across seeds per run configuration, relative to the
mean for FID, and pooled it over configurations as a root mean square. The tolerance is
3 × √2 times that spread, because a fresh value and the reference are two draws, and a move
beyond three standard deviations of their difference is rare by chance. Figures are rounded
up to two significant digits:

=================== ============ ============ ===========================
metric              digits       ring8        any other dataset (pooled)
=================== ============ ============ ===========================
fid (lower better)  72 %         290 %        220 %
mode_kl (lower)     0.21         0.11         0.16
high_quality_share               0.088        0.088
modes_covered       1            1            1
=================== ============ ============ ===========================

No run of the 48 lost a mode, so the measured spread of ``modes_covered`` is 0; its
tolerance is one mode, the smallest step of a count. The smoke suite trains briefly, so its
spread is an upper bound for better-trained suites, whose runs vary less. On one machine the
same settings reproduce the reference exactly; the tolerances absorb floating-point
differences between CPUs, which GAN training amplifies to about a change of seed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from ganbench import schema
from ganbench.atomic import write_atomic
from ganbench.errors import UsageError
from ganbench.leaderboard import latest_rows
from ganbench.samples import samples_dir


@dataclass(frozen=True)
class Tolerance:
    """How far a metric may move: ``relative`` × |reference| + ``absolute``.

    ``direction`` is ``"lower"`` when lower values are better, ``"higher"`` when higher values
    are better, and ``"both"`` when any move beyond the tolerance is a regression.
    """

    direction: str
    absolute: float = 0.0
    relative: float = 0.0

    def allowed(self, reference: float) -> float:
        return self.absolute + self.relative * abs(reference)

    def regressed(self, reference: float, fresh: float) -> bool:
        allowed = self.allowed(reference)
        if self.direction == "lower":
            return fresh > reference + allowed
        if self.direction == "higher":
            return fresh < reference - allowed
        return abs(fresh - reference) > allowed

    def describe(self) -> str:
        if self.absolute == 0 and self.relative == 0:
            return "exact"
        parts = []
        if self.relative:
            parts.append(f"{self.relative * 100:g}%")
        if self.absolute:
            parts.append(f"{self.absolute:g}")
        return "+".join(parts)


EXACT = Tolerance("both")


@dataclass(frozen=True)
class Tolerances:
    """Tolerances per column, with per-dataset replacements for some columns."""

    default: dict[str, Tolerance]
    datasets: dict[str, dict[str, Tolerance]] = field(default_factory=dict)

    def for_dataset(self, dataset: str) -> dict[str, Tolerance]:
        """Return the tolerance of every checked column for rows of ``dataset``."""
        return {**self.default, **self.datasets.get(dataset, {})}

    def replaced(self, column: str, tolerance: Tolerance, dataset: str | None = None) -> "Tolerances":
        """Return a copy with ``column``'s tolerance replaced, for one dataset or for all."""
        if dataset is not None:
            datasets = {name: dict(table) for name, table in self.datasets.items()}
            datasets.setdefault(dataset, {})[column] = tolerance
            return Tolerances(dict(self.default), datasets)
        datasets = {
            name: {key: value for key, value in table.items() if key != column}
            for name, table in self.datasets.items()
        }
        return Tolerances({**self.default, column: tolerance}, datasets)

    def as_dict(self) -> dict:
        """Return a JSON-ready description: direction, absolute and relative per column."""
        return {
            "default": {column: dataclasses.asdict(t) for column, t in self.default.items()},
            "datasets": {
                name: {column: dataclasses.asdict(t) for column, t in table.items()}
                for name, table in sorted(self.datasets.items())
            },
        }


TOLERANCES = Tolerances(
    default={
        schema.G_PARAMS: EXACT,
        schema.G_PARAMS_NONZERO: EXACT,
        schema.G_FLOPS: EXACT,
        schema.G_FLOPS_EFFECTIVE: EXACT,
        schema.D_PARAMS: EXACT,
        schema.D_PARAMS_NONZERO: EXACT,
        schema.D_FLOPS: EXACT,
        schema.D_FLOPS_EFFECTIVE: EXACT,
        schema.PRETRAIN_STEPS: EXACT,
        schema.PRUNE_STEPS: EXACT,
        schema.TRAIN_STEPS: EXACT,
        schema.TRAIN_FLOPS: EXACT,
        schema.SPARSITY_ACHIEVED: Tolerance("both", absolute=0.001),
        schema.FID: Tolerance("lower", relative=2.2),
        schema.MODES_COVERED: Tolerance("higher", absolute=1.0),
        schema.HIGH_QUALITY_SHARE: Tolerance("higher", absolute=0.088),
        schema.MODE_KL: Tolerance("lower", absolute=0.16),
    },
    datasets={
        "digits": {
            schema.FID: Tolerance("lower", relative=0.72),
            schema.MODE_KL: Tolerance("lower", absolute=0.21),
        },
        "ring8": {
            schema.FID: Tolerance("lower", relative=2.9),
            schema.MODE_KL: Tolerance("lower", absolute=0.11),
        },
    },
)
"""The default tolerances; see the module docstring for how they were obtained."""

_SPEC = re.compile(r"^(?:(?P<relative>[0-9.]+(?:e-?[0-9]+)?)%)?\+?(?P<absolute>[0-9.]+(?:e-?[0-9]+)?)?$")


def parse_tolerance(text: str, tolerances: Tolerances) -> Tolerances:
    """Return ``tolerances`` with one override ``[DATASET:]COLUMN=SPEC`` applied.

    SPEC is ``exact``, a relative tolerance ``25%``, an absolute one ``0.05``, or both
    ``25%+0.05``. The column keeps its direction. Raises ``UsageError`` for an unknown
    column or a malformed SPEC.
    """
    target, equals, spec = text.partition("=")
    dataset, colon, column = target.rpartition(":")
    column, spec = column.strip(), spec.strip()
    if not equals or not column:
        raise UsageError(f"invalid tolerance {text!r}: expected [DATASET:]COLUMN=SPEC, e.g. fid=50%")
    if column not in tolerances.default:
        raise UsageError(
            f"invalid tolerance {text!r}: column {column!r} is not checked; checked columns are: "
            f"{', '.join(sorted(tolerances.default))}"
        )
    direction = tolerances.default[column].direction
    if spec == "exact":
        tolerance = Tolerance(direction)
    else:
        match = _SPEC.match(spec)
        if not spec or match is None:
            raise UsageError(
                f"invalid tolerance {text!r}: SPEC must be exact, a percentage such as 25%, "
                "an absolute value such as 0.05, or both as 25%+0.05"
            )
        try:
            relative = float(match["relative"]) / 100 if match["relative"] else 0.0
            absolute = float(match["absolute"]) if match["absolute"] else 0.0
        except ValueError:
            raise UsageError(f"invalid tolerance {text!r}: {spec!r} is not a number") from None
        tolerance = Tolerance(direction, absolute=absolute, relative=relative)
    return tolerances.replaced(column, tolerance, dataset.strip() if colon else None)


@dataclass(frozen=True)
class Regression:
    """One difference that fails the check."""

    run: str
    column: str
    reference: object
    fresh: object
    allowed: str
    run_key: str = ""

    def change(self) -> str:
        """Return the relative change from reference to fresh, e.g. ``+35.2%``, or ``""``."""
        try:
            reference, fresh = float(self.reference), float(self.fresh)
        except (TypeError, ValueError):
            return ""
        if reference == 0 or math.isnan(reference) or math.isnan(fresh):
            return ""
        return f"{(fresh - reference) / abs(reference) * 100:+.1f}%"


def compare(
    fresh: pd.DataFrame, reference: pd.DataFrame, tolerances: Tolerances = TOLERANCES
) -> list[Regression]:
    """Return every regression of ``fresh`` against ``reference`` (empty when the check passes)."""
    fresh_rows = {row[schema.RUN_KEY]: row for row in latest_rows(fresh).to_dict("records")}
    regressions = []
    for ref in latest_rows(reference).to_dict("records"):
        run, key = _describe(ref), ref[schema.RUN_KEY]
        new = fresh_rows.get(key)
        if new is None:
            regressions.append(Regression(run, "(run)", "recorded", "missing", "must be present", key))
            continue
        if ref[schema.STATUS] == schema.STATUS_OK and new[schema.STATUS] != schema.STATUS_OK:
            regressions.append(
                Regression(run, schema.STATUS, ref[schema.STATUS],
                           f"{new[schema.STATUS]}: {new[schema.ERROR]}", "must succeed", key)
            )
            continue
        if ref[schema.STATUS] != schema.STATUS_OK:
            continue
        for column, tolerance in tolerances.for_dataset(ref[schema.DATASET]).items():
            if column not in ref or _missing(ref[column]):
                continue
            value = new.get(column)
            if _missing(value):
                regressions.append(Regression(run, column, ref[column], "missing", "must be present", key))
                continue
            if tolerance.regressed(float(ref[column]), float(value)):
                allowed = _allowed_text(tolerance, float(ref[column]))
                regressions.append(Regression(run, column, ref[column], value, allowed, key))
    return regressions


def render_regressions(regressions: list[Regression]) -> str:
    """Return a readable table of regressions: run, column, both values, change, allowed."""
    rows = [
        [r.run, r.column, _format(r.reference), _format(r.fresh), r.change(), r.allowed]
        for r in regressions
    ]
    return tabulate(rows, headers=["run", "column", "reference", "fresh", "change", "allowed"],
                    tablefmt="github", disable_numparse=True)


def report_json(
    regressions: list[Regression], tolerances: Tolerances, **context: object
) -> str:
    """Return the check's outcome as indented JSON.

    The object has the keys in ``context`` (suite, reference path, counts), ``passed``,
    ``regressions`` (run, run_key, column, reference, fresh, change, allowed) and the
    ``tolerances`` in force.
    """
    report = dict(context)
    report["passed"] = not regressions
    report["regressions"] = [
        {"run": r.run, "run_key": r.run_key, "column": r.column, "reference": _json_value(r.reference),
         "fresh": _json_value(r.fresh), "change": r.change(), "allowed": r.allowed}
        for r in regressions
    ]
    report["tolerances"] = tolerances.as_dict()
    return json.dumps(report, indent=2, sort_keys=False)


def _json_value(value: object) -> object:
    if isinstance(value, (bool, str)) or value is None:
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def replace_reference(fresh_path: Path, reference_path: Path) -> None:
    """Make the results at ``fresh_path`` the new reference at ``reference_path``.

    Each file is replaced atomically (a reader sees the old or the new file, never a mix),
    and the sample pictures of the fresh runs are copied beside the reference, replacing
    older ones.
    """
    fresh_path, reference_path = Path(fresh_path), Path(reference_path)
    if fresh_path.resolve() == reference_path.resolve():
        return
    write_atomic(reference_path, fresh_path.read_bytes())
    source, target = samples_dir(fresh_path), samples_dir(reference_path)
    if source.is_dir() and source.resolve() != target.resolve():
        for picture in sorted(source.glob("*.png")):
            write_atomic(target / picture.name, picture.read_bytes())


def _allowed_text(tolerance: Tolerance, reference: float) -> str:
    if tolerance.direction == "both" and tolerance.describe() == "exact":
        return "exact match"
    allowed = tolerance.allowed(reference)
    if tolerance.direction == "lower":
        return f"at most {reference + allowed:.6g}"
    if tolerance.direction == "higher":
        return f"at least {reference - allowed:.6g}"
    return f"within ±{allowed:.6g}"


def _describe(row: dict) -> str:
    if row[schema.METHOD] == schema.DENSE_METHOD:
        return f"{row[schema.DATASET]}/{row[schema.MODEL]} dense seed {row[schema.SEED]}"
    return (
        f"{row[schema.DATASET]}/{row[schema.MODEL]} {row[schema.METHOD]} "
        f"s={float(row[schema.SPARSITY]):g} {row[schema.TARGET]} seed {row[schema.SEED]}"
    )


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
