"""The three questions of the findings page, answered per dataset and model as table rows.

* **Generator pruning against dense**: modes covered (``modes``) and instability
  (``stability``) of every method and sparsity with target ``generator``, against the dense
  row of the same seed, which had the same fine-tuning budget.
* **Discriminator against generator**: the FID of pruning the discriminator against the FID
  of pruning the generator, same method, sparsity and seed (``targets``).
* **Methods against baselines**: the FID of every other method against ``random`` and
  ``small-dense``, same target, sparsity and seed (``baselines``).

Row ids are ``<letter><section>.<index>``: M for modes, S for stability, D for
discriminator against generator, B for baselines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ganbench import schema
from ganbench.findings.comparisons import Comparison, compare
from ganbench.findings.data import FindingsData, Pair, number, unstable

BASELINE_METHODS = ("random", "small-dense")

# Sparsities differ when achieved sparsities of the two sides are further apart than this.
SPARSITY_SLACK = 0.02


@dataclass
class Section:
    """The comparisons of one (dataset, model) pair, one list per question."""

    number: int
    pair: Pair
    seeds: list[int]
    modes: list[Comparison] = field(default_factory=list)
    stability: list[Comparison] = field(default_factory=list)
    targets: list[Comparison] = field(default_factory=list)
    baselines: list[Comparison] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.pair[0]} / {self.pair[1]}"


def build_sections(data: FindingsData) -> list[Section]:
    """Return one section per (dataset, model) pair with a dense row."""
    sections = []
    for number_, pair in enumerate(data.pairs(), start=1):
        section = Section(number_, pair, data.seeds(pair))
        _generator_against_dense(data, section)
        _discriminator_against_generator(data, section)
        _methods_against_baselines(data, section)
        sections.append(section)
    return sections


def _generator_against_dense(data: FindingsData, section: Section) -> None:
    if "generator" not in data.targets(section.pair):
        return
    for method in data.methods(section.pair):
        for sparsity in data.sparsities(section.pair):
            label = {"method": method, "sparsity": sparsity}
            modes, flags = [], []
            for seed in section.seeds:
                row = data.row(section.pair, method, sparsity, "generator", seed)
                dense = data.dense(section.pair, seed)
                keys = (_key(row), _key(dense))
                modes.append((number(row, schema.MODES_COVERED), number(dense, schema.MODES_COVERED), *keys))
                flags.append((_flag(unstable(row)), _flag(unstable(dense)), *keys))
            index = len(section.modes) + 1
            note = _missing_note(data, section, method, sparsity, "generator")
            section.modes.append(compare(f"M{section.number}.{index}", label, modes, ratio=False, note=note))
            section.stability.append(compare(f"S{section.number}.{index}", label, flags, ratio=False, note=note))


def _discriminator_against_generator(data: FindingsData, section: Section) -> None:
    if not {"generator", "discriminator"} <= set(data.targets(section.pair)):
        return
    for method in data.methods(section.pair):
        for sparsity in data.sparsities(section.pair):
            pairs, achieved = _fid_pairs(data, section, (method, sparsity, "discriminator"),
                                         (method, sparsity, "generator"))
            index = len(section.targets) + 1
            note = (_sparsity_note(achieved, "discriminator", "generator")
                    or _missing_note(data, section, method, sparsity, "discriminator")
                    or _missing_note(data, section, method, sparsity, "generator"))
            section.targets.append(compare(
                f"D{section.number}.{index}", {"method": method, "sparsity": sparsity}, pairs,
                ratio=True, note=note,
            ))


def _methods_against_baselines(data: FindingsData, section: Section) -> None:
    methods = data.methods(section.pair)
    baselines = [method for method in BASELINE_METHODS if method in methods]
    for target in data.targets(section.pair):
        for method in methods:
            if method in BASELINE_METHODS:
                continue
            for baseline in baselines:
                for sparsity in data.sparsities(section.pair):
                    pairs, achieved = _fid_pairs(data, section, (method, sparsity, target),
                                                 (baseline, sparsity, target))
                    index = len(section.baselines) + 1
                    label = {"method": method, "target": target, "sparsity": sparsity, "baseline": baseline}
                    note = (_sparsity_note(achieved, method, baseline)
                            or _missing_note(data, section, method, sparsity, target)
                            or _missing_note(data, section, baseline, sparsity, target))
                    section.baselines.append(compare(
                        f"B{section.number}.{index}", label, pairs, ratio=True, note=note,
                    ))


def _fid_pairs(data: FindingsData, section: Section, first: tuple, second: tuple):
    """Return [(FID a, FID b, key a, key b)] per seed and the mean achieved sparsity of each side."""
    pairs = []
    achieved: dict[str, list[float]] = {"a": [], "b": []}
    for seed in section.seeds:
        row_a = data.row(section.pair, *first, seed)
        row_b = data.row(section.pair, *second, seed)
        pairs.append((number(row_a, schema.FID), number(row_b, schema.FID), _key(row_a), _key(row_b)))
        for side, row in (("a", row_a), ("b", row_b)):
            value = number(row, schema.SPARSITY_ACHIEVED)
            if not math.isnan(value):
                achieved[side].append(value)
    means = {side: sum(values) / len(values) if values else math.nan for side, values in achieved.items()}
    return pairs, means


def _sparsity_note(achieved: dict[str, float], first: str, second: str) -> str:
    """Return a note when the two sides' achieved sparsities differ, else ""."""
    difference = abs(achieved["a"] - achieved["b"])
    if math.isnan(difference) or difference <= SPARSITY_SLACK:
        return ""
    return f"achieved sparsity {achieved['a']:.3f} ({first}) against {achieved['b']:.3f} ({second})"


def _missing_note(data: FindingsData, section: Section, method: str, sparsity: float, target: str) -> str:
    """Return why a configuration has no successful run in any seed, or "" when one succeeded."""
    rows = [data.row(section.pair, method, sparsity, target, seed) for seed in section.seeds]
    if any(row is not None and row[schema.STATUS] == schema.STATUS_OK for row in rows):
        return ""
    statuses = sorted({"not recorded" if row is None else str(row[schema.STATUS]) for row in rows})
    return f"{method} ({target}, {sparsity:.2f}): {' or '.join(statuses)} in every seed"


def _key(row: dict | None) -> str:
    return "" if row is None else str(row[schema.RUN_KEY])


def _flag(value: bool | None) -> float:
    return math.nan if value is None else float(value)
