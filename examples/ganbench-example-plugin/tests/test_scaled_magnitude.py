"""The example method passes ganbench's conformance kit on every shipped model family."""

from ganbench.testing import check_method


def test_scaled_magnitude_conforms():
    check_method("scaled-magnitude")
