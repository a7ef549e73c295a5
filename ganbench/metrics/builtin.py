"""The built-in metrics: FID, mode coverage, parameter and FLOP counts."""

from __future__ import annotations

import torch

from ganbench.data.base import DatasetSpec
from ganbench.metrics.base import Evaluation, Metric
from ganbench.metrics.complexity import count_flops, count_parameters
from ganbench.metrics.fid import features_to_statistics, statistics_to_fid
from ganbench.metrics.mode_coverage import class_coverage, mixture_coverage
from ganbench import schema


class FID(Metric):
    """Fréchet distance between generated features and the training split's features."""

    name = "fid"
    description = "Frechet distance of generated to training-split features (lower is better)"
    columns = {schema.FID: "Fréchet distance between Gaussian fits of the features"}

    def compute(self, evaluation: Evaluation) -> dict:
        reference = features_to_statistics(evaluation.reference_features())
        generated = features_to_statistics(evaluation.generated_features())
        return {schema.FID: statistics_to_fid(*reference, *generated)}


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
        return spec.num_classes > 0


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
        latent = evaluation.samples.new_zeros(1, gan.z_dim)
        label = torch.zeros(1, dtype=torch.int64) if gan.conditional else None
        sample = evaluation.samples[:1]
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
