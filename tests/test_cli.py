"""The command line: exit codes, messages for bad input, leaderboards and the check."""

import logging
import subprocess
import sys

import pandas as pd
import pytest

from ganbench import schema
from ganbench.cli import _configure_logging, main

from conftest import write_suite


@pytest.fixture
def suite_path(workdir):
    return write_suite(workdir)


@pytest.fixture
def recorded(workdir, suite_path):
    """A results file with one finished sweep of the tiny suite."""
    assert main(["run", "--suite", str(suite_path), "-q"]) == 0
    return workdir / "results" / "tiny.csv"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--methods", "nope"], "unknown method 'nope'; valid methods are: channel-bn, channel-l1, channel-taylor, gradient, gradual, hierarchical, layer-drop, lottery, magnitude, random, sensitivity, small-dense, snip, taylor"),
        (["--models", "stylegan"], "unknown model 'stylegan'; valid models are: cgan, dcgan, wgan-gp"),
        (["--datasets", "cifar"], "unknown dataset 'cifar'; valid datasets are: digits, fashion-mnist, grid25, mnist, mnist-5k, ring8, stacked-mnist, stacked-mnist-5k"),
        (["--sparsities", "1.0"], "sparsity 1.0 is outside [0, 1)"),
        (["--sparsities", "-0.1"], "sparsity -0.1 is outside [0, 1)"),
        (["--target", "critic"], "unknown target 'critic'; valid targets are: generator, discriminator, both"),
        (["--methods", "magnitude:bogus=1"], "has no option 'bogus'; valid options are: freeze_fraction, rounds, schedule, scope, update_every"),
        (["--methods", "magnitude:scope=row"], "must be one of global, layer, got 'row'"),
        (["--seeds", "-1"], "seed -1 must be a non-negative integer"),
    ],
)
def test_bad_input_exits_2_and_keeps_results(recorded, suite_path, capsys, arguments, message):
    before = recorded.read_bytes()
    capsys.readouterr()
    assert main(["run", "--suite", str(suite_path), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert recorded.read_bytes() == before


def test_unknown_suite_lists_builtin_suites(workdir, capsys):
    assert main(["run", "--suite", "nonexistent"]) == 2
    assert "unknown suite 'nonexistent'; built-in suites are: findings, mnist, quick, smoke" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, message",
    [
        ("name = [unclosed", "is not valid TOML"),
        ('name = "x"\nmodles = ["dcgan"]\n', "unknown key(s) modles"),
        ('name = "x"\nsparsities = 0.5\n', "sparsities in suite file"),
        ('name = "x"\n[baseline]\nstepz = 3\n', "unknown setting 'stepz'"),
        ('name = "x"\n[baseline]\nsteps = "many"\n', "must be of type int"),
        ("description = 'no name'\n", "must set name"),
        ('name = "../escape"\n', "suite name '../escape'"),
    ],
)
def test_invalid_suite_file_exits_2(workdir, capsys, content, message):
    path = workdir / "bad.toml"
    path.write_text(content)
    assert main(["run", "--suite", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert not (workdir / "results").exists()


def test_missing_suite_file_exits_2(workdir, capsys):
    assert main(["run", "--suite", str(workdir / "absent.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_results_with_missing_column_exit_2_untouched(workdir, suite_path, capsys):
    results = workdir / "results" / "tiny.csv"
    results.parent.mkdir()
    results.write_text("run_key,status,dataset\nabc,ok,ring8\n")
    before = results.read_bytes()
    assert main(["run", "--suite", str(suite_path)]) == 2
    assert "lacks required column(s)" in capsys.readouterr().err
    assert results.read_bytes() == before
    assert main(["leaderboard", "--suite", str(suite_path)]) == 2
    assert results.read_bytes() == before


def test_run_prints_leaderboard_and_writes_files(recorded, workdir, capsys):
    markdown = (workdir / "leaderboard" / "tiny.md").read_text()
    assert "## ring8 / dcgan" in markdown
    assert "| dense " in markdown
    table = pd.read_csv(workdir / "leaderboard" / "tiny.csv")
    assert set(table[schema.METHOD]) == {"dense", "random", "magnitude"}


def test_leaderboard_regenerates_byte_identical(recorded, workdir, suite_path, capsys):
    assert main(["leaderboard", "--suite", str(suite_path)]) == 0
    printed = capsys.readouterr().out
    folder = workdir / "leaderboard"
    first = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert main(["leaderboard", "--suite", str(suite_path)]) == 0
    second = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert first == second
    assert set(first) == {
        "tiny.md", "tiny.csv", "tiny-scores.csv", "tiny.tex", "tiny.html",
        "tiny/fid-sparsity-ring8-dcgan.png", "tiny/fid-flops-ring8-dcgan.png",
        "tiny/samples-ring8-dcgan.png",
    }
    assert printed == first["tiny.md"].decode()


def test_results_dir_keeps_leaderboard_apart(recorded, workdir, suite_path, capsys):
    committed = {p: p.read_bytes() for p in (workdir / "leaderboard").rglob("*") if p.is_file()}
    apart = workdir / "apart"
    apart.mkdir()
    (apart / "tiny.csv").write_bytes(recorded.read_bytes())

    assert main(["leaderboard", "--suite", str(suite_path), "--results-dir", "apart"]) == 0

    assert {p: p.read_bytes() for p in (workdir / "leaderboard").rglob("*") if p.is_file()} == committed
    markdown = (apart / "leaderboard" / "tiny.md").read_text()
    assert "Generated by `ganbench leaderboard --suite tiny --results-dir apart` from `apart/tiny.csv`" in markdown
    assert "from <code>apart/tiny.csv</code>" in (apart / "leaderboard" / "tiny.html").read_text()
    assert "--results-dir apart`" in (apart / "leaderboard" / "tiny.tex").read_text()


def test_default_results_dir_names_results(recorded, workdir):
    markdown = (workdir / "leaderboard" / "tiny.md").read_text()
    assert "Generated by `ganbench leaderboard --suite tiny` from `results/tiny.csv`" in markdown


def test_leaderboard_dir_option_wins(recorded, workdir, suite_path, capsys):
    (workdir / "apart").mkdir()
    (workdir / "apart" / "tiny.csv").write_bytes(recorded.read_bytes())
    arguments = ["--results-dir", "apart", "--leaderboard-dir", "boards"]
    assert main(["leaderboard", "--suite", str(suite_path), *arguments]) == 0
    assert (workdir / "boards" / "tiny.md").exists()
    assert not (workdir / "apart" / "leaderboard").exists()


def test_check_passes_on_own_results(recorded, suite_path, capsys):
    assert main(["check", "--suite", str(suite_path), "-q"]) == 0
    assert "match" in capsys.readouterr().out


def test_check_fails_with_table_on_regression(recorded, suite_path, capsys):
    frame = pd.read_csv(recorded, dtype={schema.RUN_KEY: str})
    magnitude = frame[schema.METHOD] == "magnitude"
    frame.loc[magnitude, schema.FID] = frame.loc[magnitude, schema.FID] / 10  # reference "better"
    frame.loc[frame[schema.METHOD] == "random", schema.G_PARAMS_NONZERO] += 1
    frame.to_csv(recorded, index=False)
    capsys.readouterr()
    assert main(["check", "--suite", str(suite_path), "-q"]) == 1
    out = capsys.readouterr().out
    assert "2 regression(s)" in out
    assert "| ring8/dcgan magnitude s=0.5 generator seed 0 | fid" in out
    assert "g_params_nonzero" in out
    assert "exact match" in out


def test_check_without_reference_exits_2(workdir, suite_path, capsys):
    assert main(["check", "--suite", str(suite_path)]) == 2
    assert "do not exist" in capsys.readouterr().err


def test_verbose_hides_library_debug(capsys):
    _configure_logging(verbose=True, quiet=False)
    logging.getLogger("matplotlib.font_manager").debug("findfont: scoring fonts")
    logging.getLogger("PIL.PngImagePlugin").debug("STREAM b'IHDR'")
    logging.getLogger("matplotlib").warning("a library warning")
    logging.getLogger("ganbench.runner").debug("a ganbench debug record")
    err = capsys.readouterr().err
    assert "findfont" not in err
    assert "IHDR" not in err
    assert "a library warning" in err
    assert "a ganbench debug record" in err


def test_console_script_runs(workdir):
    result = subprocess.run([sys.executable, "-m", "ganbench", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("ganbench ")
