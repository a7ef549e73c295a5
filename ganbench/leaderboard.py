"""Leaderboards: a pure function from the result table to Markdown and CSV.

For every (dataset, model) pair, the successful runs are grouped by (method, sparsity,
target) with seeds aggregated (mean, standard deviation, n, and a 95 % bootstrap interval of
the mean FID, see ``ganbench.replicates``), and ranked by mean FID within each sparsity:
rank 1 is the lowest FID, and methods whose intervals overlap share a rank. The dense
reference row heads each table. Runs that failed or were declined are listed under the
table with their reasons, and so are collapsed runs (``ganbench.collapse``) with the
evidence; they stay in the aggregates, and their FID cells say how many of n collapsed.

Nothing here reads the clock or the environment, so the same results always give the same
bytes.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from ganbench import schema
from ganbench.replicates import bootstrap_mean_interval, overlap_ranks

SUMMARY_COLUMNS = [
    schema.DATASET, schema.MODEL, schema.SPARSITY, "rank", schema.METHOD, schema.TARGET,
    "n", "fid_mean", "fid_std", schema.MODES_COVERED, schema.MODES_TOTAL,
    schema.HIGH_QUALITY_SHARE, schema.MODE_KL, schema.SPARSITY_ACHIEVED,
    schema.G_PARAMS, schema.G_PARAMS_NONZERO, schema.G_FLOPS, schema.G_FLOPS_EFFECTIVE,
    schema.D_PARAMS, schema.D_PARAMS_NONZERO, schema.D_FLOPS, schema.D_FLOPS_EFFECTIVE,
    "fid_ci_low", "fid_ci_high", "collapsed",
]

_MEAN_COLUMNS = [
    schema.MODES_COVERED, schema.MODES_TOTAL, schema.HIGH_QUALITY_SHARE, schema.MODE_KL,
    schema.SPARSITY_ACHIEVED, schema.G_PARAMS, schema.G_PARAMS_NONZERO, schema.G_FLOPS,
    schema.G_FLOPS_EFFECTIVE, schema.D_PARAMS, schema.D_PARAMS_NONZERO, schema.D_FLOPS,
    schema.D_FLOPS_EFFECTIVE,
]


def latest_rows(results: pd.DataFrame) -> pd.DataFrame:
    """Return one row per run key: the last successful row, else the last row."""
    if results.empty:
        return results
    frame = results.reset_index(drop=True).copy()
    frame["_order"] = range(len(frame))
    frame["_ok"] = frame[schema.STATUS] == schema.STATUS_OK
    frame = frame.sort_values(["_ok", "_order"]).groupby(schema.RUN_KEY, sort=False).tail(1)
    return frame.sort_values("_order").drop(columns=["_order", "_ok"]).reset_index(drop=True)


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Return the ranked leaderboard: one row per (dataset, model, method, sparsity, target)."""
    frame = latest_rows(results)
    frame = frame[frame[schema.STATUS] == schema.STATUS_OK].copy()
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    for column in _MEAN_COLUMNS + [schema.FID]:
        if column not in frame.columns:
            frame[column] = float("nan")
        frame[column] = pd.to_numeric(frame[column], errors="coerce")

    if schema.COLLAPSE not in frame.columns:
        frame[schema.COLLAPSE] = ""
    frame["_collapsed"] = frame[schema.COLLAPSE].fillna("").astype(str) != ""

    keys = [schema.DATASET, schema.MODEL, schema.SPARSITY, schema.METHOD, schema.TARGET]
    # Rows in a fixed order, so that sums and bootstrap resamples do not depend on the order
    # in which parallel workers recorded them.
    frame = frame.sort_values(keys + [schema.SEED, schema.RUN_KEY], kind="mergesort")
    grouped = frame.groupby(keys, sort=True, dropna=False)
    summary = grouped[_MEAN_COLUMNS].mean()
    summary["n"] = grouped[schema.FID].count()
    summary["fid_mean"] = grouped[schema.FID].mean()
    summary["fid_std"] = grouped[schema.FID].std(ddof=1)
    intervals = grouped[schema.FID].apply(lambda values: bootstrap_mean_interval(values.tolist()))
    summary["fid_ci_low"] = [low for low, _ in intervals]
    summary["fid_ci_high"] = [high for _, high in intervals]
    summary["collapsed"] = grouped["_collapsed"].sum().astype(int)
    summary = summary.reset_index()

    summary["rank"] = pd.Series(pd.NA, index=summary.index, dtype="Int64")
    for _, cell in summary.groupby([schema.DATASET, schema.MODEL, schema.SPARSITY]).groups.items():
        ranks = overlap_ranks(
            summary.loc[cell, "fid_mean"], summary.loc[cell, "fid_ci_low"], summary.loc[cell, "fid_ci_high"]
        )
        summary.loc[cell, "rank"] = pd.array(ranks, dtype="Int64")
    summary = summary.sort_values(
        [schema.DATASET, schema.MODEL, schema.SPARSITY, "rank", schema.METHOD, schema.TARGET],
        kind="mergesort",
    )
    return summary[SUMMARY_COLUMNS].reset_index(drop=True)


