"""The findings page: paired sign tests, verdicts, cited rows, and byte-identical regeneration."""

import hashlib
import math
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import binomtest

from ganbench import schema
from ganbench.cli import main
from ganbench.findings import findings_page
from ganbench.findings.comparisons import compare, seeds_needed
from ganbench.findings.data import FindingsData, unstable
from ganbench.findings.questions import build_sections
from ganbench.replicates import sign_test

REPOSITORY = Path(__file__).resolve().parents[1]
SEEDS = tuple(range(8))


def row(method, sparsity, target, seed, fid, modes=8, status="ok", error="", collapse="",
        achieved=None, pretrain=100, train=10, dataset="ring8", model="dcgan"):
    """One result row with the columns the findings read."""
    key = hashlib.sha256(f"{dataset}{model}{method}{sparsity}{target}{seed}".encode()).hexdigest()[:16]
    return {
        schema.RUN_KEY: key, schema.SUITE: "synthetic", schema.STATUS: status, schema.ERROR: error,
        schema.DATASET: dataset, schema.MODEL: model, schema.METHOD: method,
        schema.SPARSITY: sparsity, schema.TARGET: target, schema.SEED: seed,
        schema.FID: fid if status == "ok" else math.nan,
        schema.MODES_COVERED: modes if status == "ok" else math.nan, schema.MODES_TOTAL: 8,
        schema.COLLAPSE: collapse, schema.SPARSITY_ACHIEVED: sparsity if achieved is None else achieved,
        schema.PRETRAIN_STEPS: pretrain, schema.PRUNE_STEPS: 0, schema.TRAIN_STEPS: train,
        schema.FINETUNE_STEPS: train, schema.BASELINE_KEY: f"{dataset}{model}{seed}",
        schema.METRICS_VERSION: 2, schema.FEATURES: "coordinates", schema.DURATION: 1.0,
    }


def table(seeds=SEEDS, overrides=None):
    """A ring8/dcgan table: dense FID 1.0 + seed/100; magnitude G 2×, random G 4×, D-pruned 1.5×."""
    rows = []
    for seed in seeds:
        dense = 1.0 + seed / 100
        rows.append(row("dense", 0.0, "none", seed, dense))
        for method, factor in (("magnitude", 2.0), ("random", 4.0), ("small-dense", 2.0)):
            rows.append(row(method, 0.5, "generator", seed, factor * dense,
                            modes=6 if (method == "magnitude" and seed != 0) else 8))
            rows.append(row(method, 0.5, "discriminator", seed, 1.5 * dense))
    frame = pd.DataFrame(rows)
    for (method, target, seed), values in (overrides or {}).items():
        mask = ((frame[schema.METHOD] == method) & (frame[schema.TARGET] == target)
                & (frame[schema.SEED] == seed))
        for column, value in values.items():
            frame.loc[mask, column] = value
    return frame


def section_of(frame):
    data = FindingsData(frame)
    (section,) = build_sections(data)
    return section


def by_label(rows, **label):
    (found,) = [c for c in rows if all(c.label[k] == v for k, v in label.items())]
    return found


@pytest.mark.parametrize("positive, negative", [(8, 0), (7, 1), (6, 0), (3, 2), (0, 0), (9, 1), (4, 4)])
def test_sign_test_matches_scipy_binomtest(positive, negative):
    test = sign_test([1.5] * positive + [-0.5] * negative + [0.0, math.nan])
    assert (test.positive, test.negative, test.ties) == (positive, negative, 1)
    expected = binomtest(positive, positive + negative, 0.5).pvalue if positive + negative else 1.0
    assert test.p == pytest.approx(expected, rel=1e-12)


def test_seeds_needed_for_significance():
    # 2 · 0.5⁵ = 0.0625 ≥ 0.05 but 2 · 0.5⁶ = 0.03125 < 0.05.
    assert seeds_needed() == 6


@pytest.mark.parametrize("values, verdict", [
    ([(2.0, 1.0)] * 8, "higher"),
    ([(1.0, 2.0)] * 7 + [(1.0, 1.0)], "lower"),
    ([(2.0, 1.0)] * 5 + [(1.0, 2.0)] * 3, "none"),
    ([(1.0, 1.0)] * 8, "equal"),
    ([(2.0, 1.0)] * 5 + [(1.0, 1.0)] * 3, "unanswered"),
    ([(math.nan, 1.0)] * 8, "missing"),
])
def test_comparison_verdicts(values, verdict):
    pairs = [(a, b, f"a{i}", f"b{i}") for i, (a, b) in enumerate(values)]
    assert compare("X1.1", {}, pairs, ratio=False).verdict == verdict


def test_ratio_effect_is_geometric_mean():
    pairs = [(2.0, 1.0, "a", "b"), (8.0, 1.0, "c", "d")]
    comparison = compare("X1.1", {}, pairs, ratio=True)
    assert comparison.effect == pytest.approx(4.0)  # √(2 · 8)
    assert comparison.keys == ("a", "b", "c", "d")


