"""Where datasets that are not shipped with an installed package live on disk.

torchvision's loaders read MNIST and Fashion-MNIST from ``<data dir>/MNIST/raw`` and
``<data dir>/FashionMNIST/raw``. The data directory is ``$GANBENCH_DATA_DIR`` when it is set,
else ``$XDG_DATA_HOME/ganbench``, else ``~/.local/share/ganbench``. ``ganbench run --data-dir``
sets the variable for the command and any worker process it starts.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "GANBENCH_DATA_DIR"


def data_dir() -> Path:
    """Return the folder that torchvision-backed datasets are read from (and downloaded to)."""
    configured = os.environ.get(DATA_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "ganbench"
