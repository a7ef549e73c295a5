"""Leaderboard formats and plots rendered from a synthetic result table."""

import io
import re

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from ganbench import schema
from ganbench.reports import build_board, write_leaderboard
from ganbench.reports.html import render_html
from ganbench.reports.latex import escape_latex, render_latex
from ganbench.reports.markdown import render_markdown
from ganbench.reports.plots import _mosaic, fid_flops_png, fid_sparsity_png, sample_sheet_png
from ganbench.samples import SampleGrids

from conftest import synthetic_results

FIDS = {
    ("dense", 0.0): 10.0,
    ("magnitude", 0.5): 10.5, ("magnitude", 0.9): 14.0,
    ("random", 0.5): 12.0, ("random", 0.9): 30.0,
}


@pytest.fixture
def results():
    frame = pd.concat([
        synthetic_results(FIDS, seeds=(0, 1), dataset="ring8"),
        synthetic_results(FIDS, dataset="digits", extra_steps={"random": 40}),
    ], ignore_index=True)
    failed = frame.iloc[[0]].copy()
    failed[schema.RUN_KEY] = "failed-run"
    failed[schema.METHOD] = "broken_method"
    failed[schema.SPARSITY] = 0.5
    failed[schema.TARGET] = "generator"
    failed[schema.STATUS] = schema.STATUS_FAILED
    failed[schema.ERROR] = "scores | were NaN\nsecond line"
    failed[schema.FID] = float("nan")
    return pd.concat([frame, failed], ignore_index=True)


@pytest.fixture
def grids(tmp_path, results):
    """Stored pictures for every successful run: a 6 × 6 square whose colour encodes the FID."""
    store = SampleGrids(tmp_path / "samples")
    for row in results[results[schema.STATUS] == schema.STATUS_OK].to_dict("records"):
        shade = min(row[schema.FID] / 40, 1.0)
        store.write(row[schema.RUN_KEY], torch.full((3, 6, 6), shade))
    return store


def test_markdown_has_every_table(results):
    text = render_markdown(build_board(results, "syn", "A synthetic suite."))
    assert text.startswith("# ganbench leaderboard: syn\n\nA synthetic suite.\n")
    assert text.index("## Overall ranking") < text.index("## digits / dcgan") < text.index("## ring8 / dcgan")
    assert "| 1              | magnitude | generator | 1.00        | 2/2            | no              |" not in text
    # random trains 40 extra steps on digits, so it is over budget there.
    assert "| 2              | random    | generator | 2.00        | 2/2            | no              |" in text
    assert "| 1              | magnitude | generator | 1.00        | 2/2            | yes             |" in text
    assert "| 0.50       | random    | generator | 100                 | 40              | 10                  | 150" in text
    assert "1.36×      | over budget" in text
    assert "| 10.50 ± 0.71 (n=2, 95% CI 10–11) " in text
    assert "scores \\| were NaN second line" in text


def test_markdown_links_figures(results):
    board = build_board(results, "syn")
    text = render_markdown(board, {"ring8-dcgan": [("FID plot", "syn/fid-sparsity-ring8-dcgan.png")]})
    ring8 = text[text.index("## ring8 / dcgan"):]
    assert "![FID plot](syn/fid-sparsity-ring8-dcgan.png)" in ring8


