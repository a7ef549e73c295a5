"""Search trials as ordinary runs: each trial is a sweep of one sparsity, recorded like any run.

The trials of a search of suite ``S`` are runs of the suite ``S-search``: ``S`` restricted
to one dataset, model, method, target and the chosen seeds, with the trial's sparsity. They
are recorded in ``RESULTS_DIR/S-search.csv``, so a trial that any earlier search ran is
skipped (run keys do not depend on the suite's name), an interrupted search resumes, and
``ganbench leaderboard --suite S-search`` ranks them. Runs that ``RESULTS_DIR/S.csv``
already records, such as the dense rows, are copied into the search's file instead of being
run again. Dense baselines come from the usual cache.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field

import pandas as pd

from ganbench import schema
from ganbench.collapse import collapse_rules
from ganbench.errors import GanbenchError
from ganbench.leaderboard import latest_rows
from ganbench.replicates import bootstrap_mean_interval
from ganbench.runner import run_suite
from ganbench.store import ResultStore
from ganbench.suite import RunSpec, Suite, expand

logger = logging.getLogger(__name__)

SEARCH_SUFFIX = "-search"


class SearchFailed(GanbenchError):
    """The dense reference of a search could not be run, so no trial can be judged."""


@dataclass(frozen=True)
class Trial:
    """One trial: every seed's run at one sparsity, judged against the dense rows.

    ``margins`` are, per seed, FID − (1 + tolerance) × the dense FID of the same seed. The
    trial is ``within`` tolerance when their mean is at most 0. That is the same as the mean
    FID being at most (1 + tolerance) × the mean dense FID. ``margin_interval`` is the 95 %
    bootstrap interval of that mean (NaN with one seed). ``problem`` is the status and reason
    of a run that did not succeed; such a trial is not within tolerance. ``failed`` counts
    its runs with status ``failed`` (declined runs are not failures).
    """

    sparsity: float
    within: bool
    fids: tuple[float, ...] = ()
    dense_fids: tuple[float, ...] = ()
    margins: tuple[float, ...] = ()
    margin_interval: tuple[float, float] = (math.nan, math.nan)
    achieved: float = math.nan
    run_keys: tuple[str, ...] = ()
    problem: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    failed: int = 0

    @property
    def ratio(self) -> float:
        """Mean FID divided by mean dense FID."""
        if not self.fids:
            return math.nan
        return (sum(self.fids) / len(self.fids)) / (sum(self.dense_fids) / len(self.dense_fids))


def search_description(results: pd.DataFrame, base_name: str) -> str:
    """Return the leaderboard description of a search results table.

    It lists every searched (method, dataset, model, target) in ``results``, so that the
    leaderboard that ``ganbench search`` writes and the one ``ganbench leaderboard`` writes
    again from the same table are the same.
    """
    searched = []
    if not results.empty:
        pruned = results[results[schema.METHOD] != schema.DENSE_METHOD]
        columns = [schema.METHOD, schema.DATASET, schema.MODEL, schema.TARGET]
        searched = sorted(set(pruned[columns].astype(str).itertuples(index=False, name=None)))
    listed = "; ".join(f"{method} on {dataset}/{model}, target {target}"
                       for method, dataset, model, target in searched)
    return f"Trials of ganbench search with the settings of suite {base_name}: {listed or 'none'}."


def search_suite(base: Suite, dataset: str, model: str, method: str, target: str,
                 seeds: tuple[int, ...]) -> Suite:
    """Return the suite whose runs are the search's trials (sparsities are set per trial)."""
    restricted = base.restricted(datasets=(dataset,), models=(model,), methods=(method,),
                                 targets=(target,), seeds=seeds, sparsities=(0.0,))
    description = (
        f"Trials of ganbench search: {method} on {dataset}/{model}, target {target}, with the "
        f"settings of suite {base.name}."
    )
    return dataclasses.replace(restricted, name=base.name + SEARCH_SUFFIX, description=description)


