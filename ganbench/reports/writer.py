"""Writing every leaderboard format and plot of a suite into the leaderboard folder.

For suite ``NAME`` the folder receives:

* ``NAME.md``: GitHub Markdown, linking the plots;
* ``NAME.csv``: the ranked summary with compute and budget columns (one row per dataset,
  model, method, sparsity and target);
* ``NAME-scores.csv``: the summary scores per dataset, model and method;
* ``NAME.tex``: booktabs tables for papers;
* ``NAME.html``: the self-contained page with sortable tables, plots and sample pictures;
* ``NAME/``: the plots as PNG files, per (dataset, model): ``fid-sparsity-SLUG.png``,
  ``fid-flops-SLUG.png`` and ``samples-SLUG.png``. Other PNG files there are removed, so
  the folder always matches the results.

All files are a function of the results and the stored sample pictures alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ganbench.atomic import write_atomic
from ganbench.reports.board import DEFAULT_RESULTS_DIR, Board, build_board
from ganbench.reports.html import render_html
from ganbench.reports.latex import render_latex
from ganbench.reports.markdown import render_markdown
from ganbench.reports.plots import fid_flops_png, fid_sparsity_png, sample_sheet_png
from ganbench.samples import SampleGrids

_CSV_OPTIONS = dict(index=False, lineterminator="\n", float_format="%.10g")

# Columns of the summary CSV that only serve the other formats.
_INTERNAL_COLUMNS = ["picture_key"]


def render_figures(board: Board) -> dict[str, list[tuple[str, str, bytes]]]:
    """Return, per section slug, (caption, file name, PNG bytes) of each plot that applies."""
    figures: dict[str, list[tuple[str, str, bytes]]] = {}
    for section in board.sections:
        rendered = [
            (f"FID against sparsity, {section.title}", f"fid-sparsity-{section.slug}.png",
             fid_sparsity_png(section)),
            (f"FID against generator FLOPs with the Pareto front, {section.title}",
             f"fid-flops-{section.slug}.png", fid_flops_png(section)),
            (f"Samples per method and sparsity, {section.title}", f"samples-{section.slug}.png",
             sample_sheet_png(section, board.pictures)),
        ]
        figures[section.slug] = [(caption, name, data) for caption, name, data in rendered if data is not None]
    return figures


def write_leaderboard(
    results: pd.DataFrame,
    directory: Path,
    suite: str,
    description: str = "",
    grids: SampleGrids | None = None,
    results_dir: str = DEFAULT_RESULTS_DIR,
) -> list[Path]:
    """Write every format and plot of ``suite``'s leaderboard into ``directory``.

    ``grids`` supplies the stored sample pictures (none are shown without it), and
    ``results_dir`` is the folder of the results table, as the leaderboard names it. Returns
    the paths written, tables first.
    """
    directory = Path(directory)
    plots_dir = directory / suite
    board = build_board(results, suite, description, grids, results_dir)
    figures = render_figures(board)

    markdown_links = {
        slug: [(caption, f"{suite}/{name}") for caption, name, _ in entries]
        for slug, entries in figures.items()
    }
    embedded = {slug: [(caption, data) for caption, _, data in entries] for slug, entries in figures.items()}
    texts = {
        directory / f"{suite}.md": render_markdown(board, markdown_links),
        directory / f"{suite}.csv": board.summary.drop(columns=_INTERNAL_COLUMNS).to_csv(**_CSV_OPTIONS),
        directory / f"{suite}-scores.csv": board.scores.to_csv(**_CSV_OPTIONS),
        directory / f"{suite}.tex": render_latex(board),
        directory / f"{suite}.html": render_html(board, embedded),
    }
    written = []
    for path, text in texts.items():
        write_atomic(path, text.encode("utf-8"))
        written.append(path)

    images = {plots_dir / name: data for entries in figures.values() for _, name, data in entries}
    for path, data in sorted(images.items()):
        write_atomic(path, data)
        written.append(path)
    if plots_dir.is_dir():
        for stale in sorted(plots_dir.glob("*.png")):
            if stale not in images:
                stale.unlink()
    return written
