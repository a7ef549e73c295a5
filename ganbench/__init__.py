"""ganbench: a benchmark suite for pruning generative adversarial networks."""

from ganbench.hookspecs import hookimpl

__version__ = "0.1.0"

# Version of the metric definitions (features, sample counts, formulas). A change here gives
# every run a new key, so results computed under different definitions are never mixed.
# Version 2 adds KID, precision/recall/density/coverage and the metric-protocol column.
METRICS_VERSION = 2

__all__ = ["hookimpl", "__version__", "METRICS_VERSION"]
