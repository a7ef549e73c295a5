"""The order in which a sweep dispatches its pending runs.

Two rules hold for every executor:

* A baseline's pruned runs wait until its dense run has finished (when the dense run is
  pending in this sweep). The dense run trains the baseline, so a pruned run started
  alongside it would only wait for the baseline's lock, and the driver labels collapsed runs
  by comparing them with the dense row.
* While a run is training a baseline that is not cached yet, no other run of that baseline
  is dispatched: it would occupy a worker waiting for the lock.
* A run that another sweep is executing (another sweep has its claim) is deferred and looked
  at again later, so that the sweep neither executes it twice nor loses it if the other
  sweep dies.

With one slot (sequential execution) runs go in suite order grouped by baseline, so each
baseline's results arrive together. With several slots, dense runs go first, so the
expensive baseline trainings run in parallel early and the short pruned runs fill the
workers at the end of the sweep.
"""

from __future__ import annotations

from typing import Callable

from ganbench.baselines import BaselineConfig
from ganbench.suite import RunSpec


class RunQueue:
    """Pending runs in dispatch order; ``next_ready`` applies the rules above."""

    def __init__(
        self,
        runs: list[RunSpec],
        slots: int,
        is_cached: Callable[[BaselineConfig], bool],
    ):
        self._waiting = order_runs(runs, dense_first=slots > 1)
        self._dense_pending = {run.baseline.key() for run in runs if run.is_dense}
        self._is_cached = is_cached
        self._available: set[str] = set()
        self._training: set[str] = set()
        self._deferred: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def next_ready(self, now: float = 0.0) -> RunSpec | None:
        """Remove and return the first run that may start at time ``now``, or None.

        ``now`` is on the clock of ``defer`` (``time.monotonic`` in the runner).
        """
        for index, run in enumerate(self._waiting):
            baseline = run.baseline.key()
            if not run.is_dense and baseline in self._dense_pending:
                continue
            if baseline in self._training and not self._baseline_available(run):
                continue
            if self._deferred.get(run.key(), 0.0) > now:
                continue
            del self._waiting[index]
            return run
        return None

    def started(self, run: RunSpec) -> None:
        """Record that ``run`` was dispatched; it trains its baseline if that is not cached."""
        if not self._baseline_available(run):
            self._training.add(run.baseline.key())

    def defer(self, run: RunSpec, until: float) -> None:
        """Put ``run`` back at the head of the queue, not to be returned before ``until``."""
        self._deferred[run.key()] = until
        self._waiting.insert(0, run)

    def next_wakeup(self) -> float | None:
        """Return the earliest time a deferred run may start, or None without deferred runs."""
        waiting = {run.key() for run in self._waiting}
        times = [until for key, until in self._deferred.items() if key in waiting]
        return min(times) if times else None

    def finished(self, run: RunSpec) -> None:
        """Record that ``run`` finished (in any status) or will not run in this sweep."""
        baseline = run.baseline.key()
        if run.is_dense:
            self._dense_pending.discard(baseline)
        # Whether it succeeded or not, the baseline is now cached or known to fail fast.
        self._available.add(baseline)
        self._training.discard(baseline)
        self._deferred.pop(run.key(), None)

    def _baseline_available(self, run: RunSpec) -> bool:
        baseline = run.baseline.key()
        if baseline not in self._available and self._is_cached(run.baseline):
            self._available.add(baseline)
        return baseline in self._available


def order_runs(runs: list[RunSpec], dense_first: bool) -> list[RunSpec]:
    """Return ``runs`` grouped by baseline in first-appearance order (stable).

    With ``dense_first`` every dense run comes before every pruned run.
    """
    order: dict[str, int] = {}
    for run in runs:
        order.setdefault(run.baseline.key(), len(order))

    def sort_key(run: RunSpec) -> tuple:
        group = order[run.baseline.key()]
        if dense_first:
            return (not run.is_dense, group)
        return (group, not run.is_dense)

    return sorted(runs, key=sort_key)
