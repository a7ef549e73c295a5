"""The README's example plugin works and its leaderboard excerpt matches the generated file."""

import re
from pathlib import Path

from ganbench import schema
from ganbench.cli import main

from conftest import write_suite

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_leaderboard_matches_generated_file():
    section = README[README.index("## A first leaderboard"):]
    section = section[: section.index("\n## ", 1)]
    excerpts = re.findall(r"((?:^\|.*\|\n)+)", section, flags=re.MULTILINE)
    leaderboard = (ROOT / "leaderboard" / "quick.md").read_text()
    assert excerpts, "the README shows no leaderboard table"
    for table in excerpts:
        assert table in leaderboard


def test_readme_example_method_runs(workdir, capsys):
    (code,) = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    plugin = workdir / "relative_magnitude.py"
    plugin.write_text(code)
    suite = write_suite(workdir, methods=["relative-magnitude"], sparsities=[0.5])
    assert main(["run", "--suite", str(suite), "--plugin", str(plugin), "-q"]) == 0
    assert "relative-magnitude" in capsys.readouterr().out
    results = (workdir / "results" / "tiny.csv").read_text()
    assert f",relative-magnitude,0.5,generator," in results
    assert schema.STATUS_FAILED not in results