def render_markdown(results: pd.DataFrame, suite: str, description: str = "") -> str:
    """Return the Markdown leaderboard of ``results`` (GitHub tables via tabulate)."""
    summary = summarize(results)
    latest = latest_rows(results)
    problems = collapsed = latest
    if not latest.empty:
        problems = latest[latest[schema.STATUS] != schema.STATUS_OK]
        collapsed = latest.iloc[0:0]
        if schema.COLLAPSE in latest.columns:
            labelled = latest[schema.COLLAPSE].fillna("").astype(str) != ""
            collapsed = latest[(latest[schema.STATUS] == schema.STATUS_OK) & labelled]

    lines = [f"# ganbench leaderboard: {suite}", ""]
    if description:
        lines += [description, ""]
    lines += [
        f"Generated by `ganbench leaderboard --suite {suite}` from `results/{suite}.csv`; "
        "do not edit by hand.",
        "Methods are ranked by mean FID (lower is better) within each sparsity; methods whose "
        "95 % bootstrap intervals of the mean FID overlap share a rank. "
        "The dense row is the unpruned model with the same fine-tuning budget.",
        "",
    ]
    pairs = sorted(
        set(zip(summary[schema.DATASET], summary[schema.MODEL]))
        | set(zip(problems[schema.DATASET], problems[schema.MODEL]))
    )
    for dataset, model in pairs:
        lines += [f"## {dataset} / {model}", ""]
        section = summary[(summary[schema.DATASET] == dataset) & (summary[schema.MODEL] == model)]
        if not section.empty:
            lines += [_section_table(section), ""]
        failed = problems[(problems[schema.DATASET] == dataset) & (problems[schema.MODEL] == model)]
        if not failed.empty:
            lines += ["Runs without a result:", "", _problem_table(failed), ""]
        if not collapsed.empty:
            labelled = collapsed[(collapsed[schema.DATASET] == dataset) & (collapsed[schema.MODEL] == model)]
            if not labelled.empty:
                lines += ["Collapsed runs (included above):", "", _collapse_table(labelled), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _section_table(section: pd.DataFrame) -> str:
    show_discriminator = bool((section[schema.TARGET].isin(["discriminator", "both"])).any())
    headers = ["sparsity", "rank", "method", "target", "FID", "modes", "HQ share", "mode KL",
               "achieved", "G params (non-zero)", "G FLOPs (effective)"]
    if show_discriminator:
        headers += ["D params (non-zero)", "D FLOPs (effective)"]
    rows = []
    for record in section.to_dict("records"):
        row = [
            f"{record[schema.SPARSITY]:.2f}",
            _integer(record["rank"]),
            record[schema.METHOD],
            record[schema.TARGET],
            _fid(record),
            _modes(record),
            _number(record[schema.HIGH_QUALITY_SHARE], ".2f"),
            _number(record[schema.MODE_KL], ".3f"),
            _number(record[schema.SPARSITY_ACHIEVED], ".3f"),
            _integer(record[schema.G_PARAMS_NONZERO]),
            _integer(record[schema.G_FLOPS_EFFECTIVE]),
        ]
        if show_discriminator:
            row += [_integer(record[schema.D_PARAMS_NONZERO]), _integer(record[schema.D_FLOPS_EFFECTIVE])]
        rows.append(row)
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def _problem_table(rows: pd.DataFrame) -> str:
    records = rows.sort_values([schema.SPARSITY, schema.METHOD, schema.TARGET, schema.SEED], kind="mergesort")
    table = [
        [f"{r[schema.SPARSITY]:.2f}", r[schema.METHOD], r[schema.TARGET], str(r[schema.SEED]),
         r[schema.STATUS], str(r[schema.ERROR]).replace("|", "\\|").replace("\n", " ")]
        for r in records.to_dict("records")
    ]
    return tabulate(table, headers=["sparsity", "method", "target", "seed", "status", "reason"],
                    tablefmt="github", disable_numparse=True)


def _collapse_table(rows: pd.DataFrame) -> str:
    records = rows.sort_values([schema.SPARSITY, schema.METHOD, schema.TARGET, schema.SEED], kind="mergesort")
    table = [
        [f"{r[schema.SPARSITY]:.2f}", r[schema.METHOD], r[schema.TARGET], str(r[schema.SEED]),
         str(r[schema.COLLAPSE]).replace("|", "\\|")]
        for r in records.to_dict("records")
    ]
    return tabulate(table, headers=["sparsity", "method", "target", "seed", "evidence"],
                    tablefmt="github", disable_numparse=True)


def _fid(record: dict) -> str:
    mean = record["fid_mean"]
    if _missing(mean):
        return ""
    text = f"{mean:#.4g}"
    if record["n"] > 1:
        text += f" ± {record['fid_std']:.2g} (n={record['n']}"
        if not _missing(record["fid_ci_low"]):
            text += f", 95% CI {record['fid_ci_low']:.4g}–{record['fid_ci_high']:.4g}"
        text += ")"
    if record["collapsed"]:
        text += " collapsed" if record["n"] <= 1 else f" collapsed {record['collapsed']}/{record['n']}"
    return text


def _modes(record: dict) -> str:
    covered, total = record[schema.MODES_COVERED], record[schema.MODES_TOTAL]
    if _missing(covered) or _missing(total):
        return ""
    covered_text = f"{covered:g}" if float(covered).is_integer() else f"{covered:.1f}"
    return f"{covered_text}/{total:g}"


def _number(value, spec: str) -> str:
    return "" if _missing(value) else format(value, spec)


def _integer(value) -> str:
    return "" if _missing(value) else f"{int(round(float(value))):,}"


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def write_leaderboard(results: pd.DataFrame, directory: Path, suite: str, description: str = "") -> list[Path]:
    """Write ``<suite>.md`` and ``<suite>.csv`` into ``directory``; returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    markdown_path = directory / f"{suite}.md"
    csv_path = directory / f"{suite}.csv"
    markdown_path.write_text(render_markdown(results, suite, description), encoding="utf-8")
    summarize(results).to_csv(csv_path, index=False, lineterminator="\n", float_format="%.10g")
    return [markdown_path, csv_path]
