"""Sweeping a suite: expand it, skip recorded runs, execute the rest, record every row.

The runner is the sweep's driver. It decides which runs are pending, dispatches them to an
executor (``ganbench.executors``) in the order of ``ganbench.scheduling``, and records each
outcome: it labels collapsed runs, appends the row to the result store, writes the run's log
and calls the ``ganbench_run_finished`` hook. Only the driver writes the result store, and
it claims each run (``ganbench.claims``) from dispatch until its row is recorded, so a
second sweep on the same results file skips that run instead of executing it again.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ganbench import schema
from ganbench.baselines import BaselineCache
from ganbench.claims import RunClaims
from ganbench.collapse import collapse_evidence
from ganbench.data.location import DATA_DIR_VARIABLE
from ganbench.device import DEFAULT_DEVICE
from ganbench.executors import (
    DaskExecutor, Executor, InProcessExecutor, Outcome, ProcessExecutor, WorkerSetup,
)
from ganbench.leaderboard import latest_rows
from ganbench.preflight import preflight
from ganbench.progress import SweepProgress
from ganbench.registry import Registry
from ganbench.runlog import RunLogs, forward
from ganbench.samples import SampleGrids, samples_dir
from ganbench.scheduling import RunQueue
from ganbench.store import ResultStore
from ganbench.suite import RunSpec, Suite, expand

logger = logging.getLogger(__name__)

# How long a run whose claim another sweep holds waits before it is looked at again.
CLAIM_RETRY_SECONDS = 2.0


@dataclass(frozen=True)
class Execution:
    """Execution settings of a sweep.

    ``workers`` local processes (1: in the driver's process), or the Dask cluster at
    ``dask_scheduler`` when set. ``threads`` is torch's thread count in every process that
    executes runs. ``retry_failed`` also reruns runs whose latest row is ``failed``.
    ``runs_dir`` receives one log file per run (None: no files). ``progress_bar`` draws the
    bar on stderr; ``console_level`` is the level of the driver's console logging, which
    workers use to choose the records they send back. ``device`` is the torch device runs
    train and evaluate on. ``self_test`` runs the metric self-test before the first run.
    """

    workers: int = 1
    dask_scheduler: str | None = None
    threads: int = 1
    retry_failed: bool = False
    runs_dir: Path | None = None
    progress_bar: bool = False
    console_level: int = logging.INFO
    device: str = DEFAULT_DEVICE
    self_test: bool = True


@dataclass
class SweepSummary:
    """Counts of a sweep and the rows of runs that did not succeed."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed_rows: list[dict] = field(default_factory=list)
    declined_rows: list[dict] = field(default_factory=list)
    collapsed_rows: list[dict] = field(default_factory=list)
    earlier_failed_rows: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    executor: str = ""

    @property
    def failed(self) -> int:
        return len(self.failed_rows)


def run_suite(
    suite: Suite,
    registry: Registry,
    results: ResultStore,
    cache: BaselineCache,
    threads: int = 1,
    execution: Execution | None = None,
) -> SweepSummary:
    """Execute every run of ``suite`` whose key is not yet in ``results``.

    Each finished run is appended to ``results`` as soon as it finishes, so an interrupted
    sweep resumes where it stopped. Each successful run stores a picture of its samples in
    ``samples_dir(results.path)``. ``threads`` is kept for callers that only set the thread
    count; ``execution`` overrides it. Before the first run, ``preflight`` loads the datasets
    and runs the metric self-test (unless ``execution.self_test`` is false); its
    ``UsageError`` or ``SelfTestFailed`` propagates and nothing is recorded.
    """
    execution = execution or Execution(threads=threads)
    runs = expand(suite, registry)
    row_counts = results.row_counts()
    recorded = latest_rows(results.read())
    pending, earlier_failed = _pending_runs(runs, recorded, execution.retry_failed)
    summary = SweepSummary(total=len(runs), skipped=len(runs) - len(pending))
    summary.earlier_failed_rows = earlier_failed
    logger.info(
        "suite %s: %d run(s), %d already recorded in %s, %d to run",
        suite.name, len(runs), summary.skipped, results.path, len(pending),
    )
    if not pending:
        return summary
    preflight(pending, registry, execution.self_test)

    sweep = _Sweep(suite, registry, results, cache, execution, recorded, row_counts, summary)
    started = time.perf_counter()
    try:
        sweep.execute(pending)
    finally:
        summary.seconds = time.perf_counter() - started
    return summary


def _pending_runs(
    runs: list[RunSpec], recorded: pd.DataFrame, retry_failed: bool
) -> tuple[list[RunSpec], list[dict]]:
    """Return (runs to execute, latest rows of failed runs that are not retried)."""
    status = {}
    rows = {}
    if not recorded.empty:
        status = dict(zip(recorded[schema.RUN_KEY], recorded[schema.STATUS]))
        rows = {row[schema.RUN_KEY]: row for row in recorded.to_dict("records")}
    pending, earlier_failed = [], []
    for run in runs:
        key = run.key()
        if key not in status:
            pending.append(run)
        elif status[key] == schema.STATUS_FAILED:
            if retry_failed:
                pending.append(run)
            else:
                earlier_failed.append(rows[key])
    return pending, earlier_failed


class _Sweep:
    """The driver loop of one sweep: dispatch, collect, record."""

    def __init__(self, suite, registry, results, cache, execution, recorded, row_counts, summary):
        self.suite: Suite = suite
        self.registry: Registry = registry
        self.results: ResultStore = results
        self.cache: BaselineCache = cache
        self.execution: Execution = execution
        self.summary: SweepSummary = summary
        self.claims = RunClaims(results.path)
        runs_dir = execution.runs_dir
        self.logs = RunLogs(None if runs_dir is None else Path(runs_dir) / suite.name)
        self.dense_rows = _dense_rows(recorded)
        # Rows per run key when the sweep started, retried runs' earlier rows included.
        self.row_counts: Counter = row_counts
        self.in_flight: dict[str, RunSpec] = {}
        self.waiting_for_others: set[str] = set()

    def execute(self, pending: list[RunSpec]) -> None:
        executor = self._make_executor()
        self.summary.executor = executor.description
        queue = RunQueue(pending, executor.capacity(), lambda config: self.cache.path(config).exists())
        progress = SweepProgress(len(pending), self.summary.skipped, self.execution.progress_bar)
        logger.info("executing %d runs in %s", len(pending), executor.description)
        try:
            with progress:
                self.progress = progress
                while queue or self.in_flight:
                    self._dispatch(queue, executor)
                    if not self.in_flight:
                        if queue:
                            self._wait_for_deferred(queue)
                        continue
                    for outcome in executor.collect():
                        self._record(outcome, queue)
        finally:
            executor.close()
            self.claims.release_all()

    def _make_executor(self) -> Executor:
        execution = self.execution
        pictures = samples_dir(self.results.path)
        if execution.dask_scheduler is None and execution.workers == 1:
            return InProcessExecutor(
                self.registry, self.cache, execution.threads, SampleGrids(pictures), execution.device
            )
        setup = WorkerSetup(
            plugin_paths=self.registry.plugin_paths,
            cache_dir=str(self.cache.directory.resolve()),
            threads=execution.threads,
            sweep_id=uuid.uuid4().hex,
            forward_level=execution.console_level,
            device=execution.device,
            samples_dir=str(pictures.resolve()),
            data_dir=os.environ.get(DATA_DIR_VARIABLE),
        )
        if execution.dask_scheduler is not None:
            return DaskExecutor(execution.dask_scheduler, setup)
        return ProcessExecutor(execution.workers, setup)

    def _dispatch(self, queue: RunQueue, executor: Executor) -> None:
        """Submit ready runs until the executor is full or no run may start."""
        while len(self.in_flight) < executor.capacity():
            run = queue.next_ready(time.monotonic())
            if run is None:
                return
            key = run.key()
            if not self.claims.try_claim(key):
                if key not in self.waiting_for_others:
                    logger.info("waiting for %s: another sweep is executing it", run.describe())
                    self.waiting_for_others.add(key)
                queue.defer(run, time.monotonic() + CLAIM_RETRY_SECONDS)
                continue
            if self._recorded_elsewhere(key):
                logger.info("skipped %s: another sweep recorded it", run.describe())
                self.claims.release(key)
                self._skip(run, queue)
                continue
            self.logs.started(run, executor.description)
            executor.submit(run)
            queue.started(run)
            self.in_flight[key] = run
            self.progress.dispatched()

    def _wait_for_deferred(self, queue: RunQueue) -> None:
        """Sleep until a deferred run may be looked at again; raise if no run is deferred."""
        wakeup = queue.next_wakeup()
        if wakeup is None:
            # The queue's rules make this impossible; fail loudly rather than loop.
            raise RuntimeError(f"{len(queue)} pending runs cannot be dispatched")
        time.sleep(max(0.0, wakeup - time.monotonic()))

    def _skip(self, run: RunSpec, queue: RunQueue) -> None:
        queue.finished(run)
        self.summary.skipped += 1
        self.progress.skipped_now()

    def _recorded_elsewhere(self, key: str) -> bool:
        """Return whether another sweep appended a row for ``key`` since this sweep started."""
        current = self.results.row_counts()
        return current.get(key, 0) > self.row_counts.get(key, 0)

    def _record(self, outcome: Outcome, queue: RunQueue) -> None:
        run, row = outcome.spec, outcome.row
        key = run.key()
        if row[schema.STATUS] == schema.STATUS_OK:
            dense = None if run.is_dense else self._dense_row(run)
            row[schema.COLLAPSE] = collapse_evidence(row, dense, self.registry.model(run.model))

        forward(outcome.forwarded)
        self.results.append(row)
        self.row_counts[key] += 1
        self.claims.release(key)
        del self.in_flight[key]
        queue.finished(run)
        if run.is_dense and row[schema.STATUS] == schema.STATUS_OK:
            self.dense_rows[run.baseline.key()] = row
        self.logs.finished(run, row, outcome.log_text, outcome.where)
        _report(self.registry, row, self.suite.name)

        summary = self.summary
        summary.done += 1
        if row[schema.STATUS] == schema.STATUS_FAILED:
            summary.failed_rows.append(row)
        elif row[schema.STATUS] == schema.STATUS_DECLINED:
            summary.declined_rows.append(row)
        elif row.get(schema.COLLAPSE):
            summary.collapsed_rows.append(row)
        self.progress.finished(row[schema.STATUS] == schema.STATUS_FAILED)
        line = _progress_line(run, row)
        if not self.progress.bar:
            line += f"  [{self.progress.counts()}]"
        logger.info("%s", line)

    def _dense_row(self, run: RunSpec) -> dict | None:
        """Return the successful dense row of ``run``'s baseline, reading the store if needed.

        The store is read again only when a sweep on the same results file recorded the
        dense row while this sweep skipped it.
        """
        baseline = run.baseline.key()
        if baseline not in self.dense_rows:
            self.dense_rows.update(_dense_rows(latest_rows(self.results.read())))
        return self.dense_rows.get(baseline)


def _dense_rows(recorded: pd.DataFrame) -> dict[str, dict]:
    """Return the latest successful dense row of each baseline key in ``recorded``."""
    if recorded.empty:
        return {}
    dense = recorded[
        (recorded[schema.METHOD] == schema.DENSE_METHOD) & (recorded[schema.STATUS] == schema.STATUS_OK)
    ]
    return {row[schema.BASELINE_KEY]: row for row in dense.to_dict("records")}


def _progress_line(run: RunSpec, row: dict) -> str:
    status = row[schema.STATUS]
    text = f"{status:<8} {run.describe()}  ({row[schema.DURATION]:.1f} s)"
    if status == schema.STATUS_OK and schema.FID in row:
        text += f"  FID {row[schema.FID]:.4g}"
        if row.get(schema.COLLAPSE):
            text += f"  collapsed: {row[schema.COLLAPSE]}"
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
