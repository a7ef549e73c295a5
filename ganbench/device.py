"""The torch device that runs use, and moving a GAN with its optimizers onto it.

Runs train and evaluate on one device, ``cpu`` by default or ``cuda`` / ``cuda:N`` where a GPU
exists. The network and its optimizer state move to the device before pruning, because
schedules prune while they train; ``PruningContext`` hands methods batches on that device.
Random numbers are drawn on the CPU and moved,
so the latent vectors and batches of a seed are the same on every device. Results on
different devices are not bit-identical (GPU kernels sum in another order), so the device is
not part of a run's key. Every row records it in the ``device`` column.
"""

from __future__ import annotations

import torch

from ganbench.errors import UsageError
from ganbench.models.family import GAN

DEFAULT_DEVICE = "cpu"


def resolve_device(name: str) -> str:
    """Return ``name`` as a canonical torch device string, or raise ``UsageError``.

    Accepts ``cpu``, ``cuda`` and ``cuda:N``; a CUDA device is rejected with a clear message
    when torch was built without CUDA, no GPU is visible, or N is out of range.
    """
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise UsageError(f"invalid device {name!r}; use cpu, cuda or cuda:N") from None
    if device.type == "cpu":
        return "cpu"
    if device.type != "cuda":
        raise UsageError(f"unsupported device {name!r}; ganbench runs on cpu, cuda or cuda:N")
    if not torch.cuda.is_available():
        raise UsageError(
            f"device {name!r} was requested, but CUDA is not available (torch "
            f"{torch.__version__}, CUDA build {torch.version.cuda or 'none'}, no GPU visible); "
            "run with --device cpu or on a machine with a GPU"
        )
    index = device.index or 0
    if index >= torch.cuda.device_count():
        raise UsageError(
            f"device {name!r} does not exist: {torch.cuda.device_count()} CUDA device(s) are visible"
        )
    return f"cuda:{index}"


def move_to_device(gan: GAN, optimizers: tuple[torch.optim.Optimizer, ...], device: str) -> None:
    """Move ``gan`` and the state of its ``optimizers`` to ``device`` in place.

    Parameters keep their identity (``nn.Module.to`` replaces their data), so the optimizers
    and mask enforcers built afterwards refer to the moved tensors. Adam's ``step`` counters
    stay where they are, as torch keeps them on the CPU unless the optimizer is capturable.
    """
    gan.to(device)
    for optimizer in optimizers:
        for state in optimizer.state.values():
            for key, value in state.items():
                if isinstance(value, torch.Tensor) and key != "step":
                    state[key] = value.to(device)
