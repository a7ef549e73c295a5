"""Default settings, one table read by the Python API and the command line alike.

Values were chosen so that every dense baseline reaches the quality stated in
``docs/baselines.md`` within the training time stated there; suites override any of them.
"""

from __future__ import annotations

from ganbench.errors import UsageError
from ganbench.settings import ArchSettings, EvalSettings, TrainSettings

ARCHITECTURE = {
    # MLP backbones: 3 hidden layers of 64 units.
    "mixture": ArchSettings(z_dim=16, width=64, depth=3, embed_dim=8),
    # Convolutional backbones: 16 channels at the image resolution, doubling per stage;
    # depth follows from the image size, so it is 0 here.
    "image": ArchSettings(z_dim=32, width=16, depth=0, embed_dim=8),
    # 28 x 28 images: 32 x 7 x 7 -> 16 x 14 x 14 -> 8 x 28 x 28 in the generator; width 8
    # keeps a dense baseline near a minute on one CPU thread (docs/baselines.md).
    "mnist": ArchSettings(z_dim=64, width=8, depth=0, embed_dim=8),
}

_ADVERSARIAL_MIXTURE = TrainSettings(
    steps=4000, batch_size=128, lr_generator=5e-4, lr_discriminator=5e-4, beta1=0.5, beta2=0.999
)
_ADVERSARIAL_IMAGE = TrainSettings(
    steps=3000, batch_size=64, lr_generator=5e-4, lr_discriminator=5e-4, beta1=0.5, beta2=0.999
)
_ADVERSARIAL_MNIST = TrainSettings(
    steps=2000, batch_size=32, lr_generator=5e-4, lr_discriminator=5e-4, beta1=0.5, beta2=0.999
)

TRAINING = {
    ("mixture", "dcgan"): _ADVERSARIAL_MIXTURE,
    ("mixture", "cgan"): _ADVERSARIAL_MIXTURE,
    # λ = 0.1 on 2-D data, as in the toy experiments of the WGAN-GP authors' code
    # (gan_toy.py in igul222/improved_wgan_training); λ = 10 blows up here.
    ("mixture", "wgan-gp"): TrainSettings(
        steps=2000, batch_size=128, lr_generator=1e-3, lr_discriminator=1e-3, beta1=0.5,
        beta2=0.9, critic_steps=5, gradient_penalty=0.1,
    ),
    ("image", "dcgan"): _ADVERSARIAL_IMAGE,
    ("image", "cgan"): _ADVERSARIAL_IMAGE,
    ("image", "wgan-gp"): TrainSettings(
        steps=1500, batch_size=64, lr_generator=5e-4, lr_discriminator=5e-4, beta1=0.5,
        beta2=0.9, critic_steps=5, gradient_penalty=10.0,
    ),
    # 28 x 28 images: batch 32 reached a lower FID than batch 64 for the same compute in
    # trial runs; WGAN-GP costs about five DCGAN steps per generator step.
    ("mnist", "dcgan"): _ADVERSARIAL_MNIST,
    ("mnist", "cgan"): _ADVERSARIAL_MNIST,
    ("mnist", "wgan-gp"): TrainSettings(
        steps=500, batch_size=32, lr_generator=5e-4, lr_discriminator=5e-4, beta1=0.5,
        beta2=0.9, critic_steps=5, gradient_penalty=10.0,
    ),
}

# Settings for model families that plugins add, per dataset kind.
FALLBACK_TRAINING = {
    "mixture": _ADVERSARIAL_MIXTURE, "image": _ADVERSARIAL_IMAGE, "mnist": _ADVERSARIAL_MNIST,
}

# The fine-tuning budget: generator updates every method gets after pruning.
FINETUNE_STEPS = {"mixture": 300, "image": 200, "mnist": 100}

EVAL = {
    "mixture": EvalSettings(samples=2500),
    "image": EvalSettings(samples=2500),
    "mnist": EvalSettings(samples=10_000),
}


def architecture(kind: str) -> ArchSettings:
    return ARCHITECTURE[_checked(kind)]


def training(kind: str, model: str) -> TrainSettings:
    return TRAINING.get((_checked(kind), model), FALLBACK_TRAINING[kind])


def finetune_steps(kind: str) -> int:
    return FINETUNE_STEPS[_checked(kind)]


def evaluation(kind: str) -> EvalSettings:
    return EVAL[_checked(kind)]


def _checked(kind: str) -> str:
    if kind not in ARCHITECTURE:
        raise UsageError(
            f"no default settings for dataset kind {kind!r}; valid kinds are: "
            f"{', '.join(ARCHITECTURE)}"
        )
    return kind