class TrialRunner:
    """Runs the trials of one search and judges them against the dense rows.

    ``execution`` is the sweeps' ``ganbench.runner.Execution``. ``reference`` is the base suite's result store, whose
    successful rows are copied instead of run again.
    """

    def __init__(self, suite: Suite, registry, store: ResultStore, reference: ResultStore | None,
                 cache, execution, tolerance: float):
        self.suite = suite
        self.registry = registry
        self.store = store
        self.reference = reference
        self.cache = cache
        self.execution = execution
        self.tolerance = tolerance
        self.dense: dict[int, dict] = {}

    def run_dense(self) -> dict[int, dict]:
        """Run (or find) the dense row of every seed; raise ``SearchFailed`` if one failed."""
        rows = self._sweep(self.suite)
        for spec, row in rows:
            if row is None or row[schema.STATUS] != schema.STATUS_OK:
                reason = "" if row is None else f": {row[schema.STATUS]} {row[schema.ERROR]}"
                raise SearchFailed(f"the dense run {spec.describe()} did not succeed{reason}")
            self.dense[spec.seed] = row
        return self.dense

    def __call__(self, sparsity: float) -> Trial:
        """Run the trial at ``sparsity`` for every seed and return its judgement."""
        suite = dataclasses.replace(self.suite, sparsities=(sparsity,))
        rows = [(spec, row) for spec, row in self._sweep(suite) if not spec.is_dense]
        keys = tuple(spec.key() for spec, _ in rows)
        problems = [
            f"{spec.describe()}: {'missing' if row is None else row[schema.STATUS]} "
            f"{'' if row is None else row[schema.ERROR]}".strip()
            for spec, row in rows if row is None or row[schema.STATUS] != schema.STATUS_OK
        ]
        if problems:
            failed = sum(1 for _, row in rows if row is not None and row[schema.STATUS] == schema.STATUS_FAILED)
            return Trial(sparsity, False, run_keys=keys, problem="; ".join(problems), failed=failed)

        fids = tuple(float(row[schema.FID]) for _, row in rows)
        dense = tuple(float(self.dense[spec.seed][schema.FID]) for spec, _ in rows)
        margins = tuple(fid - (1 + self.tolerance) * reference for fid, reference in zip(fids, dense))
        notes = tuple(note for _, row in rows for note in _notes(row))
        achieved = sum(float(row[schema.SPARSITY_ACHIEVED]) for _, row in rows) / len(rows)
        return Trial(
            sparsity, sum(margins) / len(margins) <= 0, fids, dense, margins,
            bootstrap_mean_interval(list(margins)), achieved, keys, notes=notes,
        )

    def _sweep(self, suite: Suite) -> list[tuple[RunSpec, dict | None]]:
        """Record every run of ``suite`` (copied or executed); return each with its latest row."""
        runs = expand(suite, self.registry)
        self._copy_recorded(runs)
        run_suite(suite, self.registry, self.store, self.cache, execution=self.execution)
        latest = latest_rows(self.store.read())
        by_key = {} if latest.empty else {row[schema.RUN_KEY]: row for row in latest.to_dict("records")}
        return [(spec, by_key.get(spec.key())) for spec in runs]

    def _copy_recorded(self, runs: list[RunSpec]) -> None:
        """Copy successful rows of ``runs`` that the reference records and this store lacks."""
        if self.reference is None or self.reference.path == self.store.path:
            return
        missing = {spec.key() for spec in runs} - set(self.store.recorded_keys())
        if not missing:
            return
        found = {}
        for row in self.reference.text_rows():
            if row.get(schema.RUN_KEY) in missing and row.get(schema.STATUS) == schema.STATUS_OK:
                found[row[schema.RUN_KEY]] = row
        for key in sorted(found):
            logger.info("copied run %s from %s", key, self.reference.path)
            self.store.append(found[key])



def _notes(row: dict) -> list[str]:
    """Return short notes on a trial run: the collapse rules that fired, a missed target."""
    notes = []
    rules = collapse_rules(row.get(schema.COLLAPSE))
    if rules:
        notes.append(f"seed {row[schema.SEED]} collapsed ({', '.join(rules)})")
    note = row.get(schema.SPARSITY_NOTE)
    if isinstance(note, str) and note:
        notes.append(f"seed {row[schema.SEED]}: {note}")
    return notes
