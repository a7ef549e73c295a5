"""Inception features from local weights in both published formats; nothing downloads."""

import numpy as np
import pytest
import torch

from ganbench.errors import UsageError
from ganbench.metrics import inception


def pytorch_fid_network():
    """pytorch-fid's FID Inception-v3 with random weights, built without its download."""
    from pytorch_fid import inception as pfid

    network = pfid._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    network.Mixed_5b = pfid.FIDInceptionA(192, pool_features=32)
    network.Mixed_5c = pfid.FIDInceptionA(256, pool_features=64)
    network.Mixed_5d = pfid.FIDInceptionA(288, pool_features=64)
    network.Mixed_6b = pfid.FIDInceptionC(768, channels_7x7=128)
    network.Mixed_6c = pfid.FIDInceptionC(768, channels_7x7=160)
    network.Mixed_6d = pfid.FIDInceptionC(768, channels_7x7=160)
    network.Mixed_6e = pfid.FIDInceptionC(768, channels_7x7=192)
    network.Mixed_7b = pfid.FIDInceptionE_1(1280)
    network.Mixed_7c = pfid.FIDInceptionE_2(2048)
    return network


@pytest.fixture(scope="module")
def weight_files(tmp_path_factory):
    """Random weights saved in pytorch-fid's format and, converted by torch-fidelity, in its own."""
    import torch_fidelity.feature_extractor_inceptionv3 as fidelity

    folder = tmp_path_factory.mktemp("inception")
    torch.manual_seed(0)
    pfid_state = pytorch_fid_network().state_dict()
    pfid_path = folder / "pt_inception-random.pth"
    torch.save(pfid_state, pfid_path)

    network = fidelity.FeatureExtractorInceptionV3("x", ["2048"], feature_extractor_weights_path=str(pfid_path))
    fidelity_path = folder / "weights-inception-random.pth"
    torch.save(network.state_dict(), fidelity_path)
    return {"pytorch-fid": pfid_path, "torch-fidelity": fidelity_path}


@pytest.fixture
def no_downloads(monkeypatch):
    import pytorch_fid.inception
    import torch_fidelity.feature_extractor_inceptionv3

    def refuse(*args, **kwargs):
        raise AssertionError("weights download attempted")

    monkeypatch.setattr(torch_fidelity.feature_extractor_inceptionv3, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(pytorch_fid.inception, "load_state_dict_from_url", refuse)


@pytest.mark.parametrize("fmt", ["pytorch-fid", "torch-fidelity"])
def test_inception_loads_local_weights(weight_files, no_downloads, fmt):
    extractor = inception.load_inception_features(weight_files[fmt])
    images = torch.rand(3, 1, 28, 28) * 2 - 1
    features = extractor.features(images)
    assert features.shape == (3, inception.FEATURE_DIM)
    assert features.dtype == np.float64
    assert extractor.fingerprint().startswith("inception-v3-fid@")


def test_both_formats_give_same_features(weight_files, no_downloads):
    images = torch.rand(2, 3, 28, 28) * 2 - 1
    first = inception.load_inception_features(weight_files["pytorch-fid"]).features(images)
    second = inception.load_inception_features(weight_files["torch-fidelity"]).features(images)
    np.testing.assert_allclose(first, second, rtol=1e-6, atol=1e-6)


def test_grey_images_become_rgb_uint8():
    pixels = inception.to_rgb_uint8(torch.tensor([-1.0, 0.0, 1.0]).reshape(1, 1, 1, 3))
    assert pixels.dtype == torch.uint8
    assert pixels.shape == (1, 3, 1, 3)
    assert pixels[0, :, 0].tolist() == [[0, 128, 255]] * 3


def test_missing_weights_variable_is_clear(monkeypatch):
    monkeypatch.delenv(inception.WEIGHTS_VARIABLE, raising=False)
    with pytest.raises(UsageError, match="does not download"):
        inception.inception_weights_path()


def test_wrong_file_is_rejected(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"weight": torch.zeros(2)}, path)
    with pytest.raises(UsageError, match="not a state dict of the FID Inception-v3 network"):
        inception.load_inception_features(path)


def test_suite_rejects_unknown_features(workdir):
    from ganbench.cli import main
    from conftest import write_suite

    suite = write_suite(workdir, sparsities=[0.0])
    suite.write_text(suite.read_text().replace("samples = 400", 'samples = 400\nfeatures = "clip"'))
    assert main(["run", "--suite", str(suite), "-q"]) == 2
