"""The result store: an append-only CSV file with one row per finished run.

Writers hold an exclusive ``flock`` on a lock file beside the results while they append, and
readers a shared one, so a reader never sees half of a row or of a rewrite. Each row is one
line (line breaks inside values are replaced by spaces) written with a single ``write`` call
followed by ``fsync``, so concurrent writers never interleave rows and a killed process loses
at most the row it was writing. A torn last line (no trailing newline) is ignored with a
warning when reading and removed before the next append.

Sweeps that share a results file coordinate through run claims (``RunClaims``): a sweep
executes a run only while it holds that run's claim, so two sweeps started on the same suite
never execute the same run at the same time.

Rows are never edited or deleted. When a row brings a column the file does not have yet (a
new metric plugin), the file is rewritten with the extra column to a temporary file that
replaces the original atomically; every earlier row keeps its values.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import logging
import math
import os
import re
import tempfile
import warnings
from collections import Counter
from pathlib import Path
from typing import Iterator

import pandas as pd

from ganbench import schema
from ganbench.errors import UsageError

logger = logging.getLogger(__name__)


class TornRowWarning(UserWarning):
    """The results file ended with an incomplete row, left by a killed writer; it was ignored."""


class ResultStore:
    """Read and append result rows of one suite."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def read(self) -> pd.DataFrame:
        """Return every complete row as a DataFrame (empty with the core columns if no file).

        Raises ``UsageError`` when the file cannot be parsed or lacks a required column.
        """
        if not self.path.exists():
            return pd.DataFrame(columns=schema.ORDERED_COLUMNS)
        with self._locked(fcntl.LOCK_SH, required=False):
            text = self.path.read_text(encoding="utf-8")
        return parse_results(_complete_text(text, self.path), str(self.path))

    def text_rows(self) -> list[dict[str, str]]:
        """Return every complete row as a mapping of column to its text exactly as stored.

        Copying such a row into another store with ``append`` keeps the text of every value,
        so numbers read back exactly as they were recorded.
        """
        if not self.path.exists():
            return []
        with self._locked(fcntl.LOCK_SH, required=False):
            text = self.path.read_text(encoding="utf-8")
        return list(csv.DictReader(io.StringIO(_complete_text(text, self.path))))

    def recorded_keys(self) -> set[str]:
        """Return the run keys that already have a row, whatever their status."""
        frame = self.read()
        return set(frame[schema.RUN_KEY].astype(str))

    def row_counts(self) -> Counter:
        """Return how many complete rows each run key has.

        Cheaper than ``read``: only the key column is parsed and nothing is validated. A torn
        last line is left out without a warning.
        """
        if not self.path.exists():
            return Counter()
        with self._locked(fcntl.LOCK_SH, required=False):
            text = self.path.read_text(encoding="utf-8")
        reader = csv.reader(io.StringIO(text[: text.rfind("\n") + 1]))
        header = next(reader, [])
        if schema.RUN_KEY not in header:
            return Counter()
        index = header.index(schema.RUN_KEY)
        return Counter(row[index] for row in reader if len(row) > index)

    def append(self, row: dict) -> None:
        """Append one row, adding any new columns to the file's header."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            data = self.path.read_bytes() if self.path.exists() else b""
            if data and not data.endswith(b"\n"):
                _complete_text(data.decode("utf-8", errors="replace"), self.path)
                data = data[: data.rfind(b"\n") + 1]
                os.truncate(self.path, len(data))
            text = data.decode("utf-8")
            header = _header(text)
            new_columns = [column for column in row if column not in header]
            if not header:
                self._replace(ordered_columns(row), [row])
            elif new_columns:
                existing = list(csv.DictReader(io.StringIO(text)))
                self._replace(header + new_columns, existing + [row])
                logger.info("added columns to %s: %s", self.path, ", ".join(new_columns))
            else:
                line = io.StringIO()
                csv.DictWriter(line, fieldnames=header, lineterminator="\n").writerow(
                    format_row(row, header)
                )
                with open(self.path, "ab") as handle:
                    handle.write(line.getvalue().encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())

    @contextlib.contextmanager
    def _locked(self, operation: int = fcntl.LOCK_EX, required: bool = True) -> Iterator[None]:
        """Hold ``flock(operation)`` on the lock file beside the results.

        The lock lives in a separate file because the results file itself may be replaced.
        With ``required=False`` (readers), a lock file that cannot be created, for example in
        a read-only checkout, means reading without the lock.
        """
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        try:
            lock = open(lock_path, "a")
        except OSError:
            if required:
                raise
            yield
            return
        with lock:
            fcntl.flock(lock, operation)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _replace(self, header: list[str], rows: list[dict]) -> None:
        # Temporary files of writers that were killed during a rewrite; the caller holds the
        # exclusive lock, so no live writer owns one.
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                _write_all(handle, header, rows)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def ordered_columns(row: dict) -> list[str]:
    """Return every core column in schema order followed by the row's other columns.

    A new file always gets every core column, even when its first row is a failed run
    without metric values.
    """
    core = list(schema.ORDERED_COLUMNS)
    return core + [column for column in row if column not in core]


def format_row(row: dict, header: list[str]) -> dict:
    """Return the row's values as CSV strings; floats use ``repr`` so they read back exactly.

    Line breaks inside text values become spaces, so that every row is exactly one line and
    a torn row is recognisable by its missing newline.
    """
    formatted = {}
    for column in header:
        value = row.get(column, "")
        if isinstance(value, float):
            formatted[column] = "" if math.isnan(value) else repr(value)
        elif value is None:
            formatted[column] = ""
        elif isinstance(value, str):
            formatted[column] = _LINE_BREAKS.sub(" ", value)
        else:
            formatted[column] = value
    return formatted


_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def parse_results(text: str, source: str) -> pd.DataFrame:
    """Parse results CSV text, checking that every required column is present."""
    if not text.strip():
        return pd.DataFrame(columns=schema.ORDERED_COLUMNS)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype={schema.RUN_KEY: str, schema.ERROR: str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UsageError(
            f"results file {source} cannot be parsed as CSV ({error}); restore it from version "
            "control or move it away to start a new one"
        ) from error
    missing = [column for column in schema.REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise UsageError(
            f"results file {source} lacks required column(s) {', '.join(missing)}; it was not "
            "written by this version of ganbench. Restore it or move it away to start a new one"
        )
    frame[schema.ERROR] = frame[schema.ERROR].fillna("")
    return frame


def _complete_text(text: str, path: Path) -> str:
    if not text or text.endswith("\n"):
        return text
    cut = text.rfind("\n") + 1
    warnings.warn(
        f"{path} ends with an incomplete row (a writer was killed); it is ignored: "
        f"{text[cut:][:80]!r}",
        TornRowWarning,
        stacklevel=3,
    )
    return text[:cut]


def _header(text: str) -> list[str]:
    if not text:
        return []
    first = text.split("\n", 1)[0]
    return next(csv.reader([first]))


def _write_all(handle, header: list[str], rows: list[dict]) -> None:
    writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(format_row(row, header))
