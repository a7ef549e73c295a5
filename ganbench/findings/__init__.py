"""The findings page: what a suite's results show about common claims on pruning GANs.

``ganbench findings`` reads one results file and writes ``docs/findings.md``. For each dataset
and model it answers, with a sign test across seeds: does pruning the generator change mode
coverage and stability relative to the dense row; does pruning the discriminator hurt more
than pruning the generator at equal sparsity; which methods beat the random and small-dense
baselines. ``data`` indexes the rows, ``comparisons`` holds the paired test, ``questions``
builds the tables and ``page`` writes the text.
"""

from __future__ import annotations

import pandas as pd

from ganbench.findings.data import FindingsData
from ganbench.findings.page import render_page
from ganbench.findings.questions import build_sections


def findings_page(results: pd.DataFrame, source: str, command: str = "ganbench findings") -> str:
    """Return the findings page of ``results``, read from the file named ``source``."""
    data = FindingsData(results)
    return render_page(data, build_sections(data), source, command)


__all__ = ["findings_page"]
