"""The regression check: tolerances per metric and dataset, JSON output, --fresh and --update."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ganbench import schema
from ganbench.check import TOLERANCES, Tolerance, compare, parse_tolerance, render_regressions
from ganbench.cli import main
from ganbench.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "results" / "smoke.csv"


def read(path):
    return pd.read_csv(path, dtype={schema.RUN_KEY: str})


@pytest.mark.parametrize(
    "text, column, expected",
    [
        ("fid=50%", schema.FID, Tolerance("lower", relative=0.5)),
        ("mode_kl=0.02", schema.MODE_KL, Tolerance("lower", absolute=0.02)),
        ("fid=25%+0.001", schema.FID, Tolerance("lower", absolute=0.001, relative=0.25)),
        ("modes_covered=exact", schema.MODES_COVERED, Tolerance("higher")),
        ("g_params=1", schema.G_PARAMS, Tolerance("both", absolute=1.0)),
    ],
)
def test_parse_tolerance_for_every_dataset(text, column, expected):
    tolerances = parse_tolerance(text, TOLERANCES)
    assert tolerances.default[column] == expected
    for dataset in ("digits", "ring8", "grid25"):
        assert tolerances.for_dataset(dataset)[column] == expected


def test_parse_tolerance_for_one_dataset():
    tolerances = parse_tolerance("digits:fid=10%", TOLERANCES)
    assert tolerances.for_dataset("digits")[schema.FID] == Tolerance("lower", relative=0.10)
    assert tolerances.for_dataset("ring8")[schema.FID] == TOLERANCES.for_dataset("ring8")[schema.FID]
    assert TOLERANCES.for_dataset("digits")[schema.FID] == Tolerance("lower", relative=0.72)


@pytest.mark.parametrize(
    "text, message",
    [
        ("fid", "expected [DATASET:]COLUMN=SPEC"),
        ("fidd=10%", "column 'fidd' is not checked; checked columns are: "),
        ("fid=ten", "SPEC must be exact, a percentage"),
        ("fid=", "SPEC must be exact"),
        ("fid=1.2.3", "'1.2.3' is not a number"),
    ],
)
def test_parse_tolerance_rejects_bad_input(text, message):
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_tolerance(text, TOLERANCES)


def test_default_tolerances_follow_seed_spread():
    """The figures are those printed by scripts/seed_variation.py, rounded up."""
    digits, ring8 = TOLERANCES.for_dataset("digits"), TOLERANCES.for_dataset("ring8")
    assert digits[schema.FID].relative == 0.72
    assert ring8[schema.FID].relative == 2.9
    assert TOLERANCES.for_dataset("grid25")[schema.FID].relative == 2.2
    assert ring8[schema.HIGH_QUALITY_SHARE].absolute == 0.088
    assert digits[schema.MODES_COVERED].absolute == 1.0


def test_compare_uses_dataset_tolerance():
    reference = read(SMOKE)
    fresh = reference.copy()
    digits = fresh[schema.DATASET] == "digits"
    ring8 = fresh[schema.DATASET] == "ring8"
    fresh.loc[digits, schema.FID] *= 1.5   # within 72 %
    fresh.loc[ring8, schema.FID] *= 3.5    # within 290 %
    assert compare(fresh, reference) == []
    fresh.loc[digits, schema.FID] *= 1.2   # 1.8 × reference: beyond 72 %
    regressions = compare(fresh, reference)
    assert {r.column for r in regressions} == {schema.FID}
    assert len(regressions) == 3
    table = render_regressions(regressions)
    (line,) = [line for line in table.splitlines() if "digits/dcgan dense seed 0" in line]
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    dense = reference[(reference[schema.METHOD] == "dense") & digits][schema.FID].item()
    # Fresh is 1.5 × 1.2 = 1.8 × the reference; the digits tolerance allows 1.72 ×.
    assert cells == [
        "digits/dcgan dense seed 0", "fid", f"{dense:.6g}", f"{dense * 1.8:.6g}", "+80.0%",
        f"at most {dense * 1.72:.6g}",
    ]


def test_check_committed_smoke_and_edited_copy(workdir, capsys):
    reference = workdir / "reference.csv"
    shutil.copy(SMOKE, reference)
    assert main(["check", "--suite", "smoke", "--fresh", str(SMOKE), "--against", str(reference)]) == 0
    assert "6 runs of suite 'smoke' match" in capsys.readouterr().out

    edited = read(SMOKE)
    magnitude = edited[schema.METHOD] == "magnitude"
    digits_magnitude = magnitude & (edited[schema.DATASET] == "digits")
    better = float(edited.loc[digits_magnitude, schema.FID].item()) / 3  # committed "better"
    edited.loc[digits_magnitude, schema.FID] = better
    edited.loc[magnitude, schema.G_FLOPS_EFFECTIVE] -= 2
    edited.to_csv(reference, index=False)
    assert main(["check", "--suite", "smoke", "--fresh", str(SMOKE), "--against", str(reference)]) == 1
    out = capsys.readouterr().out
    assert "3 regression(s) against" in out
    assert "| digits/dcgan magnitude s=0.5 generator seed 0 | fid" in out
    limit = better + TOLERANCES.for_dataset("digits")[schema.FID].allowed(better)
    assert f"at most {limit:.6g}" in out
    assert out.count("g_flops_effective") == 2
    assert out.count("exact match") == 2


def test_check_json_lists_regressions(workdir, capsys):
    reference = workdir / "reference.csv"
    edited = read(SMOKE)
    edited.loc[edited[schema.METHOD] == "random", schema.MODES_COVERED] += 2
    edited.to_csv(reference, index=False)
    code = main(["check", "--suite", "smoke", "--fresh", str(SMOKE), "--against", str(reference),
                 "--json", "--tolerance", "ring8:modes_covered=3"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["passed"] is False
    assert report["suite"] == "smoke"
    assert report["fresh_runs"] == report["reference_runs"] == 6
    # ring8 allows 3 lost modes after the override; digits keeps the default of 1.
    assert [(r["run"], r["column"], r["reference"], r["fresh"]) for r in report["regressions"]] == [
        ("digits/dcgan random s=0.5 generator seed 0", "modes_covered", 12, 10)
    ]
    random_digits = edited[(edited[schema.METHOD] == "random") & (edited[schema.DATASET] == "digits")]
    assert report["regressions"][0]["run_key"] == random_digits[schema.RUN_KEY].item()
    assert report["tolerances"]["datasets"]["ring8"]["modes_covered"] == {
        "direction": "higher", "absolute": 3.0, "relative": 0.0}


def test_check_update_rewrites_reference(workdir, capsys):
    reference = workdir / "results" / "smoke.csv"
    reference.parent.mkdir()
    edited = read(SMOKE)
    edited[schema.FID] = edited[schema.FID] / 10
    edited.to_csv(reference, index=False)
    fresh_samples = workdir / "fresh" / "samples"
    fresh_samples.mkdir(parents=True)
    fresh = workdir / "fresh" / "smoke.csv"
    shutil.copy(SMOKE, fresh)
    (fresh_samples / "48335f4f37917280.png").write_bytes(b"\x89PNG picture")

    assert main(["check", "--suite", "smoke", "--fresh", str(fresh), "--update"]) == 0
    assert "6 difference(s) beyond tolerance accepted" in capsys.readouterr().out
    assert reference.read_bytes() == SMOKE.read_bytes()
    assert (workdir / "results" / "samples" / "48335f4f37917280.png").read_bytes() == b"\x89PNG picture"
    assert main(["check", "--suite", "smoke", "--fresh", str(fresh)]) == 0


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--tolerance", "fid=lots"], "SPEC must be exact"),
        (["--fresh", "absent.csv"], "fresh results absent.csv do not exist"),
        (["--against", "absent.csv"], "reference results absent.csv do not exist"),
    ],
)
def test_check_bad_input_exits_2(workdir, capsys, arguments, message):
    shutil.copytree(ROOT / "results", workdir / "results")
    fresh = [] if "--fresh" in arguments else ["--fresh", str(SMOKE)]
    before = (workdir / "results" / "smoke.csv").read_bytes()
    assert main(["check", "--suite", "smoke", *fresh, *arguments]) == 2
    assert message in capsys.readouterr().err
    assert (workdir / "results" / "smoke.csv").read_bytes() == before


def test_missing_reference_hint_names_path(workdir, capsys):
    assert main(["check", "--suite", "smoke", "--fresh", str(SMOKE), "--against", "mine.csv"]) == 2
    error = capsys.readouterr().err
    assert "ganbench check --suite smoke --against mine.csv --update" in error
    assert "ganbench run" not in error

    assert main(["check", "--suite", "smoke", "--fresh", str(SMOKE), "--results-dir", "elsewhere"]) == 2
    error = capsys.readouterr().err
    assert "ganbench run --suite smoke --results-dir elsewhere and commit them" in error


def test_check_update_creates_missing_reference(workdir, capsys):
    assert main(["check", "--suite", "smoke", "--fresh", str(SMOKE)]) == 2
    assert "create them with ganbench run --suite smoke and commit them" in capsys.readouterr().err
    assert main(["check", "--suite", "smoke", "--fresh", str(SMOKE), "--update"]) == 0
    assert (workdir / "results" / "smoke.csv").read_bytes() == SMOKE.read_bytes()
