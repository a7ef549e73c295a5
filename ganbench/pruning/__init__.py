"""Pruning mechanics: prunable weights, scores to masks, mask enforcement, the method contract."""

from ganbench.pruning.context import PruningContext
from ganbench.pruning.method import PruningMethod

__all__ = ["PruningContext", "PruningMethod"]
