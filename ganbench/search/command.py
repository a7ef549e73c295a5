"""``ganbench search``: run a bisection over sparsity as ordinary runs and report the answer."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from ganbench import schema
from ganbench.errors import UsageError
from ganbench.search.bisection import SearchOutcome, bisect_sparsity, check_settings, trials_needed
from ganbench.search.report import render_search
from ganbench.search.trials import TrialRunner, search_suite
from ganbench.store import ResultStore
from ganbench.suite import Suite

logger = logging.getLogger(__name__)

DEFAULT_MAX_SPARSITY = 0.95
DEFAULT_RESOLUTION = 0.01
# Enough trials to narrow (0, 0.95] to one step of 0.01: the first trial and 7 halvings.
DEFAULT_MAX_TRIALS = 8


@dataclass(frozen=True)
class SearchRequest:
    """A search request: one method on one dataset and model, and the search's bounds."""

    method: str
    dataset: str
    model: str
    target: str
    tolerance: float
    seeds: tuple[int, ...] | None = None
    max_sparsity: float = DEFAULT_MAX_SPARSITY
    resolution: float = DEFAULT_RESOLUTION
    max_trials: int = DEFAULT_MAX_TRIALS


@dataclass(frozen=True)
class SearchResult:
    """The outcome of a search, the text to print and the file that records its trials."""

    outcome: SearchOutcome
    text: str
    suite: Suite
    results: ResultStore


def run_search(request: SearchRequest, base: Suite, registry, results_dir: Path, cache,
               execution) -> SearchResult:
    """Run the search of ``request`` with the settings of suite ``base``.

    Trials are recorded in ``results_dir/<base>-search.csv``; rows that
    ``results_dir/<base>.csv`` already records are copied from it. Raises ``UsageError`` for
    invalid settings and ``SearchFailed`` when a dense run fails.
    """
    _check(request)
    seeds = request.seeds if request.seeds is not None else base.seeds
    suite = search_suite(base, request.dataset, request.model, request.method, request.target,
                         tuple(seeds))
    store = ResultStore(Path(results_dir) / f"{suite.name}.csv")
    reference = ResultStore(Path(results_dir) / f"{base.name}.csv")
    runner = TrialRunner(suite, registry, store, reference if reference.path.exists() else None,
                         cache, execution, request.tolerance)
    needed = trials_needed(request.max_sparsity, request.resolution)
    if request.max_trials < needed:
        logger.info("at most %d trials: the bracket may stay wider than %g (that takes %d trials)",
                    request.max_trials, request.resolution, needed)

    dense = runner.run_dense()
    outcome = bisect_sparsity(runner, request.max_sparsity, request.max_trials, request.resolution)
    text = render_search(
        outcome, method=request.method, dataset=request.dataset, model=request.model,
        target=request.target, seeds=tuple(seeds), tolerance=request.tolerance,
        dense_fids=[float(dense[seed][schema.FID]) for seed in seeds], results=str(store.path),
    )
    return SearchResult(outcome, text, suite, store)


def _check(request: SearchRequest) -> None:
    if not (math.isfinite(request.tolerance) and request.tolerance > 0):
        raise UsageError(
            f"--tolerance must be a positive fraction of the dense FID, for example 0.1 for "
            f"10 %, got {request.tolerance}"
        )
    if request.seeds is not None and len(set(request.seeds)) != len(request.seeds):
        raise UsageError(f"--seeds lists a seed twice: {list(request.seeds)}")
    check_settings(request.max_sparsity, request.max_trials, request.resolution)