def test_latex_is_booktabs_and_escaped(results):
    text = render_latex(build_board(results, "syn_suite"))
    assert text.count(r"\begin{table}") == text.count(r"\end{table}") == 5  # overall + 2 × 2
    assert text.count(r"\toprule") == text.count(r"\midrule") == text.count(r"\bottomrule") == 5
    assert r"\label{tab:syn-suite-digits-dcgan}" in text
    assert r"max sparsity within 10 \%" in text
    assert "G params (non-zero) & G FLOPs (effective) & G latency (ms) \\\\" in text
    assert escape_latex("a_b & 50% {x} $y$ #1 ~ ^ \\") == (
        r"a\_b \& 50\% \{x\} \$y\$ \#1 \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    for row in re.findall(r"^(.*) \\\\$", text, flags=re.MULTILINE):
        assert row.count("&") in {4, 5, 10}  # scores, overall and results tables


def test_html_is_self_contained(results, grids):
    board = build_board(results, "syn", grids=grids)
    page = render_html(board, {"ring8-dcgan": [("plot", b"\x89PNG fake")]})
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", page), "external asset referenced"
    assert "<link" not in page
    assert "@import" not in page
    assert page.count('<table class="sortable results">') == 2
    # One picture per summary row beside it: 5 rows in each of the two sections.
    assert page.count('<img src="data:image/png;base64,') == 10 + 1
    assert 'data-sort="10.5"' in page
    assert "scores | were NaN second line" in page
    assert "How to read this page" in page


def test_sample_pictures_match_their_rows(results, grids):
    board = build_board(results, "syn", grids=grids)
    summary = board.summary
    for record in summary.to_dict("records"):
        data = board.pictures[record["picture_key"]]
        first_seed = results[results[schema.RUN_KEY] == record["picture_key"]].iloc[0]
        assert first_seed[schema.SEED] == 0
        assert first_seed[schema.METHOD] == record[schema.METHOD]
        shade = Image.open(io.BytesIO(data)).convert("RGB").getpixel((0, 0))[0]
        assert shade == round(min(first_seed[schema.FID] / 40, 1.0) * 255)


def test_plots_are_byte_identical_pngs(results, grids):
    board = build_board(results, "syn", grids=grids)
    section = board.sections[0]
    # Plots are 5.0 × 3.4 inches at 80 dpi. The sheet has 2 method rows and 3 columns of
    # 6-pixel pictures drawn twice as large: 20 margin pixels + cells × (12 + 3 gap) pixels.
    renders = [
        (fid_sparsity_png, (400, 272)),
        (fid_flops_png, (400, 272)),
        (lambda s: sample_sheet_png(s, board.pictures), (65, 50)),
    ]
    for render, size in renders:
        first, second = render(section), render(section)
        assert first == second
        image = Image.open(io.BytesIO(first))
        assert image.format == "PNG"
        assert image.mode == "P"
        assert "Software" not in image.info
        assert image.size == size


def test_plots_skip_sections_without_data(results):
    board = build_board(results, "syn")
    assert sample_sheet_png(board.sections[0], board.pictures) is None


def test_write_leaderboard_writes_all_and_removes_stale(tmp_path, results, grids):
    folder = tmp_path / "board"
    stale = folder / "syn" / "fid-sparsity-old-pair.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    paths = write_leaderboard(results, folder, "syn", "", grids)
    names = sorted(str(path.relative_to(folder)) for path in paths)
    assert names == sorted([
        "syn.md", "syn.csv", "syn-scores.csv", "syn.tex", "syn.html",
        *(f"syn/{kind}-{pair}.png" for kind in ("fid-sparsity", "fid-flops", "samples")
          for pair in ("digits-dcgan", "ring8-dcgan")),
    ])
    assert not stale.exists()
    table = pd.read_csv(folder / "syn.csv")
    assert {"budget_ratio", "budget_rank", "total_steps", schema.TRAIN_FLOPS} <= set(table.columns)
    assert "picture_key" not in table.columns
    scores = pd.read_csv(folder / "syn-scores.csv")
    assert list(scores.columns) == [schema.DATASET, schema.MODEL, schema.METHOD, schema.TARGET,
                                    "dense_fid", "max_sparsity_within", "auc", "pair_rank"]
    before = {path: path.read_bytes() for path in paths}
    write_leaderboard(results, folder, "syn", "", grids)
    assert {path: path.read_bytes() for path in paths} == before


def test_sample_sheet_pixel_placement(results, grids):
    board = build_board(results, "syn", grids=grids)
    section = board.sections[0]
    summary = section.summary
    pruned = summary[summary[schema.METHOD] != schema.DENSE_METHOD]
    methods = sorted(pruned[schema.METHOD].unique())
    sparsities = [0.0] + sorted(pruned[schema.SPARSITY].unique())
    pictures = {key: np.asarray(Image.open(io.BytesIO(data)).convert("RGB")) for key, data in board.pictures.items()}

    rows = [[_picture_key(summary, method, sparsity) for sparsity in sparsities] for method in methods]
    mosaic = _mosaic(rows, pictures)
    sheet = np.asarray(Image.open(io.BytesIO(sample_sheet_png(section, board.pictures))).convert("RGB"))

    # Each cell starts 15 pixels after the previous one: a 6-pixel picture drawn twice as
    # large, then a 3-pixel white gap. On the sheet, 20 label pixels precede the grid.
    assert mosaic.shape == (len(methods) * 15, len(sparsities) * 15, 3)
    assert sheet.shape[:2] == (20 + mosaic.shape[0], 20 + mosaic.shape[1])
    for row, method in enumerate(methods):
        for column, sparsity in enumerate(sparsities):
            top, left = row * 15, column * 15
            cell = mosaic[top : top + 12, left : left + 12]
            picture = pictures.get(_picture_key(summary, method, sparsity))
            expected = np.full((12, 12, 3), 242) if picture is None else picture.repeat(2, 0).repeat(2, 1)
            assert np.array_equal(cell, expected)
            assert (mosaic[top : top + 15, left + 12 : left + 15] == 255).all()
            # The PNG's 256-colour palette may shift a shade, but a cell stays one colour.
            on_sheet = sheet[20 + top : 20 + top + 12, 20 + left : 20 + left + 12].reshape(-1, 3)
            assert len(np.unique(on_sheet, axis=0)) == 1


def _picture_key(summary, method, sparsity):
    method = schema.DENSE_METHOD if sparsity == 0.0 else method
    record = summary[(summary[schema.METHOD] == method) & (summary[schema.SPARSITY] == sparsity)]
    return record["picture_key"].iloc[0] if len(record) else None
