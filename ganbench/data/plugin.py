"""The built-in datasets, registered through the same hook as any plugin."""

from ganbench.data.digits import DIGITS
from ganbench.data.mixtures import GRID25, RING8
from ganbench.data.mnist import FASHION_MNIST, MNIST, MNIST_5K
from ganbench.data.stacked_mnist import STACKED_MNIST, STACKED_MNIST_5K
from ganbench.hookspecs import hookimpl


@hookimpl
def ganbench_register_datasets(register):
    register(RING8)
    register(GRID25)
    register(DIGITS)
    register(MNIST_5K)
    register(MNIST)
    register(FASHION_MNIST)
    register(STACKED_MNIST_5K)
    register(STACKED_MNIST)
