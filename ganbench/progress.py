"""Sweep progress on stderr: a bar on terminals, a plain line per run elsewhere.

``SweepProgress`` counts the runs of one sweep (done, failed, skipped, running) and estimates
the time left from the wall time per finished run so far, which accounts for parallel
workers. On a terminal it keeps one bar on the last line of stderr and redraws it after
every event. Log records go through ``ConsoleHandler``, which erases the bar, writes the
record and draws the bar again. When stderr is not a terminal (CI logs, files) there is no bar: the runner's
per-run log line carries the counts and the estimate instead.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import TextIO

BAR_WIDTH = 24

_active: "SweepProgress | None" = None
_lock = threading.RLock()


class SweepProgress:
    """Counts and time estimate of one sweep; draws the bar when ``bar`` is true."""

    def __init__(self, pending: int, skipped: int, bar: bool, stream: TextIO | None = None):
        self.pending = pending
        self.skipped = skipped
        self.done = 0
        self.failed = 0
        self.running = 0
        self.bar = bar
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._drawn = False

    def __enter__(self) -> "SweepProgress":
        global _active
        with _lock:
            _active = self
            self.draw()
        return self

    def __exit__(self, *exc_info) -> None:
        global _active
        with _lock:
            self.clear()
            _active = None

    def dispatched(self) -> None:
        with _lock:
            self.running += 1
            self.draw()

    def finished(self, failed: bool) -> None:
        with _lock:
            self.running = max(0, self.running - 1)
            self.done += 1
            self.failed += int(failed)
            self.draw()

    def skipped_now(self) -> None:
        """Count a pending run that turned out to be recorded or claimed by another sweep."""
        with _lock:
            self.pending -= 1
            self.skipped += 1
            self.draw()

    def eta_seconds(self) -> float | None:
        """Return the estimated seconds until every pending run has finished, or None."""
        if self.done == 0:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * max(0, self.pending - self.done)

    def counts(self) -> str:
        """Return "done D/P, failed F, skipped S, ETA …" for log lines."""
        return (
            f"done {self.done}/{self.pending}, failed {self.failed}, skipped {self.skipped}, "
            f"ETA {format_duration(self.eta_seconds())}"
        )

    def draw(self) -> None:
        if not self.bar:
            return
        filled = BAR_WIDTH if self.pending == 0 else BAR_WIDTH * self.done // self.pending
        line = (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.counts()}, "
            f"running {self.running}"
        )
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._drawn = False


def format_duration(seconds: float | None) -> str:
    """Return ``seconds`` as "1h02m", "4m05s" or "12s"; "--" when unknown."""
    if seconds is None:
        return "--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


def stream_is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ConsoleHandler(logging.StreamHandler):
    """A stderr handler that keeps the active progress bar below the log lines."""

    def emit(self, record: logging.LogRecord) -> None:
        with _lock:
            progress = _active
            if progress is not None and progress.stream is self.stream:
                progress.clear()
            super().emit(record)
            if progress is not None and progress.stream is self.stream:
                progress.draw()
