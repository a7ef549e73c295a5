"""Leaderboard outputs: Markdown, CSV, LaTeX, HTML and plots, all rendered from one ``Board``.

``write_leaderboard`` writes every format; ``build_board`` computes the content once; the
``render_*`` functions of the format modules turn a board into text.
"""

from ganbench.reports.board import Board, build_board
from ganbench.reports.writer import write_leaderboard

__all__ = ["Board", "build_board", "write_leaderboard"]
