"""Dense baselines: trained once per configuration, cached on disk, never modified by a run.

A baseline is identified by the content of its resolved configuration (dataset, model, seed,
architecture, training settings, checkpoint format). The cache stores one checkpoint per key
with the trained weights, both optimizers' states (fine-tuning continues from them), and a
snapshot of both networks taken early in training for rewinding methods. Checkpoints are
written to a temporary file and renamed, so a reader never sees a partial file, and are loaded
with ``torch.load(weights_only=True)``.

Each checkpoint stores its configuration and a SHA-256 digest of its tensors. A checkpoint
that cannot be loaded (truncated, not a checkpoint), whose digest does not match (corrupted
bytes, which ``torch.load`` does not detect) or whose configuration differs from the
requested one is retrained with a warning and replaced.
"""

from __future__ import annotations

import copy
import dataclasses
import fcntl
import hashlib
import io
import json
import logging
import os
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ganbench.data.base import DatasetSpec
from ganbench.errors import BaselineUnavailable, describe_error
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
    """A folder of baseline checkpoints named by their keys.

    ``sweep_id`` identifies the sweep this cache object serves. When it is set, a failed
    training leaves a ``<key>.failed`` marker with that id, and every process of the same
    sweep (local workers, Dask workers) fails the baseline's other runs with the same reason
    instead of training it again. Markers of other sweeps are ignored, so a new sweep always
    retries.
    """

    # Loaded baselines kept in memory per cache object; a bound keeps memory flat in sweeps
    # with many baselines.
    MEMORY_ENTRIES = 4

    def __init__(self, directory: Path, sweep_id: str | None = None):
        self.directory = Path(directory)
        self.sweep_id = sweep_id
        # Baselines whose training raised in this process, so later runs fail fast.
        self._failures: dict[str, Exception] = {}
        # Recently loaded baselines by key, with the identity of the file they came from.
        self._memory: OrderedDict[str, tuple[tuple, Baseline]] = OrderedDict()

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
        A baseline loaded recently by this object is returned from memory while its checkpoint
        file is the same file (same inode, size and modification time): loading and verifying
        it again would cost more than the bookkeeping of a run should.
        """
        failure = self._failures.get(config.key())
        if failure is not None:
            raise failure
        path = self.path(config)
        remembered = self._memory.get(config.key())
        if remembered is not None and remembered[0] == _file_identity(path):
            self._memory.move_to_end(config.key())
            return remembered[1]

        self.directory.mkdir(parents=True, exist_ok=True)
        lock_path = path.with_suffix(".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                baseline = self._load(config, path)
                if baseline is None:
                    self._raise_recorded_failure(config)
                    _remove_stale_temporaries(path)
                    try:
                        baseline = self._train(config, family, spec, device)
                    except Exception as error:
                        self._failures[config.key()] = error
                        self._record_failure(config, error)
                        raise
                    baseline.state["digest"] = state_digest(baseline.state)
                    _atomic_save(baseline.state, path)
                    self._failure_path(config).unlink(missing_ok=True)
                self._remember(config, _file_identity(path), baseline)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return baseline

    def _remember(self, config: BaselineConfig, identity: tuple | None, baseline: Baseline) -> None:
        if identity is None:
            return
        self._memory[config.key()] = (identity, baseline)
        self._memory.move_to_end(config.key())
        while len(self._memory) > self.MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    def _failure_path(self, config: BaselineConfig) -> Path:
        return self.directory / f"{config.key()}.failed"

    def _raise_recorded_failure(self, config: BaselineConfig) -> None:
        """Raise ``BaselineUnavailable`` if another process of this sweep failed to train it."""
        if self.sweep_id is None:
            return
        try:
            record = json.loads(self._failure_path(config).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if record.get("sweep") == self.sweep_id:
            raise BaselineUnavailable(record["error"])

    def _record_failure(self, config: BaselineConfig, error: Exception) -> None:
        if self.sweep_id is None:
            return
        record = json.dumps({"sweep": self.sweep_id, "error": describe_error(error)})
        _atomic_write(self._failure_path(config), record.encode("utf-8"))

    def _load(self, config: BaselineConfig, path: Path) -> Baseline | None:
        if not path.exists():
            return None
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            if json.loads(state["config"]) != config.as_dict():
                raise ValueError("stored configuration differs from the requested one")
            if "digest" not in state:
                raise ValueError("it has no digest of its tensors (written by ganbench 0.1.0)")
            if state["digest"] != state_digest(state):
                raise ValueError("the digest of its tensors does not match the stored digest")
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


def _file_identity(path: Path) -> tuple | None:
    """Return (device, inode, size, modification time in ns) of ``path``, None if absent."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def state_digest(state: dict) -> str:
    """Return the SHA-256 hex digest of every entry of ``state`` except ``"digest"``.

    Dicts are walked in sorted key order; tensors contribute their dtype, shape and raw bytes,
    other values their ``repr``. Equal states give equal digests in any process.
    """
    hasher = hashlib.sha256()
    _feed(hasher, {key: value for key, value in state.items() if key != "digest"})
    return hasher.hexdigest()


def _feed(hasher: Any, value: Any) -> None:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous().reshape(-1)
        hasher.update(f"tensor {tensor.dtype} {tuple(value.shape)};".encode())
        hasher.update(tensor.view(torch.uint8).numpy().tobytes())
    elif isinstance(value, dict):
        hasher.update(f"dict {len(value)};".encode())
        for key in sorted(value, key=repr):
            hasher.update(f"{key!r}:".encode())
            _feed(hasher, value[key])
    elif isinstance(value, (list, tuple)):
        # Lists and tuples hash alike: pickling may not preserve which one a state used.
        hasher.update(f"sequence {len(value)};".encode())
        for item in value:
            _feed(hasher, item)
    else:
        hasher.update(f"{value!r};".encode())


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


def _remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files left by processes killed while saving ``path``.

    Only the holder of the key's lock writes these files, and the caller holds it.
    """
    for stale in path.parent.glob(f"{path.name}*.tmp"):
        logger.debug("removing %s, left by an interrupted save", stale)
        stale.unlink(missing_ok=True)


def _atomic_save(state: dict, path: Path) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    _atomic_write(path, buffer.getvalue())


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it and rename it to ``path``."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
