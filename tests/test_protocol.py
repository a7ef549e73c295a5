"""The metric protocol column, the leaderboard's refusal to mix protocols, the self-test."""

import json

import pandas as pd
import pytest

from ganbench import METRICS_VERSION, schema
from ganbench.cli import main
from ganbench.errors import SelfTestFailed
from ganbench.leaderboard import summarize
from ganbench.metrics import selftest
from ganbench.metrics.features import asset_path
from ganbench.reports import build_board
from ganbench.reports.markdown import render_markdown

from conftest import write_suite


def result_rows(protocols):
    rows = []
    for index, (method, protocol) in enumerate(protocols):
        rows.append({
            schema.RUN_KEY: f"key{index}", schema.SUITE: "s", schema.STATUS: schema.STATUS_OK,
            schema.ERROR: "", schema.DATASET: "ring8", schema.MODEL: "dcgan", schema.METHOD: method,
            schema.SPARSITY: 0.5, schema.TARGET: "generator", schema.SEED: 0,
            schema.SPARSITY_ACHIEVED: 0.5, schema.FINETUNE_STEPS: 10, schema.BASELINE_KEY: "b",
            schema.METRICS_VERSION: METRICS_VERSION, schema.FEATURES: "coordinates",
            schema.DURATION: 1.0, schema.METRIC_PROTOCOL: protocol, schema.FID: 1.0 + index,
        })
    return pd.DataFrame(rows)


def test_row_records_protocol(workdir):
    suite = write_suite(workdir, sparsities=[0.0])
    assert main(["run", "--suite", str(suite), "-q"]) == 0
    frame = pd.read_csv(workdir / "results" / "tiny.csv")
    protocol = frame[schema.METRIC_PROTOCOL].iloc[0]
    assert protocol.startswith(f"metrics-v{METRICS_VERSION};features=coordinates;")
    assert "generated=400" in protocol
    assert "reference=train:20000" in protocol
    assert "dtype=float64" in protocol
    assert "torch=" in protocol
    assert "scipy=" in protocol
    assert frame[schema.DEVICE].iloc[0] == "cpu"
    for column in (schema.KID, schema.PRECISION, schema.RECALL, schema.DENSITY, schema.COVERAGE):
        assert column in frame.columns


def test_leaderboard_ranks_single_protocol():
    summary = summarize(result_rows([("random", "p1"), ("magnitude", "p1")]))
    assert summary["rank"].tolist() == [1, 2]


def test_leaderboard_refuses_mixed_protocols():
    frame = result_rows([("random", "p1"), ("magnitude", "p2")])
    summary = summarize(frame)
    assert summary["rank"].isna().all()
    markdown = render_markdown(build_board(frame, "s"))
    assert "Not ranked: these rows were computed under 2 different metric protocols" in markdown
    assert "`p1`" in markdown
    assert "`p2`" in markdown


def test_missing_protocol_counts_as_different():
    frame = result_rows([("random", "p1"), ("magnitude", "p1")])
    frame.loc[1, schema.METRIC_PROTOCOL] = None
    assert summarize(frame)["rank"].isna().all()


def test_self_test_passes_on_committed_values():
    from ganbench.metrics.mnist_classifier import load_mnist_classifier

    extractor = load_mnist_classifier()
    selftest.run_self_test({extractor.fingerprint(): (extractor, (1, 28, 28))})


def test_self_test_counts_only_checked(caplog):
    from ganbench.metrics.mnist_classifier import load_mnist_classifier

    extractor = load_mnist_classifier()
    extractors = {extractor.fingerprint(): (extractor, (1, 28, 28)), "uncommitted": (extractor, (1, 28, 28))}
    with caplog.at_level("INFO", logger="ganbench"):
        selftest.run_self_test(extractors)
    assert "1 feature network(s) checked; without committed values, not checked: uncommitted" in caplog.text


def test_self_test_values_are_deterministic():
    assert selftest.metric_values() == selftest.metric_values()


@pytest.fixture
def shifted_reference(tmp_path):
    """A reference file whose FID differs from the true value by one part in a million."""
    record = json.loads(asset_path(selftest.REFERENCE_FILE).read_text())
    record["metrics"]["fid"] *= 1 + 1e-6
    path = tmp_path / "selftest.json"
    path.write_text(json.dumps(record))
    return path


def test_self_test_detects_tiny_shift(shifted_reference):
    with pytest.raises(SelfTestFailed, match="metric fid is"):
        selftest.run_self_test({}, shifted_reference)


def test_failed_self_test_stops_sweep(workdir, shifted_reference, monkeypatch, capsys):
    original = selftest.load_reference
    monkeypatch.setattr(selftest, "load_reference", lambda path=None: original(shifted_reference))
    suite = write_suite(workdir, sparsities=[0.0])
    assert main(["run", "--suite", str(suite), "-q"]) == 3
    assert "metric self-test failed" in capsys.readouterr().err
    assert not (workdir / "results" / "tiny.csv").exists()
