"""Adaptive search: the largest sparsity whose FID stays within a tolerance of the dense row.

``bisection`` contains the search itself, ``trials`` runs each trial as ordinary recorded runs,
and ``report`` renders the outcome that ``ganbench search`` prints.
"""

from ganbench.search.bisection import SearchOutcome, bisect_sparsity
from ganbench.search.trials import SEARCH_SUFFIX, Trial, TrialRunner, search_description, search_suite

__all__ = [
    "SEARCH_SUFFIX", "SearchOutcome", "Trial", "TrialRunner", "bisect_sparsity", "search_description",
    "search_suite",
]
