"""The content of a leaderboard, computed once from the results and rendered by every format.

A ``Board`` contains the ranked summary with its compute and budget columns, the summary scores,
the overall ranking, the runs without a result, and one ``Section`` per (dataset, model)
pair. Everything is computed from the result table and the stored sample pictures alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from ganbench import schema
from ganbench.leaderboard import latest_rows, summarize
from ganbench.metrics.protocol import protocol_conflicts
from ganbench.reports.scores import budget_view, method_scores, overall_ranking
from ganbench.samples import SampleGrids

_KEYS = [schema.DATASET, schema.MODEL, schema.METHOD, schema.SPARSITY, schema.TARGET]

# The results folder of the command line when no --results-dir is given.
DEFAULT_RESULTS_DIR = "results"


@dataclass
class Section:
    """The rows of one (dataset, model) pair.

    ``note`` explains why the pair is not ranked (rows under different metric protocols), or
    is empty. ``collapsed`` lists the pair's successful runs labelled as collapsed, and
    ``missed`` those whose achieved sparsity misses the target, with the method's reason
    (``sparsity_note``); both stay in the summary at their target sparsity.

    ``summary`` rows carry ``picture_key``: the run key of the lowest seed's run, whose
    sample picture (if stored) is in ``Board.pictures``.
    """

    dataset: str
    model: str
    summary: pd.DataFrame
    scores: pd.DataFrame
    problems: pd.DataFrame
    note: str = ""
    collapsed: pd.DataFrame | None = None
    missed: pd.DataFrame | None = None

    @property
    def title(self) -> str:
        return f"{self.dataset} / {self.model}"

    @property
    def slug(self) -> str:
        """A file-name-safe identifier, e.g. ``digits-dcgan``."""
        return re.sub(r"[^a-z0-9]+", "-", f"{self.dataset}-{self.model}".lower()).strip("-")


@dataclass
class Board:
    """Everything a leaderboard shows for one suite."""

    suite: str
    description: str
    summary: pd.DataFrame
    scores: pd.DataFrame
    overall: pd.DataFrame
    problems: pd.DataFrame
    sections: list[Section] = field(default_factory=list)
    pictures: dict[str, bytes] = field(default_factory=dict)
    results_dir: str = DEFAULT_RESULTS_DIR

    @property
    def source(self) -> str:
        """Path of the results table the leaderboard is generated from."""
        return f"{self.results_dir}/{self.suite}.csv"

    @property
    def command(self) -> str:
        """Command that regenerates the leaderboard."""
        command = f"ganbench leaderboard --suite {self.suite}"
        if self.results_dir != DEFAULT_RESULTS_DIR:
            command += f" --results-dir {self.results_dir}"
        return command


def build_board(
    results: pd.DataFrame,
    suite: str,
    description: str = "",
    grids: SampleGrids | None = None,
    results_dir: str = DEFAULT_RESULTS_DIR,
) -> Board:
    """Return the leaderboard content of ``results``; ``grids`` supplies sample pictures.

    ``results_dir`` is the folder of the results table, as the leaderboard names it.
    """
    latest = latest_rows(results)
    summary = budget_view(summarize(results))
    summary["picture_key"] = _picture_keys(latest, summary)
    scores = method_scores(summary)
    overall = overall_ranking(scores, summary)
    problems = latest[latest[schema.STATUS] != schema.STATUS_OK] if not latest.empty else latest

    pairs = sorted(
        set(zip(summary[schema.DATASET], summary[schema.MODEL]))
        | set(zip(problems[schema.DATASET], problems[schema.MODEL]))
    )
    ok = latest[latest[schema.STATUS] == schema.STATUS_OK] if not latest.empty else latest
    conflicts = protocol_conflicts(ok)
    collapsed = _labelled(ok, schema.COLLAPSE)
    missed = _labelled(ok, schema.SPARSITY_NOTE)
    sections = []
    for dataset, model in pairs:
        note = _conflict_note(conflicts[(dataset, model)]) if (dataset, model) in conflicts else ""
        sections.append(Section(
            dataset, model,
            summary=_pair(summary, dataset, model),
            scores=_pair(scores, dataset, model),
            problems=_pair(problems, dataset, model).sort_values(
                [schema.SPARSITY, schema.METHOD, schema.TARGET, schema.SEED], kind="mergesort"),
            note=note,
            collapsed=_pair(collapsed, dataset, model).sort_values(
                [schema.SPARSITY, schema.METHOD, schema.TARGET, schema.SEED], kind="mergesort"),
            missed=_pair(missed, dataset, model).sort_values(
                [schema.SPARSITY, schema.METHOD, schema.TARGET, schema.SEED], kind="mergesort"),
        ))

    pictures = {}
    if grids is not None:
        for key in summary["picture_key"].dropna():
            data = grids.read(key)
            if data is not None:
                pictures[key] = data
    return Board(suite, description, summary, scores, overall, problems, sections, pictures, results_dir)


def _labelled(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Return the rows whose text ``column`` is not empty (none when the column is absent)."""
    if rows.empty or column not in rows.columns:
        return rows.iloc[0:0]
    values = rows[column]
    return rows[values.notna() & (values.astype(str) != "")]


def _conflict_note(protocols: list[str]) -> str:
    listed = "; ".join(f"`{protocol}`" for protocol in protocols)
    return (
        f"Not ranked: these rows were computed under {len(protocols)} different metric "
        f"protocols ({listed}), so their values are not comparable. Rerun the suite into an "
        "empty results folder (ganbench run --results-dir DIR) so that every row shares one "
        "protocol."
    )


def _pair(frame: pd.DataFrame, dataset: str, model: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[(frame[schema.DATASET] == dataset) & (frame[schema.MODEL] == model)]


def _picture_keys(latest: pd.DataFrame, summary: pd.DataFrame) -> list:
    """Return, per summary row, the run key of its successful run with the lowest seed."""
    if summary.empty:
        return []
    ok = latest[latest[schema.STATUS] == schema.STATUS_OK].sort_values(schema.SEED, kind="mergesort")
    first = ok.groupby(_KEYS, sort=False, dropna=False)[schema.RUN_KEY].first()
    return [first.get(tuple(row), None) for row in summary[_KEYS].itertuples(index=False)]
