"""The built-in metrics: FID, KID, precision/recall/density/coverage, mode coverage,
parameter and FLOP counts."""

from __future__ import annotations

import numpy as np
import torch

from ganbench.data.base import DatasetSpec
from ganbench.metrics.base import Evaluation, Metric
from ganbench.metrics.complexity import count_flops, count_parameters
from ganbench.metrics.fid import features_to_statistics, statistics_to_fid
from ganbench.metrics.kid import DEFAULT_SUBSET_SIZE, features_to_kid
from ganbench.metrics.mode_coverage import class_coverage, mixture_coverage, uniform_mode_coverage
from ganbench.metrics.prdc import DEFAULT_K, features_to_prdc, nearest_neighbour_radii
from ganbench import schema

# KID draws its subsets from this seed, so that a run's KID depends on its samples only.
KID_SEED = 0
# 50 subsets of 1,000 sample every generated sample five times on average at 10,000 samples
# and keep KID near 0.5 s per run on one CPU thread (100 subsets take twice as long).
KID_SUBSETS = 50

# Precision/recall/density/coverage compare equally many real and generated samples: the
# first n generated samples and a fixed random subset of n reference samples, where
# n = min(reference samples, generated samples, PRDC_MAX_SAMPLES).
PRDC_MAX_SAMPLES = 10_000
PRDC_REFERENCE_SEED = 0


class FID(Metric):
    """Fréchet distance between generated features and the training split's features."""

    name = "fid"
    description = "Frechet distance of generated to training-split features (lower is better)"
    columns = {schema.FID: "Fréchet distance between Gaussian fits of the features"}

    def compute(self, evaluation: Evaluation) -> dict:
        reference = features_to_statistics(evaluation.reference_features())
        generated = features_to_statistics(evaluation.generated_features())
        return {schema.FID: statistics_to_fid(*reference, *generated)}


class KernelInceptionDistance(Metric):
    """Unbiased polynomial-kernel MMD² between generated and training-split features."""

    name = "kid"
    description = "kernel distance of generated to training-split features, mean and std over subsets"
    columns = {
        schema.KID: f"mean unbiased MMD² over {KID_SUBSETS} subsets (lower is better)",
        schema.KID_STD: "standard deviation of the MMD² over the subsets",
    }

    def compute(self, evaluation: Evaluation) -> dict:
        reference = evaluation.reference_features()
        generated = evaluation.generated_features()
        size = min(DEFAULT_SUBSET_SIZE, len(reference), len(generated))
        kid = features_to_kid(reference, generated, KID_SUBSETS, size, seed=KID_SEED)
        return {schema.KID: kid.mean, schema.KID_STD: kid.std}


class PrecisionRecall(Metric):
    """Precision, recall, density and coverage with k-nearest-neighbour manifolds."""

    name = "prdc"
    description = f"precision, recall, density and coverage (Naeem et al. 2020, k={DEFAULT_K})"
    columns = {
        schema.PRECISION: "share of generated samples inside the real manifold",
        schema.RECALL: "share of real samples inside the generated manifold",
        schema.DENSITY: "mean number of real neighbourhoods per generated sample, over k",
        schema.COVERAGE: "share of real neighbourhoods that contain a generated sample",
    }

    def __init__(self):
        # The reference subset and its radii, reused while the reference features are the same.
        self._reference: tuple[np.ndarray, int, np.ndarray, torch.Tensor] | None = None

    def compute(self, evaluation: Evaluation) -> dict:
        reference, generated = prdc_inputs(
            evaluation.reference_features(), evaluation.generated_features()
        )
        result = features_to_prdc(reference, generated, DEFAULT_K, self._radii(evaluation, len(reference)))
        return {
            schema.PRECISION: result.precision,
            schema.RECALL: result.recall,
            schema.DENSITY: result.density,
            schema.COVERAGE: result.coverage,
        }


    def _radii(self, evaluation: Evaluation, count: int) -> torch.Tensor:
        full = evaluation.reference_features()
        cached = self._reference
        if cached is None or cached[0] is not full or cached[1] != count:
            subset = prdc_inputs(full, full[:count])[0]
            radii = nearest_neighbour_radii(torch.from_numpy(np.array(subset)), DEFAULT_K)
            self._reference = cached = (full, count, subset, radii)
        return cached[3]


