"""The tables every leaderboard format shows, as columns of text cells.

Each ``Column`` turns one record (a dict of a summary, score or budget row) into the text of
its cell and, for the HTML page, into a sort key. Markdown, LaTeX and HTML render the same
columns, so the formats always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from ganbench import schema

_SI_PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


@dataclass(frozen=True)
class Column:
    """A table column: header, cell text, and a sort key (a number, or None for text)."""

    header: str
    text: Callable[[dict], str]
    key: Callable[[dict], float | None] | None = None
    numeric: bool = True


def missing(value) -> bool:
    """Return whether a cell value is absent (None, NA or NaN)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def number(value, spec: str) -> str:
    return "" if missing(value) else format(value, spec)


def integer(value) -> str:
    return "" if missing(value) else f"{int(round(float(value))):,}"


def si(value) -> str:
    """Format a large count with an SI prefix and three significant digits, e.g. ``7.57 G``."""
    if missing(value):
        return ""
    value = float(value)
    for scale, prefix in _SI_PREFIXES:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}"
    return f"{value:.3g}"


def fid(record: dict) -> str:
    """Return the FID cell: mean, and with several seeds ± std, n and the 95 % interval.

    A trailing "collapsed" (or "collapsed k/n") says how many of the runs were labelled
    collapsed by ``ganbench.collapse``.
    """
    mean = record["fid_mean"]
    if missing(mean):
        return ""
    text = f"{mean:#.4g}"
    if record["n"] > 1:
        text += f" ± {record['fid_std']:.2g} (n={record['n']}"
        if not missing(record.get("fid_ci_low")):
            text += f", 95% CI {record['fid_ci_low']:.4g}–{record['fid_ci_high']:.4g}"
        text += ")"
    collapsed = record.get("collapsed")
    if not missing(collapsed) and collapsed:
        text += " collapsed" if record["n"] <= 1 else f" collapsed {int(collapsed)}/{record['n']}"
    return text


def modes(record: dict) -> str:
    covered, total = record[schema.MODES_COVERED], record[schema.MODES_TOTAL]
    if missing(covered) or missing(total):
        return ""
    covered_text = f"{covered:g}" if float(covered).is_integer() else f"{covered:.1f}"
    return f"{covered_text}/{total:g}"


def value_of(column: str) -> Callable[[dict], float | None]:
    """Return a sort key reading ``column`` as a number (None when absent)."""
    def key(record: dict) -> float | None:
        value = record.get(column)
        return None if missing(value) else float(value)
    return key


def _column(header: str, name: str, spec: str) -> Column:
    return Column(header, lambda r: number(r.get(name), spec), value_of(name))


def _count(header: str, name: str) -> Column:
    return Column(header, lambda r: integer(r.get(name)), value_of(name))


def _text(header: str, name: str) -> Column:
    return Column(header, lambda r: str(r[name]), None, numeric=False)


SPARSITY = Column("sparsity", lambda r: f"{r[schema.SPARSITY]:.2f}", value_of(schema.SPARSITY))
RANK = Column("rank", lambda r: integer(r["rank"]), value_of("rank"))
METHOD = _text("method", schema.METHOD)
TARGET = _text("target", schema.TARGET)

RESULT_COLUMNS = [
    SPARSITY, RANK, METHOD, TARGET,
    Column("FID", fid, value_of("fid_mean")),
    Column("modes", modes, value_of(schema.MODES_COVERED)),
    _column("HQ share", schema.HIGH_QUALITY_SHARE, ".2f"),
    _column("mode KL", schema.MODE_KL, ".3f"),
    _column("achieved", schema.SPARSITY_ACHIEVED, ".3f"),
    _count("G params (non-zero)", schema.G_PARAMS_NONZERO),
    _count("G FLOPs (effective)", schema.G_FLOPS_EFFECTIVE),
    _column("G latency (ms)", schema.G_LATENCY_MS, ".3f"),
]
"""The main table of a (dataset, model) section."""

DISCRIMINATOR_COLUMNS = [
    _count("D params (non-zero)", schema.D_PARAMS_NONZERO),
    _count("D FLOPs (effective)", schema.D_FLOPS_EFFECTIVE),
]
"""Appended to the main table when a row prunes the discriminator."""


