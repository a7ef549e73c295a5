"""Executors: where the runs of a sweep execute.

* ``InProcessExecutor`` runs them one at a time in the driver's process (``--workers 1``).
* ``ProcessExecutor`` runs them in N local worker processes (``--workers N``).
* ``DaskExecutor`` submits them to an existing Dask distributed cluster
  (``--dask-scheduler ADDRESS``).

The driver (``ganbench.runner``) dispatches runs and records their rows; executors only
execute ``RunSpec``s and return ``Outcome``s, so the result store has a single writer per
sweep whichever executor is used. A worker rebuilds the registry from the driver's plugin
paths, sets the driver's torch thread count and executes the run with the same seeds as the
driver would, so every executor gives the same numbers. A worker that dies while executing a
run (killed, out of memory, a crash in native code) turns that run into a ``failed`` outcome
with the reason; the sweep goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ganbench import __version__, schema
from ganbench.baselines import BaselineCache
from ganbench.data.location import DATA_DIR_VARIABLE
from ganbench.device import DEFAULT_DEVICE
from ganbench.errors import UsageError, describe_error
from ganbench.execute import execute_run, identity_row
from ganbench.registry import Registry, load_registry
from ganbench.runlog import ForwardedRecord, capture_run_logs
from ganbench.samples import SampleGrids
from ganbench.suite import RunSpec
from ganbench.worker import WorkerSetup, worker_main

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """A finished run: its row, its captured log and where it executed."""

    spec: RunSpec
    row: dict
    log_text: str = ""
    forwarded: list[ForwardedRecord] = field(default_factory=list)
    where: str = ""


class Executor(ABC):
    """Executes runs; at most ``capacity()`` are submitted and not yet collected."""

    description = ""

    @abstractmethod
    def capacity(self) -> int:
        """Return how many runs may be in flight at once."""

    @abstractmethod
    def submit(self, spec: RunSpec) -> None:
        """Start executing ``spec``; the caller keeps fewer than ``capacity()`` in flight."""

    @abstractmethod
    def collect(self) -> list[Outcome]:
        """Block until at least one submitted run has finished; return every finished one."""

    def close(self) -> None:
        """Stop the workers; runs still in flight are abandoned."""


def failed_outcome(spec: RunSpec, reason: str, seconds: float, where: str) -> Outcome:
    """Return the outcome of a run that produced no row of its own."""
    row = identity_row(spec)
    row[schema.STATUS] = schema.STATUS_FAILED
    row[schema.ERROR] = reason
    row[schema.DURATION] = round(seconds, 3)
    return Outcome(spec, row, where=where)


def process_name() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


class InProcessExecutor(Executor):
    """Execute one run at a time in the driver's process, with the driver's registry."""

    description = "this process"

    def __init__(
        self,
        registry: Registry,
        cache: BaselineCache,
        threads: int,
        grids: SampleGrids | None = None,
        device: str = DEFAULT_DEVICE,
    ):
        self.registry = registry
        self.cache = cache
        self.threads = threads
        self.grids = grids
        self.device = device
        self._submitted: list[RunSpec] = []

    def capacity(self) -> int:
        return 1

    def submit(self, spec: RunSpec) -> None:
        self._submitted.append(spec)

    def collect(self) -> list[Outcome]:
        spec = self._submitted.pop(0)
        torch.set_num_threads(self.threads)
        with capture_run_logs() as capture:
            row = execute_run(spec, self.registry, self.cache, self.grids, self.device)
        return [Outcome(spec, row, capture.text, capture.forwarded, process_name())]


# The registry and cache of a worker process, built on its first run and reused.
_worker_environments: dict[WorkerSetup, tuple[Registry, BaselineCache]] = {}
_environment_lock = threading.Lock()


def perform(spec: RunSpec, setup: WorkerSetup) -> Outcome:
    """Execute ``spec`` in a worker process (local or Dask) and return its outcome.

    Never raises for a failed run: a registry that cannot be built or a version mismatch
    with the driver also becomes a failed outcome.
    """
    started = time.perf_counter()
    with capture_run_logs(setup.forward_level) as capture:
        try:
            registry, cache = _worker_environment(setup)
        except Exception as error:
            logger.exception("worker could not prepare run %s", spec.describe())
            outcome = failed_outcome(
                spec, describe_error(error), time.perf_counter() - started, process_name()
            )
        else:
            torch.set_num_threads(setup.threads)
            grids = None if setup.samples_dir is None else SampleGrids(Path(setup.samples_dir))
            row = execute_run(spec, registry, cache, grids, setup.device)
            outcome = Outcome(spec, row, where=process_name())
    outcome.log_text = capture.text
    outcome.forwarded = capture.forwarded
    return outcome


def _worker_environment(setup: WorkerSetup) -> tuple[Registry, BaselineCache]:
    if setup.version != __version__:
        raise UsageError(
            f"this worker runs ganbench {__version__} but the driver runs {setup.version}; "
            "install the same version on every worker"
        )
    with _environment_lock:
        if setup not in _worker_environments:
            if setup.data_dir is not None:
                os.environ[DATA_DIR_VARIABLE] = setup.data_dir
            registry = load_registry(setup.plugin_paths)
            cache = BaselineCache(setup.cache_dir, sweep_id=setup.sweep_id)
            _worker_environments[setup] = (registry, cache)
        return _worker_environments[setup]


class ProcessExecutor(Executor):
    """Execute runs in ``workers`` local processes, one run per process at a time.

    Processes are started with the ``spawn`` method (no state inherited from the driver, no
    fork of a process with torch threads). Each worker receives runs through its own pipe,
    so the driver can tell which run a dead worker was executing. A dead worker is replaced
    by a new one. Workers exit when the driver dies (Linux parent-death signal, and a check of
    the parent process id elsewhere).
    """

    def __init__(self, workers: int, setup: WorkerSetup):
        self.workers = workers
        self.setup = setup
        self.description = f"{workers} local worker processes"
        self._context = multiprocessing.get_context("spawn")
        self._slots: list[_WorkerSlot] = [self._start() for _ in range(workers)]

    def capacity(self) -> int:
        return self.workers

    def submit(self, spec: RunSpec) -> None:
        slot = next(slot for slot in self._slots if slot.spec is None)
        if not slot.process.is_alive():
            self._replace(slot)
        try:
            slot.connection.send(spec)
        except OSError:
            # The idle worker died after the check above; a fresh one gets the run.
            logger.warning("worker pid %s died while idle; starting a new worker", slot.process.pid)
            self._replace(slot)
            slot.connection.send(spec)
        slot.spec = spec
        slot.started = time.perf_counter()

    def collect(self) -> list[Outcome]:
        busy = [slot for slot in self._slots if slot.spec is not None]
        if not busy:
            return []
        waitables = [slot.connection for slot in busy] + [slot.process.sentinel for slot in busy]
        multiprocessing.connection.wait(waitables)

        outcomes = []
        for slot in busy:
            outcome = self._receive(slot)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _receive(self, slot: "_WorkerSlot") -> Outcome | None:
        """Return the slot's outcome if it has one, a failed outcome if its worker died."""
        try:
            if slot.connection.poll():
                outcome = slot.connection.recv()
                slot.spec = None
                return outcome
        except (EOFError, OSError):
            pass
        if slot.process.is_alive():
            return None

        slot.process.join()
        spec, seconds = slot.spec, time.perf_counter() - slot.started
        reason = f"the worker process executing this run died ({_exit_reason(slot.process.exitcode)})"
        logger.error("%s: %s; starting a new worker", spec.describe(), reason)
        where = f"pid {slot.process.pid} on {socket.gethostname()}"
        self._replace(slot)
        return failed_outcome(spec, reason, seconds, where)

    def close(self) -> None:
        for slot in self._slots:
            try:
                slot.connection.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 5
        for slot in self._slots:
            # A worker still executing a run is abandoned: terminate it.
            if slot.spec is not None:
                slot.process.terminate()
            slot.process.join(max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
            slot.connection.close()

    def _start(self) -> "_WorkerSlot":
        driver_end, worker_end = self._context.Pipe()
        process = self._context.Process(
            target=worker_main, args=(worker_end, self.setup, os.getpid()),
            name="ganbench-worker", daemon=True,
        )
        process.start()
        worker_end.close()
        return _WorkerSlot(process, driver_end)

    def _replace(self, slot: "_WorkerSlot") -> None:
        slot.connection.close()
        fresh = self._start()
        slot.process, slot.connection, slot.spec = fresh.process, fresh.connection, None


@dataclass
class _WorkerSlot:
    process: multiprocessing.process.BaseProcess
    connection: multiprocessing.connection.Connection
    spec: RunSpec | None = None
    started: float = 0.0


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class DaskExecutor(Executor):
    """Submit runs to the Dask distributed cluster whose scheduler is at ``address``.

    Workers need ganbench (same version), the plugin files at the same absolute paths, and
    the baseline cache folder on a shared file system. Every worker thread is a slot; with
    several threads per worker, runs share the process (``torch.set_num_threads`` applies to
    the whole process). A run whose worker dies is retried by Dask on another worker up to
    the scheduler's ``allowed-failures`` setting, then recorded as failed.
    """

    def __init__(self, address: str, setup: WorkerSetup, connect_timeout: float = 30.0):
        try:
            import distributed
        except ImportError:
            raise UsageError(
                "--dask-scheduler needs the Dask distributed package; install it with "
                "pip install 'ganbench[dask]'"
            ) from None
        self._distributed = distributed
        self.setup = setup
        try:
            self.client = distributed.Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise UsageError(
                f"cannot connect to the Dask scheduler at {address!r} ({error}); start one "
                "(dask scheduler, or a dask-jobqueue cluster) and pass its address, for "
                "example tcp://127.0.0.1:8786"
            ) from None
        self.description = f"Dask cluster at {self.client.scheduler.address}"
        self._futures: dict = {}
        self._completed = distributed.as_completed(loop=self.client.loop)

    def capacity(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, spec: RunSpec) -> None:
        future = self.client.submit(
            perform, spec, self.setup,
            key=f"ganbench-run-{spec.key()}-{uuid.uuid4().hex[:8]}", pure=False, retries=0,
        )
        self._futures[future] = (spec, time.perf_counter())
        self._completed.add(future)

    def collect(self) -> list[Outcome]:
        if not self._futures:
            return []
        done = [next(self._completed)]
        if self._completed.has_ready():
            done += self._completed.next_batch(block=False)
        outcomes = []
        for future in done:
            spec, started = self._futures.pop(future)
            outcomes.append(self._outcome(future, spec, time.perf_counter() - started))
        return outcomes

    def _outcome(self, future, spec: RunSpec, seconds: float) -> Outcome:
        where = self.description
        if future.status == "finished":
            return future.result()
        if future.status == "cancelled":
            return failed_outcome(spec, "the Dask scheduler cancelled this run", seconds, where)
        error = future.exception()
        if isinstance(error, self._distributed.KilledWorker):
            reason = f"the Dask workers executing this run died ({error})"
        else:
            reason = f"the Dask task failed: {describe_error(error)}"
        logger.error("%s: %s", spec.describe(), reason)
        return failed_outcome(spec, reason, seconds, where)

    def close(self) -> None:
        if self._futures:
            self.client.cancel(list(self._futures))
        self.client.close()
