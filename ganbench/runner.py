"""Sweeping a suite: expand it, skip recorded runs, execute the rest, record every row."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ganbench import schema
from ganbench.baselines import BaselineCache
from ganbench.device import DEFAULT_DEVICE
from ganbench.execute import execute_run
from ganbench.preflight import preflight
from ganbench.registry import Registry
from ganbench.samples import SampleGrids, samples_dir
from ganbench.store import ResultStore
from ganbench.suite import RunSpec, Suite, expand

logger = logging.getLogger(__name__)


@dataclass
class SweepSummary:
    """Counts of a sweep and the rows of runs that did not succeed."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed_rows: list[dict] = field(default_factory=list)
    declined_rows: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.failed_rows)


def run_suite(
    suite: Suite,
    registry: Registry,
    results: ResultStore,
    cache: BaselineCache,
    threads: int = 1,
    device: str = DEFAULT_DEVICE,
    self_test: bool = True,
) -> SweepSummary:
    """Execute every run of ``suite`` whose key is not yet in ``results``, on ``device``.

    Each finished run is appended to ``results`` before the next starts, so an interrupted
    sweep resumes where it stopped. Each successful run stores a picture of its samples in
    ``samples_dir(results.path)``. ``threads`` sets ``torch.set_num_threads`` for the runs.
    Before the first run, ``preflight`` loads the datasets and runs the metric self-test
    (unless ``self_test`` is false); its ``UsageError`` or ``SelfTestFailed`` propagates and
    nothing is recorded.
    """
    runs = expand(suite, registry)
    recorded = results.recorded_keys()
    pending = [run for run in runs if run.key() not in recorded]
    summary = SweepSummary(total=len(runs), skipped=len(runs) - len(pending))
    logger.info(
        "suite %s: %d runs, %d already recorded in %s, %d to run",
        suite.name, len(runs), summary.skipped, results.path, len(pending),
    )
    torch.set_num_threads(threads)
    if pending:
        preflight(pending, registry, self_test)
    started = time.perf_counter()
    grids = SampleGrids(samples_dir(results.path))

    for index, run in enumerate(_baseline_order(pending), start=1):
        row = execute_run(run, registry, cache, grids, device)
        results.append(row)
        _report(registry, row, suite.name)
        summary.done += 1
        if row[schema.STATUS] == schema.STATUS_FAILED:
            summary.failed_rows.append(row)
        elif row[schema.STATUS] == schema.STATUS_DECLINED:
            summary.declined_rows.append(row)
        logger.info("[%*d/%d] %s", len(str(len(pending))), index, len(pending), _progress_line(run, row))

    summary.seconds = time.perf_counter() - started
    return summary


def _baseline_order(runs: list[RunSpec]) -> list[RunSpec]:
    """Group runs by dense baseline (stable), so that each baseline is loaded while hot."""
    order: dict[str, int] = {}
    for run in runs:
        order.setdefault(run.baseline.key(), len(order))
    return sorted(runs, key=lambda run: order[run.baseline.key()])


def _progress_line(run: RunSpec, row: dict) -> str:
    status = row[schema.STATUS]
    text = f"{status:<8} {run.describe()}  ({row[schema.DURATION]:.1f} s)"
    if status == schema.STATUS_OK and schema.FID in row:
        text += f"  FID {row[schema.FID]:.4g}"
    elif row[schema.ERROR]:
        text += f"  {row[schema.ERROR]}"
    return text


def _report(registry: Registry, row: dict, suite: str) -> None:
    try:
        registry.plugin_manager.hook.ganbench_run_finished(row=dict(row), suite=suite)
    except Exception as error:  # a logger plugin must not fail the sweep
        logger.warning("a ganbench_run_finished hook raised %s: %s", type(error).__name__, error)


def default_results_path(results_dir: Path, suite: Suite) -> Path:
    return Path(results_dir) / f"{suite.name}.csv"
