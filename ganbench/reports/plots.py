"""Leaderboard plots rendered with matplotlib into PNG bytes, byte-identical on regeneration.

Each function draws one (dataset, model) section. Figures are made on the Agg canvas without
pyplot, under matplotlib's built-in default style, so a user's matplotlibrc is ignored. They
are saved as 256-colour PNG files without metadata. The same rows then give the same bytes
with the same matplotlib, FreeType and Pillow versions.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ganbench import schema
from ganbench.reports.board import Section
from ganbench.reports.scores import WITHIN_DENSE

DPI = 80
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "legend.fontsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.hashsalt": "ganbench",
}
COLORS = matplotlib.colormaps["tab10"].colors
MARKERS = "osD^vP*Xh<>p"

# Sample pictures are drawn at this multiple of their size in the sample sheet, with
# SHEET_GAP pixels between them and SHEET_MARGIN pixels above and left of the grid for labels.
SHEET_SCALE = 2
SHEET_GAP = 3
SHEET_MARGIN = 20
# The grey of a sheet cell whose run has no stored picture.
MISSING_GREY = 242

# A log FID axis is used when the section's FIDs span more than this factor.
LOG_SPAN = 20.0


def fid_sparsity_png(section: Section) -> bytes | None:
    """Return the FID-against-sparsity plot: one line per method from the dense point.

    A band of ± one standard deviation across seeds is drawn where a point has n > 1.
    Returns None when the section has no FID.
    """
    summary = section.summary.dropna(subset=["fid_mean"])
    if summary.empty:
        return None
    dense = summary[summary[schema.METHOD] == schema.DENSE_METHOD]
    with _style():
        figure, axes = _figure(5.0, 3.4)
        if not dense.empty:
            dense_fid = float(dense["fid_mean"].iloc[0])
            axes.axhline(dense_fid, color="0.3", linestyle="--", linewidth=1, label="dense")
            axes.axhline(dense_fid * (1 + WITHIN_DENSE), color="0.5", linestyle=":", linewidth=1,
                         label=f"dense + {WITHIN_DENSE:.0%}")
        for index, (label, entry) in enumerate(_entries(summary)):
            curve = pd.concat([dense, entry]).sort_values(schema.SPARSITY)
            x = curve[schema.SPARSITY].to_numpy(dtype=float)
            y = curve["fid_mean"].to_numpy(dtype=float)
            color = COLORS[index % len(COLORS)]
            axes.plot(x, y, marker=MARKERS[index % len(MARKERS)], color=color, label=label,
                      linewidth=1.5, markersize=4)
            spread = curve["fid_std"].to_numpy(dtype=float)
            several = curve["n"].to_numpy(dtype=float) > 1
            if several.any():
                spread = np.where(several, np.nan_to_num(spread), 0.0)
                axes.fill_between(x, y - spread, y + spread, color=color, alpha=0.15, linewidth=0)
        return _finish(figure, axes, summary, "target sparsity",
                       f"{section.title}: FID against sparsity", "upper left")


def fid_flops_png(section: Section) -> bytes | None:
    """Return FID against the generator's effective FLOPs, with the Pareto front marked.

    A row is on the Pareto front when no other row has both fewer or equal FLOPs and a
    lower FID. Returns None when no row has both values.
    """
    summary = section.summary.dropna(subset=["fid_mean", schema.G_FLOPS_EFFECTIVE])
    if summary.empty:
        return None
    with _style():
        figure, axes = _figure(5.0, 3.4)
        dense = summary[summary[schema.METHOD] == schema.DENSE_METHOD]
        if not dense.empty:
            axes.plot(dense[schema.G_FLOPS_EFFECTIVE], dense["fid_mean"], linestyle="none",
                      marker="*", markersize=11, color="black", label="dense")
        for index, (label, entry) in enumerate(_entries(summary)):
            axes.plot(entry[schema.G_FLOPS_EFFECTIVE], entry["fid_mean"], linestyle="none",
                      marker=MARKERS[index % len(MARKERS)], markersize=5,
                      color=COLORS[index % len(COLORS)], label=label)
        front = pareto_front(summary[schema.G_FLOPS_EFFECTIVE].to_numpy(dtype=float),
                             summary["fid_mean"].to_numpy(dtype=float))
        points = summary.iloc[front].sort_values(schema.G_FLOPS_EFFECTIVE)
        axes.step(points[schema.G_FLOPS_EFFECTIVE], points["fid_mean"], where="post",
                  color="0.2", linewidth=1, label="Pareto front")
        axes.plot(points[schema.G_FLOPS_EFFECTIVE], points["fid_mean"], linestyle="none",
                  marker="o", markersize=10, markerfacecolor="none", markeredgecolor="0.2")
        axes.set_xscale("log")
        return _finish(figure, axes, summary, "generator FLOPs per sample (effective)",
                       f"{section.title}: FID against compute", "upper right")


def pareto_front(flops: np.ndarray, fid: np.ndarray) -> list[int]:
    """Return the indices of the points that no other point dominates.

    A point is dominated when another has FLOPs ≤ and FID < its own, or FLOPs < and
    FID ≤. Ties in both keep every tied point.
    """
    front = []
    for index, (cost, quality) in enumerate(zip(flops, fid)):
        dominated = np.any(
            ((flops <= cost) & (fid < quality)) | ((flops < cost) & (fid <= quality))
        )
        if not dominated:
            front.append(index)
    return front


def sample_sheet_png(section: Section, pictures: dict[str, bytes]) -> bytes | None:
    """Return one sheet of the section's sample pictures: a row per method, a column per sparsity.

    The first column repeats the dense model's picture in every row; a run without a picture
    gets a light grey cell. Returns None when no picture of the section is stored.
    """
    summary = section.summary
    if not any(key in pictures for key in summary["picture_key"].dropna()):
        return None
    dense = summary[summary[schema.METHOD] == schema.DENSE_METHOD]
    dense_key = dense["picture_key"].iloc[0] if not dense.empty else None
    entries = list(_entries(summary)) or [("dense", dense)]
    grid = sorted(summary.loc[summary[schema.METHOD] != schema.DENSE_METHOD, schema.SPARSITY].unique())
    columns = ["dense"] + [f"{sparsity:.2f}" for sparsity in grid]
    decoded = {key: _decode(data) for key, data in pictures.items() if key in set(summary["picture_key"])}
    rows = [[dense_key] + [_key_at(entry, sparsity) for sparsity in grid] for _, entry in entries]
    mosaic = _mosaic(rows, decoded)

    # The mosaic is placed pixel for pixel (figimage does not resample), so every picture
    # pixel is SHEET_SCALE × SHEET_SCALE screen pixels. One axes per picture, or resampling
    # the mosaic in an axes, took most of the leaderboard's rendering time.
    width, height = SHEET_MARGIN + mosaic.shape[1], SHEET_MARGIN + mosaic.shape[0]
    cell_width, cell_height = _cell_size(decoded)
    with _style():
        figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
        FigureCanvasAgg(figure)
        figure.figimage(mosaic, xo=SHEET_MARGIN, yo=0, origin="upper")
        for column, title in enumerate(columns):
            x = SHEET_MARGIN + column * (cell_width + SHEET_GAP) + cell_width / 2
            figure.text(x / width, 1 - (SHEET_MARGIN - 3) / height, title, fontsize=8,
                        ha="center", va="bottom")
        for row, (label, _) in enumerate(entries):
            y = row * (cell_height + SHEET_GAP) + cell_height / 2
            figure.text((SHEET_MARGIN - 3) / width, 1 - (SHEET_MARGIN + y) / height, label,
                        fontsize=8, rotation=90, ha="right", va="center")
        return _png(figure)


def _cell_size(decoded: dict[str, np.ndarray]) -> tuple[int, int]:
    """Return (width, height) in screen pixels of one scaled picture."""
    height, width = next(iter(decoded.values())).shape[:2]
    return SHEET_SCALE * width, SHEET_SCALE * height


def _mosaic(rows: list[list], decoded: dict[str, np.ndarray]) -> np.ndarray:
    """Return the uint8 RGB grid of scaled pictures, ``SHEET_GAP`` white pixels after each cell."""
    cell_width, cell_height = _cell_size(decoded)
    mosaic = np.full(
        (len(rows) * (cell_height + SHEET_GAP), len(rows[0]) * (cell_width + SHEET_GAP), 3),
        255, dtype=np.uint8,
    )
    for row, keys in enumerate(rows):
        for column, key in enumerate(keys):
            top, left = row * (cell_height + SHEET_GAP), column * (cell_width + SHEET_GAP)
            cell = mosaic[top : top + cell_height, left : left + cell_width]
            cell[:] = MISSING_GREY
            if key in decoded:
                # Pictures of one section share a size; a larger one is cropped to the cell.
                scaled = decoded[key].repeat(SHEET_SCALE, axis=0).repeat(SHEET_SCALE, axis=1)
                cropped = scaled[:cell_height, :cell_width]
                cell[: cropped.shape[0], : cropped.shape[1]] = cropped
    return mosaic


def _entries(summary: pd.DataFrame):
    """Yield (label, rows) per pruned (method, target), sorted; labels add the target when mixed."""
    pruned = summary[summary[schema.METHOD] != schema.DENSE_METHOD]
    mixed = pruned[schema.TARGET].nunique() > 1
    for (method, target), entry in pruned.groupby([schema.METHOD, schema.TARGET], sort=True):
        yield (f"{method} ({target})" if mixed else method), entry


def _key_at(entry: pd.DataFrame, sparsity: float):
    rows = entry[entry[schema.SPARSITY] == sparsity]
    return rows["picture_key"].iloc[0] if len(rows) else None


def _decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def _finish(figure: Figure, axes, summary: pd.DataFrame, xlabel: str, title: str, legend: str) -> bytes:
    """Label an FID plot, choose its FID scale and return it as PNG bytes."""
    values = summary["fid_mean"].to_numpy(dtype=float)
    if np.all(values > 0) and values.max() / values.min() > LOG_SPAN:
        axes.set_yscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("FID (lower is better)")
    axes.set_title(title)
    axes.legend(loc=legend, frameon=False)
    return _png(figure)


class _style:
    """Context: matplotlib's built-in defaults plus ``STYLE``, restored on exit."""

    def __enter__(self):
        self._context = matplotlib.rc_context()
        self._context.__enter__()
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(STYLE)

    def __exit__(self, *exc_info):
        return self._context.__exit__(*exc_info)


def _figure(width: float, height: float):
    # Fixed margins: a layout engine would triple the rendering time.
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.14, right=0.97, top=0.91, bottom=0.14)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    """Return the figure as a 256-colour PNG.

    Quantising to a palette (fast octree, no dithering) makes the files about four times
    smaller. Plots use far fewer colours, so they lose nothing visible. The PNG uses zlib's
    default level: Pillow's ``optimize`` made a sample sheet 2.5 % smaller but took 7 times as
    long to encode.
    """
    # The canvas's pixels are quantised directly; a PNG from savefig would be encoded and
    # decoded once more for the same pixels.
    canvas = figure.canvas
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    image = Image.fromarray(rgba, mode="RGBA").convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    output = io.BytesIO()
    palette.save(output, format="PNG")
    return output.getvalue()
