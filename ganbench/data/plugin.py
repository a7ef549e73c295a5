"""The built-in datasets, registered through the same hook as any plugin."""

from ganbench.data.digits import DIGITS
from ganbench.data.mixtures import GRID25, RING8
from ganbench.hookspecs import hookimpl


@hookimpl
def ganbench_register_datasets(register):
    register(RING8)
    register(GRID25)
    register(DIGITS)
