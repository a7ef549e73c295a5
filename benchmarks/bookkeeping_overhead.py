"""Measure the sweep's bookkeeping per run against the median run time, in one process.

The suite runs twice in a temporary folder: once to train and cache its dense baselines, then
again into a fresh results file with a warm cache, timed. Bookkeeping per run is

* the driver's time outside ``execute_run``: reading results, run claims, the result store
  append, the run log file, the ``ganbench_run_finished`` hook dispatch, progress; measured as
  the timed sweep's wall time minus the time spent inside ``execute_run``, divided by the runs;
* inside ``execute_run``: the baseline cache lookup (``BaselineCache.get``: loading and
  verifying each cached checkpoint once, then serving it from memory) and plugin dispatch
  (``Registry.get``, the look-up of the dataset, model and method entries).

Because both are measured in the same process on the same clock, other load on the machine
slows them and the runs alike, and the ratio stays meaningful.

    python benchmarks/bookkeeping_overhead.py --suite quick
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import torch

import ganbench.executors
import ganbench.runner
from ganbench.baselines import BaselineCache
from ganbench.claims import RunClaims
from ganbench.registry import Registry, load_registry
from ganbench.runlog import RunLogs
from ganbench.runner import Execution, run_suite
from ganbench.store import ResultStore
from ganbench.suite import load_suite

seconds: dict[str, list[float]] = defaultdict(list)


def timed(name: str, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name].append(time.perf_counter() - started)

    return wrapper


@contextmanager
def instrumented():
    """Time the functions of interest by wrapping them; restore them afterwards."""
    targets = [
        (ganbench.executors, "execute_run", "run"),
        (BaselineCache, "get", "cache lookup"),
        (Registry, "get", "plugin dispatch"),
        (ResultStore, "append", "store append"),
        (ResultStore, "row_counts", "recorded check"),
        (RunClaims, "try_claim", "claim"),
        (RunLogs, "started", "run log"),
        (RunLogs, "finished", "run log"),
        (ganbench.runner, "_report", "hook dispatch"),
    ]
    originals = [(owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in targets]
    for owner, attribute, name in targets:
        setattr(owner, attribute, timed(name, getattr(owner, attribute)))
    try:
        yield
    finally:
        for owner, attribute, original in originals:
            setattr(owner, attribute, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default="quick", help="built-in suite name or .toml path")
    args = parser.parse_args()

    torch.set_num_threads(1)
    suite = load_suite(args.suite)
    registry = load_registry(suite.plugins)
    with tempfile.TemporaryDirectory(prefix="ganbench-overhead-") as folder:
        run_suite(suite, registry, ResultStore(Path(folder) / "warm.csv"), BaselineCache(Path(folder) / "cache"))

        # A new cache object, as in a new sweep: each baseline is loaded from disk once.
        cache = BaselineCache(Path(folder) / "cache")
        execution = Execution(runs_dir=Path(folder) / "runs")
        with instrumented():
            started = time.perf_counter()
            summary = run_suite(suite, registry, ResultStore(Path(folder) / "timed.csv"), cache,
                                execution=execution)
            wall = time.perf_counter() - started

    runs = summary.done
    run_times = seconds["run"]
    median_run = statistics.median(run_times)
    driver = (wall - sum(run_times)) / runs
    lookup = sum(seconds["cache lookup"]) / runs
    dispatch = sum(seconds["plugin dispatch"]) / runs
    total = driver + lookup + dispatch

    print(f"suite {suite.name}: {runs} runs with a warm baseline cache, one process, one torch thread")
    print(f"median run time (execute_run): {median_run * 1000:.1f} ms")
    print("| bookkeeping per run | ms | share of the median run |")
    print("| --- | --- | --- |")
    for name in ("store append", "recorded check", "claim", "run log", "hook dispatch"):
        per_run = sum(seconds[name]) / runs
        print(f"| {name} (driver) | {per_run * 1000:.2f} | {per_run / median_run:.3%} |")
    print(f"| everything outside execute_run (driver) | {driver * 1000:.2f} | {driver / median_run:.3%} |")
    print(f"| cache lookup (inside execute_run) | {lookup * 1000:.2f} | {lookup / median_run:.3%} |")
    print(f"| plugin dispatch (inside execute_run) | {dispatch * 1000:.3f} | {dispatch / median_run:.4%} |")
    print(f"| total | {total * 1000:.2f} | {total / median_run:.3%} |")


if __name__ == "__main__":
    main()
