"""Expanding a suite into runs: one run per configuration, however its options are spelled."""

from ganbench.pruning.method import canonical_options
from ganbench.suite import expand, load_suite

from conftest import write_suite


def test_canonical_options_are_typed_and_minimal(registry):
    hierarchical = registry.method("hierarchical")
    assert canonical_options(hierarchical, {"cap": 1}) == {"cap": 1.0}
    assert type(canonical_options(hierarchical, {"cap": 1})["cap"]) is float
    assert canonical_options(hierarchical, {"cap": 0.95}) == {}
    assert canonical_options(registry.method("magnitude"), {"scope": "global"}) == {}
    assert canonical_options(registry.method("magnitude"), {"scope": "layer"}) == {"scope": "layer"}


def test_option_spellings_expand_to_one_run(tmp_path, registry):
    suite = write_suite(
        tmp_path,
        methods=["hierarchical:cap=1", "hierarchical:cap=1.0", "magnitude", "magnitude:scope=global"],
    )
    runs = [run for run in expand(load_suite(str(suite)), registry) if not run.is_dense]

    assert sorted(run.method for run in runs) == ["hierarchical:cap=1.0", "magnitude"]
    assert len({run.key() for run in runs}) == 2


def test_changed_option_is_its_own_run(tmp_path, registry):
    suite = write_suite(tmp_path, methods=["hierarchical:cap=0.5", "hierarchical"])
    runs = [run for run in expand(load_suite(str(suite)), registry) if not run.is_dense]

    assert sorted(run.method for run in runs) == ["hierarchical", "hierarchical:cap=0.5"]
    assert len({run.key() for run in runs}) == 2
