"""The --device option: validation, the CUDA error, and the CPU path."""

import pytest
import torch

from ganbench.cli import main
from ganbench.device import move_to_device, resolve_device
from ganbench.errors import UsageError

from conftest import write_suite


def test_cpu_device_resolves():
    assert resolve_device("cpu") == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message where CUDA is absent")
def test_cuda_unavailable_is_clear():
    with pytest.raises(UsageError, match="CUDA is not available"):
        resolve_device("cuda")


@pytest.mark.parametrize("name", ["tpu", "cuda:x", ""])
def test_invalid_device_rejected(name):
    with pytest.raises(UsageError):
        resolve_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the exit code where CUDA is absent")
def test_cli_cuda_exits_2_without_results(workdir, capsys):
    suite = write_suite(workdir, sparsities=[0.0])
    assert main(["run", "--suite", str(suite), "--device", "cuda"]) == 2
    assert "CUDA is not available" in capsys.readouterr().err
    assert not (workdir / "results").exists()


def test_move_to_device_keeps_optimizer_working(registry):
    from ganbench.defaults import architecture, training
    from ganbench.training import make_optimizers, train

    spec = registry.dataset("ring8")
    family = registry.model("dcgan")
    gan = family.build(spec, architecture("mixture"))
    optimizers = make_optimizers(gan, training("mixture", "dcgan"))
    data = spec.load()
    rng = torch.Generator().manual_seed(0)
    train(gan, family, data, training("mixture", "dcgan"), 2, optimizers, rng)
    parameter = next(gan.generator.parameters())
    move_to_device(gan, optimizers, "cpu")
    assert next(gan.generator.parameters()) is parameter
    train(gan, family, data, training("mixture", "dcgan"), 2, optimizers, rng)
