"""Per-run logs: capture the log records of one run and keep them in a file per run.

The process that executes a run (the driver, a local worker or a Dask worker) captures every
record that its thread logs during the run, at DEBUG level, as text. The driver appends that
text to ``<runs dir>/<suite>/<run key>.log``, so logs need no file system shared with the
workers. Each attempt at a run adds a ``== started`` line when it is dispatched and a
``== finished`` line with its status when its row has been recorded; a run whose sweep was
killed has a ``started`` line without a ``finished`` one.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ganbench import schema
from ganbench.suite import RunSpec

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

STARTED_MARK = "== started"
FINISHED_MARK = "== finished"

# Captures that lowered the root logger's level, so that the last one restores it.
_root_lock = threading.Lock()
_root_users = 0
_root_level = logging.WARNING


@dataclass
class ForwardedRecord:
    """A log record from a worker that the driver logs again on its console."""

    level: int
    logger: str
    message: str


@dataclass
class Capture:
    """The records one run logged: all of them as text, and those to show on the console."""

    text: str = ""
    forwarded: list[ForwardedRecord] = field(default_factory=list)


class _ThreadHandler(logging.Handler):
    """Keep the records of one thread: formatted text, and copies at or above a level."""

    def __init__(self, forward_level: int | None):
        super().__init__(logging.DEBUG)
        self.thread = threading.get_ident()
        self.forward_level = forward_level
        self.buffer = io.StringIO()
        self.forwarded: list[ForwardedRecord] = []
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.thread

    def emit(self, record: logging.LogRecord) -> None:
        self.buffer.write(self.format(record) + "\n")
        if self.forward_level is not None and record.levelno >= self.forward_level:
            self.forwarded.append(ForwardedRecord(record.levelno, record.name, record.getMessage()))


class capture_run_logs:
    """Context manager that captures the current thread's log records into a ``Capture``.

    ``forward_level`` is the driver's console level when the run executes in another process:
    records at or above it are kept for the driver to show. In the driver's own process it is
    None, because records reach the console handlers directly. The root logger's level is
    lowered to DEBUG while any capture is active, so the run log gets every record; console
    handlers keep their own levels.
    """

    def __init__(self, forward_level: int | None = None):
        self.capture = Capture()
        self._handler = _ThreadHandler(forward_level)

    def __enter__(self) -> Capture:
        global _root_users, _root_level
        root = logging.getLogger()
        if not root.handlers and self._handler.forward_level is None:
            # Without handlers, warnings would go to logging.lastResort; forwarding them
            # keeps that behaviour once the capture handler is the root's only handler.
            self._handler.forward_level = logging.WARNING
        with _root_lock:
            if _root_users == 0:
                _root_level = root.level
                root.setLevel(logging.DEBUG)
            _root_users += 1
        root.addHandler(self._handler)
        return self.capture

    def __exit__(self, *exc_info) -> None:
        global _root_users
        root = logging.getLogger()
        root.removeHandler(self._handler)
        with _root_lock:
            _root_users -= 1
            if _root_users == 0:
                root.setLevel(_root_level)
        self.capture.text = self._handler.buffer.getvalue()
        self.capture.forwarded = self._handler.forwarded


def forward(records: list[ForwardedRecord]) -> None:
    """Log records captured in a worker again in this process, under their logger names."""
    for record in records:
        logging.getLogger(record.logger).log(record.level, "%s", record.message)


class RunLogs:
    """The per-run log files of one suite, in ``directory`` (None keeps no files)."""

    def __init__(self, directory: Path | None):
        self.directory = None if directory is None else Path(directory)

    def path(self, spec: RunSpec) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{spec.key()}.log"

    def started(self, spec: RunSpec, executor: str) -> None:
        """Record that an attempt at ``spec`` was dispatched to ``executor``."""
        self._append(
            spec,
            f"{STARTED_MARK} {_now()} on {executor}: {spec.describe()} (run key {spec.key()})\n",
        )

    def finished(self, spec: RunSpec, row: dict, text: str, where: str) -> None:
        """Append the run's captured log and its outcome."""
        status = row[schema.STATUS]
        outcome = f"{FINISHED_MARK} {_now()} {status} in {float(row[schema.DURATION]):.1f} s ({where})"
        if row.get(schema.ERROR):
            outcome += f": {row[schema.ERROR]}"
        if row.get(schema.COLLAPSE):
            outcome += f"; collapsed: {row[schema.COLLAPSE]}"
        self._append(spec, text + outcome + "\n")

    def _append(self, spec: RunSpec, text: str) -> None:
        path = self.path(spec)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