def test_unstable_counts_divergence_and_two_rules():
    assert unstable(row("m", 0.5, "generator", 0, 1.0, collapse="mode collapse: 3 of 8 modes covered")) is True
    assert unstable(row("m", 0.5, "generator", 0, 1.0,
                        collapse="discriminator win: final discriminator loss 0.01 is within 0.05")) is True
    assert unstable(row("m", 0.5, "generator", 0, 1.0, collapse="FID collapse: FID 9 is 80% of the way")) is False
    assert unstable(row("m", 0.5, "generator", 0, 1.0, collapse=math.nan)) is False
    assert unstable(row("m", 0.5, "generator", 0, 1.0, status="failed",
                        error="training diverged at step 12: discriminator loss nan")) is True
    assert unstable(row("m", 0.5, "generator", 0, 1.0, status="failed", error="plugin 'x': boom")) is None
    assert unstable(row("m", 0.5, "generator", 0, 1.0, status="declined")) is None


def test_generator_pruning_against_dense():
    frame = table(overrides={("random", "generator", seed): {schema.COLLAPSE: "mode collapse: 2 of 8 modes covered"}
                             for seed in SEEDS})
    section = section_of(frame)
    modes = by_label(section.modes, method="magnitude", sparsity=0.5)
    # Seeds 1–7 cover 6 modes against dense's 8, seed 0 ties: p = 2 · 0.5⁷.
    assert modes.verdict == "lower"
    assert modes.test.p == pytest.approx(2 * 0.5**7)
    assert modes.effect == pytest.approx(-2 * 7 / 8)
    stability = by_label(section.stability, method="random", sparsity=0.5)
    assert stability.verdict == "higher"
    assert stability.test.p == pytest.approx(2 * 0.5**8)
    assert by_label(section.stability, method="magnitude", sparsity=0.5).verdict == "equal"


def test_discriminator_against_generator():
    section = section_of(table())
    # D-pruned FID is 1.5 × dense for every method; G-pruned is 2× (magnitude) or 4× (random).
    magnitude = by_label(section.targets, method="magnitude", sparsity=0.5)
    assert magnitude.verdict == "lower"
    assert magnitude.effect == pytest.approx(0.75)
    assert by_label(section.targets, method="random", sparsity=0.5).effect == pytest.approx(0.375)


def test_methods_against_baselines():
    section = section_of(table())
    against_random = by_label(section.baselines, method="magnitude", baseline="random", target="generator")
    assert against_random.verdict == "lower"
    assert against_random.effect == pytest.approx(0.5)
    against_small = by_label(section.baselines, method="magnitude", baseline="small-dense", target="generator")
    assert against_small.verdict == "equal"
    assert {c.label["method"] for c in section.baselines} == {"magnitude"}


def test_page_states_and_cites_rows():
    page = findings_page(table(), "results/synthetic.csv")
    section = section_of(table())
    row_id = by_label(section.baselines, method="magnitude", baseline="random", target="generator").id
    assert f"| {row_id} " in page
    assert "lower FID than random in 8 of 8 seeds (p = 0.0078)" in page
    # Pruning the discriminator gives 1.5 × dense FID for every method, so that row is equal.
    summary_row = f"| ring8 / dcgan     | magnitude | random      | 1 of 2 ({row_id})             | 0 of 2 "
    assert summary_row in page
    modes_id = by_label(section.modes, method="magnitude", sparsity=0.5).id
    assert f"covered significantly fewer modes than the dense row ({modes_id})" in page
    assert "fewer modes than dense in 7 of 8 seeds (p = 0.016)" in page
    assert by_label(section.baselines, method="magnitude", baseline="random", target="generator").keys[0] in page


def test_too_few_seeds_are_not_answered():
    page = findings_page(table(seeds=(0, 1, 2)), "results/synthetic.csv")
    assert "could not be answered because fewer than 6 seeds differ" in page
    assert "not answered: 3 of 3 seeds differ (0 higher, 3 lower); 6 needed" in page
    assert "p = " not in page


def test_page_is_independent_of_row_order():
    frame = table()
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert findings_page(frame, "r.csv") == findings_page(shuffled, "r.csv")


def test_over_budget_runs_are_named():
    frame = table(overrides={("magnitude", "generator", 3): {schema.TRAIN_STEPS: 500}})
    page = findings_page(frame, "r.csv")
    assert "1 pruned runs used more training steps than their dense row: magnitude 0.5 generator seed 3." in page


def test_findings_command_writes_and_checks(tmp_path, capsys):
    results = tmp_path / "results"
    results.mkdir()
    table().to_csv(results / "synthetic.csv", index=False)
    output = tmp_path / "findings.md"
    args = ["findings", "--suite", "synthetic", "--results-dir", str(results), "--output", str(output)]
    assert main(args) == 0
    assert output.read_text(encoding="utf-8") == findings_page(
        table(), (results / "synthetic.csv").as_posix(), "ganbench findings --suite synthetic")
    assert main(args + ["--check"]) == 0
    output.write_text(output.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert main(args + ["--check"]) == 1
    assert "regenerate it with: ganbench findings --suite synthetic" in capsys.readouterr().out
    assert main(["findings", "--suite", "absent", "--results-dir", str(results)]) == 2


def test_committed_page_regenerates_byte_identically(monkeypatch):
    monkeypatch.chdir(REPOSITORY)
    assert main(["findings", "--check"]) == 0
