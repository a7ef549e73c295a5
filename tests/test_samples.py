"""Sample pictures: their layout, byte-stable encoding, storage per run, and no effect on metrics."""

import io

import numpy as np
import torch
from PIL import Image

from ganbench import defaults, schema
from ganbench.baselines import BaselineCache
from ganbench.execute import execute_run
from ganbench.registry import load_registry
from ganbench.samples import (
    GRID_COLUMNS,
    HISTOGRAM_BINS,
    SampleGrids,
    density_picture,
    encode_png,
    sample_grid,
)
from ganbench.suite import expand, load_suite

from conftest import write_suite

INK_RGB = (26, 51, 140)  # 255 × (0.10, 0.20, 0.55): the colour of the densest bin


def test_density_picture_puts_ink_where_samples_are(registry):
    dataset = registry.dataset("ring8").load()
    centre = dataset.mode_centers[0].double().numpy()
    points = np.repeat(centre[None, :], 500, axis=0)
    picture = density_picture(points, dataset)
    assert picture.shape == (3, HISTOGRAM_BINS, HISTOGRAM_BINS)

    pixels = (picture * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    inked = np.argwhere((pixels == INK_RGB).all(axis=2))
    assert len(inked) == 1
    row, column = inked[0]
    train = dataset.train.double().numpy()
    low, high = train.min(axis=0), train.max(axis=0)
    half = (high - low).max() / 2 * 1.1
    middle = (low + high) / 2
    expected_column = int((centre[0] - (middle[0] - half)) / (2 * half) * HISTOGRAM_BINS)
    expected_row = HISTOGRAM_BINS - 1 - int((centre[1] - (middle[1] - half)) / (2 * half) * HISTOGRAM_BINS)
    assert (row, column) == (expected_row, expected_column)
    # Mode marks sit at the corners of a 5 × 5 square around each centre.
    assert tuple(pixels[row - 2, column - 2]) == (217, 26, 26)


def test_conditional_grid_has_one_row_per_class(registry):
    spec, family = registry.dataset("digits"), registry.model("cgan")
    gan = family.build(spec, defaults.architecture("image"))
    picture = sample_grid(gan, spec.load(), seed=0)
    # 10 classes × 8 columns of 8 × 8 images with 1-pixel padding.
    assert picture.shape == (3, 10 * 9 + 1, GRID_COLUMNS * 9 + 1)
    assert float(picture.min()) >= 0
    assert float(picture.max()) <= 1


def test_unconditional_grid_is_eight_by_eight(registry):
    spec, family = registry.dataset("digits"), registry.model("dcgan")
    gan = family.build(spec, defaults.architecture("image"))
    assert sample_grid(gan, spec.load(), seed=0).shape == (3, 73, 73)


def test_png_encoding_is_stable_and_lossless():
    picture = torch.rand(3, 10, 12, generator=torch.Generator().manual_seed(1))
    first, second = encode_png(picture), encode_png(picture.clone())
    assert first == second
    decoded = np.asarray(Image.open(io.BytesIO(first)))
    assert decoded.shape == (10, 12, 3)
    assert (decoded == (picture * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()).all()


def test_grids_change_no_metric(tmp_path):
    suite = load_suite(str(write_suite(tmp_path, sparsities=[0.5])))
    registry = load_registry()
    cache = BaselineCache(tmp_path / "cache")
    grids = SampleGrids(tmp_path / "samples")
    for run in expand(suite, registry):
        with_grid = execute_run(run, registry, cache, grids)
        without = execute_run(run, registry, cache)
        assert with_grid[schema.STATUS] == schema.STATUS_OK
        assert with_grid[schema.FID] == without[schema.FID]
        assert with_grid[schema.MODE_KL] == without[schema.MODE_KL]
        stored = grids.read(run.key())
        assert stored is not None and stored.startswith(b"\x89PNG")


def test_runner_stores_one_picture_per_successful_run(workdir):
    from ganbench.cli import main

    assert main(["run", "--suite", str(write_suite(workdir)), "-q"]) == 0
    keys = (workdir / "results" / "tiny.csv").read_text().splitlines()[1:]
    pictures = sorted(path.stem for path in (workdir / "results" / "samples").glob("*.png"))
    assert pictures == sorted(line.split(",")[0] for line in keys)


def test_picture_failure_keeps_result(tmp_path, caplog):
    suite = load_suite(str(write_suite(tmp_path, methods=[], sparsities=[0.0])))
    registry = load_registry()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the picture folder should be")
    (run,) = expand(suite, registry)
    row = execute_run(run, registry, BaselineCache(tmp_path / "cache"), SampleGrids(blocker))
    assert row[schema.STATUS] == schema.STATUS_OK
    assert "could not store the sample picture of ring8/dcgan dense seed 0" in caplog.text


def test_grey_picture_stored_as_one_channel():
    picture = torch.rand(1, 5, 7, generator=torch.Generator().manual_seed(2)).expand(3, 5, 7)
    image = Image.open(io.BytesIO(encode_png(picture)))
    assert image.mode == "L"
    expected = (picture[0] * 255).round().to(torch.uint8).numpy()
    assert (np.asarray(image) == expected).all()
