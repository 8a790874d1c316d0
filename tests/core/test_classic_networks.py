"""The classic networks against torchvision's own definitions, rebuilt here by hand (torchvision's wheel
cannot be imported beside the CPU build of torch): same modules, same names, so a state dict saved
from these loads into convviz key by key, and gives the same outputs."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from convviz.cli import main
from convviz.core.classes import random_head
from convviz.core.compute import Runner
from convviz.core.errors import SpecError
from convviz.core.geometry import analyze
from convviz.core.preprocess import prepare
from convviz.core.presets import load_preset, open_preset
from convviz.core.weights_io import load_state_dict
from convviz.sources.testcard import draw_test_card

VGG_CFGS = {  # torchvision.models.vgg.cfgs, copied
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}


class AlexNet(nn.Module):
    """torchvision.models.alexnet.AlexNet, written out."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class VGG(nn.Module):
    """torchvision.models.vgg.VGG with make_layers, written out."""

    def __init__(self, cfg: str, batch_norm: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for item in VGG_CFGS[cfg]:
            if item == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(nn.Conv2d(channels, int(item), kernel_size=3, padding=1))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(int(item)))
                layers.append(nn.ReLU(inplace=True))
                channels = int(item)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=0.5),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=0.5), nn.Linear(4096, 1000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def randomised(module: nn.Module, seed: int) -> nn.Module:
    """Fresh random tensors (batch norm's running statistics too, so they matter), eval mode."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if name.endswith("running_var"):
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
            elif name.endswith("running_mean"):
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.1)
            elif tensor.dim() > 1:  # scaled so activations stay in range through 16 layers
                fan_in = tensor[0].numel()
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * (2.0 / fan_in) ** 0.5)
            else:
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.05)
    return module.eval()


NETWORKS = {
    "alexnet": (lambda: AlexNet(), 61_100_840),
    "vgg11": (lambda: VGG("A", False), 132_863_336),
    "vgg16": (lambda: VGG("D", False), 138_357_544),
    "vgg16_bn": (lambda: VGG("D", True), 138_365_992),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_the_presets_have_torchvisions_parameter_counts(name):
    make, published = NETWORKS[name]
    assert sum(p.numel() for p in make().parameters()) == published  # torchvision's published figure
    assert analyze(load_preset(name)).total_params == published


def test_lenet5_has_the_papers_61706_parameters():
    assert analyze(load_preset("lenet5")).total_params == 61_706


@pytest.mark.parametrize("name", list(NETWORKS))
def test_a_saved_state_dict_gives_the_modules_outputs(name, tmp_path, monkeypatch, capsys):
    """Saved as torch saves it, found in torch's hub cache by the preset, run by convviz: the same
    scores as the module's own forward (within 1e-5), and `convviz predict` names the same top 5."""
    make, _ = NETWORKS[name]
    module = randomised(make(), seed=len(name))
    spec = load_preset(name)
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(module.state_dict(), checkpoints / spec.weights.file)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    opened = open_preset(name)
    assert opened.notes == (f"weights from {checkpoints / spec.weights.file}",)
    prepared = prepare(draw_test_card(), opened.spec.input)
    outputs = Runner(opened.spec, "cpu").run(prepared.tensor).outputs
    with torch.no_grad():
        logits = module(torch.from_numpy(np.ascontiguousarray(prepared.tensor))[None])[0].numpy()
    scale = max(1.0, float(np.abs(logits).max()))  # float32 sums in another order (channels-last): relative
    np.testing.assert_allclose(outputs[-2], logits, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(outputs[-1], torch.softmax(torch.from_numpy(logits), 0).numpy(), atol=1e-5)
    picture = tmp_path / "card.png"
    import cv2

    cv2.imwrite(str(picture), cv2.cvtColor(np.asarray(draw_test_card()), cv2.COLOR_RGB2BGR))
    assert main(["predict", "--net", name, "--image", str(picture), "--json", "--device", "cpu"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with torch.no_grad():
        card = prepare(cv2.cvtColor(cv2.imread(str(picture)), cv2.COLOR_BGR2RGB), opened.spec.input).tensor
        expected = torch.softmax(module(torch.from_numpy(np.ascontiguousarray(card))[None])[0], 0)
    top5 = torch.topk(expected, 5)
    assert [entry["index"] for entry in printed["top"]] == top5.indices.tolist()
    names = (Path(__file__).parents[2] / "resources" / "classes" / "imagenet.txt").read_text().splitlines()
    assert [entry["name"] for entry in printed["top"]] == [names[i] for i in top5.indices.tolist()]


def test_without_the_published_file_the_preset_runs_random_weights_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    opened = open_preset("alexnet")
    assert len(opened.notes) == 1
    assert opened.notes[0].startswith("random weights: alexnet-owt-7be5be79.pth was not found")
    assert "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth" in opened.notes[0]
    assert random_head(opened.spec)  # the class scores panel says its guesses come from random weights


def test_loaded_weights_are_not_called_random(tmp_path, monkeypatch):
    module = randomised(AlexNet(), seed=1)
    spec = load_preset("alexnet")
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(module.state_dict(), checkpoints / spec.weights.file)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert not random_head(open_preset("alexnet").spec)


def small_state(tmp_path, mutate=None):
    module = randomised(AlexNet(), seed=1)
    state = module.state_dict()
    if mutate is not None:
        mutate(state)
    path = tmp_path / "weights.pth"
    torch.save(state, path)
    return path


@pytest.mark.parametrize("mutate, words", [
    (lambda s: s.__setitem__("features.3.weight", torch.zeros(192, 64, 3, 3)),
     "layer 4 (conv2d): 'features.3.weight' is 192x64x3x3, expected 192x64x5x5"),
    (lambda s: s.pop("classifier.6.bias"), "layer 22 (linear): no 'classifier.6.bias' (expected 1000)"),
    (lambda s: s.__setitem__("classifier.7.weight", torch.zeros(3)),
     "weights this network has no place for: classifier.7.weight"),
])
def test_a_state_dict_that_does_not_fit_is_refused_naming_the_layer(tmp_path, mutate, words):
    spec = load_preset("alexnet")
    with pytest.raises(SpecError) as raised:
        load_state_dict(spec, small_state(tmp_path, mutate))
    assert words in str(raised.value) and "nothing was loaded" in str(raised.value)


def test_a_pickle_payload_in_a_weights_file_never_runs(tmp_path):
    ran = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(ran), "w"))

    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps({"features.0.weight": Payload()}))
    with pytest.raises(SpecError, match="not a PyTorch state dict convviz can load safely"):
        load_state_dict(load_preset("alexnet"), path)
    torch.save({"features.0.weight": Payload()}, tmp_path / "evil2.pth")
    with pytest.raises(SpecError):
        load_state_dict(load_preset("alexnet"), tmp_path / "evil2.pth")
    assert not ran.exists()
