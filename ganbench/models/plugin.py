"""The built-in GAN families, registered through the same hook as any plugin."""

from ganbench.hookspecs import hookimpl
from ganbench.models.cgan import ConditionalGAN
from ganbench.models.dcgan import DCGAN
from ganbench.models.wgan_gp import WGANGP


@hookimpl
def ganbench_register_models(register):
    register(DCGAN())
    register(ConditionalGAN())
    register(WGANGP())