def prdc_inputs(reference: np.ndarray, generated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return equally many reference and generated features, chosen as described at ``PRDC_MAX_SAMPLES``."""
    count = min(len(reference), len(generated), PRDC_MAX_SAMPLES)
    rng = np.random.default_rng(PRDC_REFERENCE_SEED)
    chosen = np.sort(rng.choice(len(reference), count, replace=False))
    return reference[chosen], generated[:count]


class ModeCoverage(Metric):
    """Modes (mixtures) or classes (labelled images) reached by the generator."""

    name = "mode-coverage"
    description = "modes or classes covered, high-quality share, KL of the mode histogram"
    columns = {
        schema.MODES_COVERED: "modes (or classes) that the generator covers",
        schema.MODES_TOTAL: "modes (or classes) of the data",
        schema.HIGH_QUALITY_SHARE: "share of samples within 3 std of a mode (mixtures only)",
        schema.MODE_KL: "KL divergence of the generated mode histogram from the data's",
    }

    def compute(self, evaluation: Evaluation) -> dict:
        dataset = evaluation.dataset
        if dataset.mode_centers is not None:
            coverage = mixture_coverage(
                evaluation.samples.reshape(len(evaluation.samples), -1).double().numpy(),
                dataset.mode_centers.double().numpy(),
                dataset.mode_std,
            )
        elif dataset.modes_uniform:
            coverage = uniform_mode_coverage(evaluation.generated_predictions(), dataset.num_classes)
        else:
            coverage = class_coverage(
                evaluation.generated_predictions(), dataset.class_frequencies().numpy()
            )
        return {
            schema.MODES_COVERED: coverage.modes_covered,
            schema.MODES_TOTAL: coverage.modes_total,
            schema.HIGH_QUALITY_SHARE: coverage.high_quality_share,
            schema.MODE_KL: coverage.mode_kl,
        }

    def applies_to(self, spec: DatasetSpec) -> bool:
        return spec.num_classes > 0 and spec.classifier_predicts_classes


class Complexity(Metric):
    """Total and non-zero parameters, dense and effective FLOPs of both networks."""

    name = "complexity"
    description = "parameters (total, non-zero) and FLOPs (dense, effective) per sample"
    columns = {
        schema.G_PARAMS: "generator parameters",
        schema.G_PARAMS_NONZERO: "non-zero generator parameters",
        schema.G_FLOPS: "generator FLOPs per sample, masks ignored",
        schema.G_FLOPS_EFFECTIVE: "generator FLOPs per sample, scaled by weight density",
        schema.D_PARAMS: "discriminator parameters",
        schema.D_PARAMS_NONZERO: "non-zero discriminator parameters",
        schema.D_FLOPS: "discriminator FLOPs per sample, masks ignored",
        schema.D_FLOPS_EFFECTIVE: "discriminator FLOPs per sample, scaled by weight density",
    }

    def compute(self, evaluation: Evaluation) -> dict:
        gan = evaluation.gan
        device = next(gan.generator.parameters()).device
        latent = torch.zeros(1, gan.z_dim, device=device)
        label = torch.zeros(1, dtype=torch.int64, device=device) if gan.conditional else None
        sample = evaluation.samples[:1].to(device)
        g_params, g_nonzero = count_parameters(gan.generator)
        d_params, d_nonzero = count_parameters(gan.discriminator)
        g_flops, g_effective = count_flops(gan.generator, (latent, label))
        d_flops, d_effective = count_flops(gan.discriminator, (sample, label))
        return {
            schema.G_PARAMS: g_params,
            schema.G_PARAMS_NONZERO: g_nonzero,
            schema.G_FLOPS: g_flops,
            schema.G_FLOPS_EFFECTIVE: g_effective,
            schema.D_PARAMS: d_params,
            schema.D_PARAMS_NONZERO: d_nonzero,
            schema.D_FLOPS: d_flops,
            schema.D_FLOPS_EFFECTIVE: d_effective,
        }
