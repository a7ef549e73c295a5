"""The authoring guide's code runs: its structured example passes the conformance kit."""

import re
from pathlib import Path

from ganbench.registry import load_registry
from ganbench.testing import check_method

GUIDE = (Path(__file__).resolve().parent.parent / "docs" / "writing-a-pruning-method.md").read_text()
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ganbench-example-plugin"


def test_guide_method_is_the_example_package():
    first = re.findall(r"```python\n(.*?)```", GUIDE, flags=re.DOTALL)[0]
    package = (EXAMPLE / "ganbench_example_plugin.py").read_text()
    for line in first.splitlines()[1:]:
        if line.strip() and not line.startswith(("    description", '"""')):
            assert line in package, f"guide line not in the example package: {line!r}"


def test_guide_structured_example_conforms(registry, tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", GUIDE, flags=re.DOTALL)
    (structured,) = [block for block in blocks if "ChannelPruningMethod" in block]
    namespace = {}
    exec(structured, namespace)
    check_method(namespace["ChannelL2"], registry=registry, cache_dir=tmp_path,
                 models=("dcgan", "cgan"), datasets=("ring8", "digits"))


def test_guide_block_example_conforms(registry, tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", GUIDE, flags=re.DOTALL)
    (block_method,) = [block for block in blocks if "BlockPruningMethod" in block]
    namespace = {}
    exec(block_method, namespace)
    report = check_method(namespace["SmallestLayer"], registry=registry, cache_dir=tmp_path,
                          models=("dcgan",), datasets=("ring8", "digits"))
    details = {(check.dataset, check.name): check.detail for check in report.checks}
    assert "no removable block remains" in details["ring8", "sparsity 0.99"]
    assert details["digits", "target sparsity"].startswith("declined: the generator (ConvGenerator)")


def test_guide_file_plugin_runs_through_kit(tmp_path):
    first = re.findall(r"```python\n(.*?)```", GUIDE, flags=re.DOTALL)[0]
    plugin = tmp_path / "scaled_magnitude.py"
    plugin.write_text(first)

    report = check_method("scaled-magnitude", registry=load_registry((str(plugin),)),
                          cache_dir=tmp_path / "cache", models=("dcgan",), datasets=("ring8",))

    assert report.plugin == f"file:{plugin.resolve()} (method 'scaled-magnitude')"
    assert not report.failures
