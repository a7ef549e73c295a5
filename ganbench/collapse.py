"""Collapse detection: rules that label a run whose generator collapsed.

A collapsed run keeps its row and its numbers, but its ``collapse`` column states which rules
fired and the evidence, so that leaderboards show it as a collapse rather than as an ordinary
number. A rule fires when:

1. **Mode collapse**: the generator covers fewer than ``MODE_COVERAGE_FLOOR`` (half) of the
   data's modes (``modes_covered < 0.5 × modes_total``).
2. **FID collapse** (pruned runs only): the FID has moved more than ``FID_COLLAPSE_FRACTION``
   (half) of the way from the FID of the dense row of the same baseline to the FID of a
   generator that outputs the mean of the reference features for every sample. That
   single-point FID is the trace of the reference covariance (``fid_point_mass``), the scale
   at which a generator has lost all variety. Measuring the way between the two makes the
   rule independent of the feature scale: ring8's dense FIDs are near 0.001, digits' near 20.
3. **Discriminator win**: for families whose discriminator loss has a floor (the BCE loss of
   DCGAN and the conditional GAN is zero only for perfect separation), the mean
   discriminator loss over the final logging interval of fine-tuning (``d_loss_final``, the
   last up to 100 generator steps) is within ``DISCRIMINATOR_LOSS_MARGIN`` of that floor.

The evidence columns are measured by the process that executes the run
(``run_evidence``); the label is assigned by the sweep's driver (``collapse_evidence``),
which knows the dense row. The sweep executes a baseline's dense run before its pruned runs,
so the label does not depend on the executor.
"""

from __future__ import annotations

import math

from ganbench import schema
from ganbench.data.base import Dataset, DatasetSpec
from ganbench.metrics.evaluate import feature_extractor
from ganbench.metrics.fid import features_to_statistics
from ganbench.models.family import GANFamily
from ganbench.settings import EvalSettings
from ganbench.training import TrainingLog

# Rule names; each label of the collapse column starts with one of them.
MODE_RULE = "mode collapse"
FID_RULE = "FID collapse"
DISCRIMINATOR_RULE = "discriminator win"
RULES = (MODE_RULE, FID_RULE, DISCRIMINATOR_RULE)

MODE_COVERAGE_FLOOR = 0.5
FID_COLLAPSE_FRACTION = 0.5
DISCRIMINATOR_LOSS_MARGIN = 0.05

# Single-point FIDs by (dataset name, feature fingerprint), computed once per process.
_POINT_MASS_FID: dict[tuple[str, str], float] = {}


def run_evidence(
    spec: DatasetSpec, dataset: Dataset, log: TrainingLog | None, settings: EvalSettings | None = None
) -> dict:
    """Return the evidence columns of one run: final discriminator loss and single-point FID.

    ``log`` is the fine-tuning log; without logged steps (a budget of 0) the loss is NaN.
    ``settings`` selects the feature extractor, as for the run's FID.
    """
    final_loss = float("nan")
    if log is not None and log.discriminator_loss:
        final_loss = log.discriminator_loss[-1]
    return {
        schema.D_LOSS_FINAL: final_loss,
        schema.FID_POINT_MASS: point_mass_fid(spec, dataset, settings),
    }


def point_mass_fid(spec: DatasetSpec, dataset: Dataset, settings: EvalSettings | None = None) -> float:
    """Return the FID of a generator that outputs the mean reference feature vector.

    With zero generated covariance and equal means, the Fréchet distance reduces to the trace
    of the reference covariance (unbiased, as the FID metric computes it).
    """
    extractor = feature_extractor(spec, settings)
    key = (spec.name, extractor.fingerprint())
    if key not in _POINT_MASS_FID:
        _, covariance = features_to_statistics(extractor.features(dataset.train))
        _POINT_MASS_FID[key] = float(covariance.trace())
    return _POINT_MASS_FID[key]


def collapse_evidence(row: dict, dense_row: dict | None, family: GANFamily | None) -> str:
    """Return the rules that fire for ``row`` with their evidence, or "" for none.

    ``dense_row`` is the successful dense row of the same baseline (None when unknown or when
    ``row`` is itself the dense row); ``family`` supplies the discriminator loss floor.
    Values that are missing or not finite make their rule abstain.
    """
    reasons = []

    covered, total = _number(row, schema.MODES_COVERED), _number(row, schema.MODES_TOTAL)
    if total > 0 and covered < MODE_COVERAGE_FLOOR * total:
        reasons.append(
            f"{MODE_RULE}: {covered:g} of {total:g} modes covered "
            f"(fewer than {MODE_COVERAGE_FLOOR:.0%})"
        )

    if dense_row is not None:
        fid, dense_fid = _number(row, schema.FID), _number(dense_row, schema.FID)
        point_mass = _number(row, schema.FID_POINT_MASS)
        if point_mass > dense_fid:
            progress = (fid - dense_fid) / (point_mass - dense_fid)
            if progress > FID_COLLAPSE_FRACTION:
                reasons.append(
                    f"{FID_RULE}: FID {fid:.4g} is {progress:.0%} of the way from the dense "
                    f"row's {dense_fid:.4g} to a single-point generator's {point_mass:.4g}"
                )

    floor = None if family is None else family.discriminator_loss_floor
    final_loss = _number(row, schema.D_LOSS_FINAL)
    if floor is not None and final_loss < floor + DISCRIMINATOR_LOSS_MARGIN:
        reasons.append(
            f"{DISCRIMINATOR_RULE}: final discriminator loss {final_loss:.3g} is within "
            f"{DISCRIMINATOR_LOSS_MARGIN:g} of its floor {floor:g}"
        )

    return "; ".join(reasons)


def collapse_rules(label) -> list[str]:
    """Return the names of the rules that fired in a ``collapse`` label, in ``RULES`` order.

    An empty or missing label (NaN when read back from a results file) gives [].
    """
    if not isinstance(label, str) or not label:
        return []
    reasons = [reason.strip() for reason in label.split(";")]
    return [rule for rule in RULES if any(reason.startswith(rule + ":") for reason in reasons)]


def _number(row: dict, column: str) -> float:
    """Return ``row[column]`` as a float; NaN when missing or not a number.

    Every comparison with NaN is false, so a missing value never fires a rule.
    """
    value = row.get(column)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return number if math.isfinite(number) else float("nan")
