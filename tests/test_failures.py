"""Failure isolation through the CLI: a diverging baseline and a raising plugin, then a retry."""

import textwrap

import pandas as pd
import pytest

from ganbench import schema
from ganbench.cli import main

from conftest import write_suite

FLAKY_METHOD = textwrap.dedent(
    '''
    import os
    from ganbench import hookimpl
    from ganbench.pruning import PruningMethod

    class Flaky(PruningMethod):
        name = "flaky"
        def score(self, context):
            if os.environ.get("FLAKY_RAISES"):
                raise RuntimeError("flaky scoring exploded")
            return {name: weight.detach().abs() for name, weight in context.weights.items()}

    @hookimpl
    def ganbench_register_methods(register):
        register(Flaky)
    '''
)


@pytest.fixture
def broken_suite(workdir):
    """ring8 with a healthy dcgan and a wgan-gp whose baseline diverges; a flaky method."""
    plugin = workdir / "flaky.py"
    plugin.write_text(FLAKY_METHOD)
    suite = write_suite(workdir, models=["dcgan", "wgan-gp"], methods=["magnitude", "flaky"],
                        sparsities=[0.5])
    text = suite.read_text() + '\n[baseline."ring8/wgan-gp"]\nlr_discriminator = 1e30\nlr_generator = 1e30\n'
    suite.write_text(text.replace('name = "tiny"', f'name = "tiny"\nplugins = ["{plugin}"]'))
    return suite


def read_results(workdir):
    return pd.read_csv(workdir / "results" / "tiny.csv", dtype={schema.RUN_KEY: str})


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sweep_survives_divergence_and_raising_plugin(broken_suite, workdir, capsys, monkeypatch, workers):
    monkeypatch.setenv("FLAKY_RAISES", "1")
    assert main(["run", "--suite", str(broken_suite), "--workers", workers]) == 1
    err = capsys.readouterr().err

    frame = read_results(workdir)
    assert len(frame) == 6
    status = {(row[schema.MODEL], row[schema.METHOD]): row[schema.STATUS] for _, row in frame.iterrows()}
    assert status == {
        ("dcgan", "dense"): "ok", ("dcgan", "magnitude"): "ok", ("dcgan", "flaky"): "failed",
        ("wgan-gp", "dense"): "failed", ("wgan-gp", "magnitude"): "failed", ("wgan-gp", "flaky"): "failed",
    }
    diverged = frame[frame[schema.MODEL] == "wgan-gp"][schema.ERROR]
    assert diverged.str.startswith("training diverged at step").all()
    assert diverged.nunique() == 1  # the same reason whichever process trained it first

    assert "4 run(s) failed in this sweep:" in err
    assert 'ring8/dcgan flaky sparsity 0.5 generator seed 0: plugin "file:' in err
    assert "flaky scoring exploded" in err
    assert "ring8/wgan-gp dense sparsity 0 none seed 0: training diverged at step" in err


def test_retry_failed_reruns_only_failed_runs(broken_suite, workdir, capsys, monkeypatch):
    monkeypatch.setenv("FLAKY_RAISES", "1")
    assert main(["run", "--suite", str(broken_suite), "-q"]) == 1
    first = read_results(workdir)

    # Without --retry-failed nothing runs, but the earlier failures still fail the command.
    capsys.readouterr()
    assert main(["run", "--suite", str(broken_suite)]) == 1
    err = capsys.readouterr().err
    assert "4 run(s) failed in an earlier sweep and were not rerun; rerun them with ganbench run --retry-failed" in err
    assert len(read_results(workdir)) == 6

    # A retry that fails again appends a second failed row.
    assert main(["run", "--suite", str(broken_suite), "--retry-failed", "-q"]) == 1
    failed_keys = set(first.loc[first[schema.STATUS] == "failed", schema.RUN_KEY])
    counts = read_results(workdir)[schema.RUN_KEY].value_counts()
    assert set(counts[counts == 2].index) == failed_keys

    monkeypatch.delenv("FLAKY_RAISES")
    assert main(["run", "--suite", str(broken_suite), "--retry-failed", "-q"]) == 1  # wgan-gp still diverges
    again = read_results(workdir)
    assert len(again) == 14
    counts = again[schema.RUN_KEY].value_counts()
    assert set(counts[counts == 3].index) == failed_keys
    flaky = again[(again[schema.METHOD] == "flaky") & (again[schema.MODEL] == "dcgan")]
    assert list(flaky[schema.STATUS]) == ["failed", "failed", "ok"]


def test_option_conflicts_exit_2(workdir, capsys):
    suite = write_suite(workdir)
    assert main(["run", "--suite", str(suite), "--workers", "0"]) == 2
    assert "--workers must be at least 1, got 0" in capsys.readouterr().err
    assert main(["run", "--suite", str(suite), "--workers", "2", "--dask-scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "--workers and --dask-scheduler exclude each other" in capsys.readouterr().err
    assert not (workdir / "results").exists()


def test_interrupt_exits_130(workdir, capsys, monkeypatch):
    suite = write_suite(workdir)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("ganbench.cli.run_suite", interrupted)
    assert main(["run", "--suite", str(suite)]) == 130
    assert "interrupted; finished runs are recorded" in capsys.readouterr().err
