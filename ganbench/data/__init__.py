"""Datasets: what a GAN is trained on and what its samples are compared with."""

from ganbench.data.base import Dataset, DatasetSpec

__all__ = ["Dataset", "DatasetSpec"]