def _budget_ratio(record: dict) -> str:
    ratio = record.get("budget_ratio")
    return "" if missing(ratio) else f"{ratio:.2f}×"


def _budget_rank(record: dict) -> str:
    if missing(record.get("budget_ratio")):
        return ""
    rank = record.get("budget_rank")
    return "over budget" if missing(rank) else integer(rank)


COMPUTE_COLUMNS = [
    SPARSITY, METHOD, TARGET,
    _count("pretraining steps", schema.PRETRAIN_STEPS),
    _count("pruning steps", schema.PRUNE_STEPS),
    _count("fine-tuning steps", schema.TRAIN_STEPS),
    _count("total steps", "total_steps"),
    Column("× budget", _budget_ratio, value_of("budget_ratio")),
    Column("rank at budget", _budget_rank, value_of("budget_rank")),
    _column("pretraining s", schema.PRETRAIN_SECONDS, ".1f"),
    _column("pruning s", schema.PRUNE_SECONDS, ".2f"),
    _column("fine-tuning s", schema.FINETUNE_SECONDS, ".1f"),
    Column("training FLOPs (est.)", lambda r: si(r.get(schema.TRAIN_FLOPS)), value_of(schema.TRAIN_FLOPS)),
]
"""The compute table of a section: steps, wall time and FLOPs per phase, and the budget."""

SCORE_COLUMNS = [
    METHOD, TARGET,
    _column("max sparsity within 10 %", "max_sparsity_within", ".2f"),
    _column("normalised AUC", "auc", ".3f"),
    Column("rank", lambda r: integer(r["pair_rank"]), value_of("pair_rank")),
]
"""The summary scores of the methods of one section."""


def _within_budget(record: dict) -> str:
    value = record["within_budget"]
    if missing(value):
        return ""
    return "yes" if value else "no"


OVERALL_COLUMNS = [
    Column("overall rank", lambda r: integer(r["overall_rank"]), value_of("overall_rank")),
    METHOD, TARGET,
    _column("mean rank", "mean_rank", ".2f"),
    Column("pairs ranked", lambda r: f"{r['pairs_ranked']}/{r['pairs']}", value_of("pairs_ranked")),
    Column("within budget", _within_budget, None, numeric=False),
]
"""The overall ranking across datasets and models."""


def _problem_text(value) -> str:
    return str(value).replace("\n", " ")


COLLAPSE_COLUMNS = [
    SPARSITY, METHOD, TARGET,
    Column("seed", lambda r: str(r[schema.SEED]), value_of(schema.SEED)),
    Column("evidence", lambda r: _problem_text(r[schema.COLLAPSE]), None, numeric=False),
]
"""Runs of a section whose generator collapsed, with the evidence; they stay in the table."""

MISSED_COLUMNS = [
    SPARSITY, METHOD, TARGET,
    Column("seed", lambda r: str(r[schema.SEED]), value_of(schema.SEED)),
    _column("achieved", schema.SPARSITY_ACHIEVED, ".3f"),
    Column("reason", lambda r: _problem_text(r[schema.SPARSITY_NOTE]), None, numeric=False),
]
"""Runs of a section whose achieved sparsity misses the target; they stay in the table."""

PROBLEM_COLUMNS = [
    SPARSITY, METHOD, TARGET,
    Column("seed", lambda r: str(r[schema.SEED]), value_of(schema.SEED)),
    _text("status", schema.STATUS),
    Column("reason", lambda r: _problem_text(r[schema.ERROR]), None, numeric=False),
]
"""Runs of a section that have no result, with the reason."""


def result_columns(section: pd.DataFrame) -> list[Column]:
    """Return the main-table columns for ``section``, with the discriminator's when pruned."""
    if bool(section[schema.TARGET].isin(["discriminator", "both"]).any()):
        return RESULT_COLUMNS + DISCRIMINATOR_COLUMNS
    return list(RESULT_COLUMNS)


def cells(columns: list[Column], records: list[dict]) -> list[list[str]]:
    """Return the text cells of ``records`` under ``columns``."""
    return [[column.text(record) for column in columns] for record in records]
