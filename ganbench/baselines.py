"""Dense baselines: trained once per configuration, cached on disk, never modified by a run.

A baseline is identified by the content of its resolved configuration (dataset, model, seed,
architecture, training settings, checkpoint format). The cache stores one checkpoint per key
with the trained weights, both optimizers' states (fine-tuning continues from them), and a
snapshot of both networks taken early in training for rewinding methods. Checkpoints are
written to a temporary file and renamed, so a reader never sees a partial file, and are loaded
with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import copy
import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from ganbench.data.base import DatasetSpec
from ganbench.models.family import GAN, GANFamily
from ganbench.settings import ArchSettings, TrainSettings
from ganbench.training import make_optimizers, train

logger = logging.getLogger(__name__)

# Bump when the checkpoint layout or the training procedure changes meaning.
CHECKPOINT_FORMAT = 2

# The early snapshot for rewinding is taken after this fraction of baseline training.
REWIND_FRACTION = 0.05


@dataclass(frozen=True)
class BaselineConfig:
    """Everything that determines a dense baseline's weights."""

    dataset: str
    model: str
    seed: int
    arch: ArchSettings
    train: TrainSettings

    @property
    def rewind_step(self) -> int:
        return max(1, int(self.train.steps * REWIND_FRACTION))

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "model": self.model,
            "seed": self.seed,
            "arch": dataclasses.asdict(self.arch),
            "train": dataclasses.asdict(self.train),
            "rewind_step": self.rewind_step,
            "format": CHECKPOINT_FORMAT,
        }

    def key(self) -> str:
        """Return a 16-hex-digit key derived from the full configuration."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> str:
        return f"{self.dataset}/{self.model} seed {self.seed}"


@dataclass
class Baseline:
    """A loaded checkpoint: state dicts of both networks, optimizers and the rewind point."""

    config: BaselineConfig
    state: dict

    def build(self, family: GANFamily, spec: DatasetSpec) -> tuple[GAN, tuple]:
        """Return a fresh GAN with the trained weights and optimizers with their state.

        Each call builds new modules and copies of the tensors, so a run can change them
        freely without touching the cached checkpoint or other runs.
        """
        gan = family.build(spec, self.config.arch)
        gan.generator.load_state_dict(self.state["generator"])
        gan.discriminator.load_state_dict(self.state["discriminator"])
        optimizers = make_optimizers(gan, self.config.train)
        # Optimizer.load_state_dict keeps references to the given tensors, so pass copies.
        optimizers[0].load_state_dict(copy.deepcopy(self.state["generator_optimizer"]))
        optimizers[1].load_state_dict(copy.deepcopy(self.state["discriminator_optimizer"]))
        return gan, optimizers

    def rewind_state(self) -> dict:
        """Return the state dicts of both networks at the rewind step."""
        return self.state["rewind"]


class BaselineCache:
    """A folder of baseline checkpoints named by their keys."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        # Baselines whose training raised in this process, so later runs fail fast.
        self._failures: dict[str, Exception] = {}

    def path(self, config: BaselineConfig) -> Path:
        return self.directory / f"{config.key()}.pt"

    def get(
        self, config: BaselineConfig, family: GANFamily, spec: DatasetSpec, device: str = "cpu"
    ) -> Baseline:
        """Return the cached baseline for ``config``, training it on ``device`` if needed.

        The checkpoint contains CPU tensors whatever the training device, and its key does not
        depend on the device (see ``ganbench.device``).

        A per-key lock file serialises training, so concurrent processes that need the same
        baseline train it once. A checkpoint that cannot be read is retrained with a warning.
        """
        failure = self._failures.get(config.key())
        if failure is not None:
            raise failure
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(config)
        lock_path = path.with_suffix(".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                baseline = self._load(config, path)
                if baseline is None:
                    try:
                        baseline = self._train(config, family, spec, device)
                    except Exception as error:
                        self._failures[config.key()] = error
                        raise
                    _atomic_save(baseline.state, path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return baseline

    def _load(self, config: BaselineConfig, path: Path) -> Baseline | None:
        if not path.exists():
            return None
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            if json.loads(state["config"]) != config.as_dict():
                raise ValueError("stored configuration differs from the requested one")
        except Exception as error:
            logger.warning(
                "baseline checkpoint %s is unreadable (%s: %s); retraining it",
                path, type(error).__name__, error,
            )
            return None
        logger.debug("loaded dense baseline %s from %s", config.describe(), path)
        return Baseline(config, state)

    def _train(
        self, config: BaselineConfig, family: GANFamily, spec: DatasetSpec, device: str
    ) -> Baseline:
        logger.info(
            "training dense baseline %s (%d steps on %s, key %s)",
            config.describe(), config.train.steps, device, config.key(),
        )
        dataset = spec.load()
        torch.manual_seed(config.seed)
        gan = family.build(spec, config.arch).to(device)
        optimizers = make_optimizers(gan, config.train)
        rng = torch.Generator().manual_seed(config.seed)
        rewind: dict = {}

        def snapshot(step: int) -> None:
            if step == config.rewind_step:
                rewind["generator"] = _clone(gan.generator.state_dict())
                rewind["discriminator"] = _clone(gan.discriminator.state_dict())

        log = train(gan, family, dataset, config.train, config.train.steps, optimizers, rng, snapshot)
        logger.info(
            "trained dense baseline %s in %.1f s (final d_loss %.4f, g_loss %.4f)",
            config.describe(), log.seconds, log.discriminator_loss[-1], log.generator_loss[-1],
        )
        state = {
            "config": json.dumps(config.as_dict(), sort_keys=True),
            "generator": _clone(gan.generator.state_dict()),
            "discriminator": _clone(gan.discriminator.state_dict()),
            "generator_optimizer": _to_cpu(optimizers[0].state_dict()),
            "discriminator_optimizer": _to_cpu(optimizers[1].state_dict()),
            "rewind": rewind,
            "log": log.as_dict(),
        }
        return Baseline(config, state)


def _clone(state: dict) -> dict:
    """Return CPU copies of a module state dict's tensors."""
    return {name: tensor.detach().to("cpu", copy=True) for name, tensor in state.items()}


def _to_cpu(value):
    """Return an optimizer state dict (nested dicts and lists) with every tensor on the CPU."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {key: _to_cpu(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_cpu(item) for item in value]
    return value


def _atomic_save(state: dict, path: Path) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            torch.save(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
