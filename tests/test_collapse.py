"""Collapse rules: thresholds, hand-worked FID progress, abstention on missing values."""

import math

import numpy as np
import pytest

from ganbench import schema
from ganbench.collapse import collapse_evidence, point_mass_fid, run_evidence
from ganbench.metrics.evaluate import feature_extractor
from ganbench.metrics.fid import features_to_statistics, statistics_to_fid
from ganbench.models.dcgan import DCGAN
from ganbench.models.wgan_gp import WGANGP
from ganbench.training import TrainingLog


def row(**values):
    base = {schema.MODES_COVERED: 8, schema.MODES_TOTAL: 8, schema.FID: 0.02,
            schema.FID_POINT_MASS: 1.0, schema.D_LOSS_FINAL: 1.3}
    base.update(values)
    return base


DENSE = {schema.FID: 0.01}


def test_healthy_run_has_no_evidence():
    assert collapse_evidence(row(), DENSE, DCGAN()) == ""


@pytest.mark.parametrize("covered, collapsed", [(4, False), (3, True), (0, True)])
def test_mode_rule_threshold_is_half(covered, collapsed):
    evidence = collapse_evidence(row(**{schema.MODES_COVERED: covered}), DENSE, DCGAN())
    assert evidence.startswith("mode collapse") is collapsed
    if collapsed:
        assert f"{covered} of 8 modes covered" in evidence


def test_fid_rule_measures_way_to_point_mass():
    # (0.51 - 0.01) / (1.0 - 0.01) = 0.505 > 0.5; (0.50 - 0.01) / 0.99 = 0.495 is not.
    evidence = collapse_evidence(row(**{schema.FID: 0.51}), DENSE, DCGAN())
    assert evidence == (
        "FID collapse: FID 0.51 is 51% of the way from the dense row's 0.01 "
        "to a single-point generator's 1"
    )
    assert collapse_evidence(row(**{schema.FID: 0.50}), DENSE, DCGAN()) == ""


def test_fid_rule_needs_dense_row():
    assert collapse_evidence(row(**{schema.FID: 5.0}), None, DCGAN()) == ""


def test_discriminator_rule_only_with_loss_floor():
    pinned = row(**{schema.D_LOSS_FINAL: 0.04})
    assert "discriminator win: final discriminator loss 0.04" in collapse_evidence(pinned, DENSE, DCGAN())
    assert collapse_evidence(pinned, DENSE, WGANGP()) == ""
    assert collapse_evidence(row(**{schema.D_LOSS_FINAL: 0.06}), DENSE, DCGAN()) == ""


def test_missing_values_abstain():
    empty = {schema.MODES_COVERED: math.nan, schema.MODES_TOTAL: "", schema.FID: None,
             schema.D_LOSS_FINAL: math.nan}
    assert collapse_evidence(empty, DENSE, DCGAN()) == ""


def test_rules_combine():
    evidence = collapse_evidence(
        row(**{schema.MODES_COVERED: 1, schema.FID: 0.9, schema.D_LOSS_FINAL: 0.001}), DENSE, DCGAN()
    )
    assert evidence.count("; ") == 2


@pytest.mark.parametrize("name", ["ring8", "digits"])
def test_point_mass_fid_is_fid_of_constant_generator(registry, name):
    spec = registry.dataset(name)
    dataset = spec.load()
    features = feature_extractor(spec).features(dataset.train)
    mean, covariance = features_to_statistics(features)
    constant = statistics_to_fid(mean, covariance, mean, np.zeros_like(covariance))
    assert point_mass_fid(spec, dataset) == pytest.approx(constant, rel=1e-9)
    assert point_mass_fid(spec, dataset) == pytest.approx(np.trace(np.cov(features.T)), rel=1e-9)


def test_run_evidence_takes_last_interval(registry):
    spec = registry.dataset("ring8")
    log = TrainingLog(steps=[100, 200], discriminator_loss=[1.2, 0.7], generator_loss=[0.8, 0.9])
    evidence = run_evidence(spec, spec.load(), log)
    assert evidence[schema.D_LOSS_FINAL] == 0.7
    assert math.isnan(run_evidence(spec, spec.load(), TrainingLog())[schema.D_LOSS_FINAL])
