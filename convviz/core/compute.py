"""Compute: build the torch module a spec describes and run images through it, layer by layer.

Every layer's output is captured (a conv's output before its activation too, since activations are
layers of their own) and handed back as numpy arrays for drawing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from convviz.core.errors import SpecError
from convviz.core.filters import make_filter
from convviz.core.geometry import LayerGeometry, NetworkGeometry, check
from convviz.core.spec import LayerSpec, NetworkSpec

DEVICE_CHOICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class DeviceChoice:
    """The device a network runs on, and a message for the user if the request was not honoured."""

    device: torch.device
    message: str | None = None

    @property
    def label(self) -> str:
        if self.device.type == "cuda":
            return f"CUDA ({torch.cuda.get_device_name(self.device)})"
        return "CPU"


def select_device(request: str = "auto") -> DeviceChoice:
    """'auto' takes CUDA when there is one; 'cuda' without one falls back to the CPU and says so."""
    if request not in DEVICE_CHOICES:
        raise SpecError(f"unknown device {request!r}; choose from {', '.join(DEVICE_CHOICES)}")
    if request == "cpu":
        return DeviceChoice(torch.device("cpu"))
    if torch.cuda.is_available():
        return DeviceChoice(torch.device("cuda"))
    if request == "cuda":
        return DeviceChoice(torch.device("cpu"), "CUDA is not available on this machine; running on the CPU.")
    return DeviceChoice(torch.device("cpu"))


class Maxout(nn.Module):
    """max over groups of ``pieces`` consecutive channels (Goodfellow et al.); torch has no built-in."""

    def __init__(self, pieces: int):
        super().__init__()
        self.pieces = pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        return x.view(n, c // self.pieces, self.pieces, h, w).amax(dim=2)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"


def _kaiming(weight: torch.Tensor, bias: torch.Tensor | None, seed: int) -> None:
    """torch's own default initialisation, but from a seeded generator so it is reproducible."""
    generator = torch.Generator().manual_seed(seed)
    values = torch.empty(weight.shape)
    nn.init.kaiming_uniform_(values, a=math.sqrt(5), generator=generator)
    weight.copy_(values)
    if bias is not None:
        fan_in = weight[0].numel()
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        bias.copy_(torch.empty(bias.shape).uniform_(-bound, bound, generator=generator))


def hand_made_weights(layer: LayerSpec, in_per_group: int) -> np.ndarray:
    """Weights for a conv whose ``init`` names filters: each output channel's filter on every input
    channel it sees, divided by that channel count so the output keeps the input's range."""
    out_channels = layer.params["out_channels"]
    init = layer.params["init"]
    names = [init] * out_channels if isinstance(init, str) else list(init)
    kernel = layer.pair("kernel_size")
    weight = np.empty((out_channels, in_per_group, *kernel), dtype=np.float32)
    for out_channel, name in enumerate(names):
        weight[out_channel] = make_filter(name, kernel) / in_per_group
    return weight


def _set_weights(module: nn.Conv2d | nn.Linear, layer: LayerSpec) -> None:
    """Kaiming (seeded) weights and biases; or explicit / hand-made weights with zero biases.
    An explicit ``bias`` list always wins."""
    weight = layer.get("weight")
    bias = layer.params["bias"]
    with torch.no_grad():
        if weight is None and layer.params["init"] == "kaiming":
            _kaiming(module.weight, module.bias, layer.params["seed"])
        else:
            values = np.asarray(weight) if weight is not None else hand_made_weights(layer, module.weight.shape[1])
            module.weight.copy_(torch.from_numpy(np.array(values, dtype=np.float32)))
            if module.bias is not None:
                module.bias.zero_()
        if isinstance(bias, tuple):
            module.bias.copy_(torch.tensor(bias, dtype=torch.float32))


def build_layer(layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
    """The torch module for one layer, with the weights its spec asks for."""
    p = layer.params
    kind = layer.type
    if kind == "conv2d":
        padding = p["padding"] if p["padding"] == "same" else layer.pair("padding")
        module = nn.Conv2d(geometry.input_shape[0], p["out_channels"], layer.pair("kernel_size"),
                           stride=layer.pair("stride"), padding=padding, dilation=layer.pair("dilation"),
                           groups=p["groups"], bias=p["bias"] is not False)
        _set_weights(module, layer)
        return module
    if kind == "linear":
        module = nn.Linear(geometry.input_shape[0], p["out_features"], bias=p["bias"] is not False)
        _set_weights(module, layer)
        return module
    if kind in ("maxpool2d", "avgpool2d"):
        window = geometry.window
        assert window is not None
        cls = nn.MaxPool2d if kind == "maxpool2d" else nn.AvgPool2d
        return cls(window.kernel, stride=window.stride, padding=window.pad_before)
    if kind == "prelu":
        module = nn.PReLU(p["num_parameters"], init=p["init"])
        if layer.get("weight") is not None:
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(np.asarray(layer.get("weight"))))
        return module
    simple: dict[str, nn.Module] = {
        "relu": nn.ReLU(),
        "sigmoid": nn.Sigmoid(),
        "tanh": nn.Tanh(),
        "flatten": nn.Flatten(),
        "softmax": nn.Softmax(dim=1),
    }
    if kind in simple:
        return simple[kind]
    if kind == "leaky_relu":
        return nn.LeakyReLU(p["negative_slope"])
    if kind == "elu":
        return nn.ELU(p["alpha"])
    if kind == "maxout":
        return Maxout(p["pieces"])
    raise AssertionError(f"no module for {kind}")  # pragma: no cover


def conv_weights(layer: LayerSpec, in_channels: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A conv layer's (weight, bias) as numpy, made exactly as the running network makes them: the
    mechanics views use it for any conv layer, also one whose stride does not fit."""
    p = layer.params
    module = nn.Conv2d(in_channels, p["out_channels"], layer.pair("kernel_size"), groups=p["groups"],
                       bias=p["bias"] is not False)
    _set_weights(module, layer)
    bias = module.bias.detach().numpy() if module.bias is not None else None
    return module.weight.detach().numpy(), bias


def build_module(spec: NetworkSpec, geometry: NetworkGeometry | None = None) -> nn.Sequential:
    """An ``nn.Sequential`` for the whole spec (raises the first geometry error)."""
    geometry = geometry or check(spec)
    return nn.Sequential(*(build_layer(layer, g) for layer, g in zip(spec.layers, geometry.layers)))


@dataclass(frozen=True)
class Activations:
    """One image's trip through the network.

    ``input`` is the network's input as (C, H, W) float32; ``outputs[i]`` layer i's output as
    (C, H, W) or (N,) float32; ``layer_ms[i]`` its compute time in milliseconds.
    """

    input: np.ndarray
    outputs: tuple[np.ndarray, ...]
    layer_ms: tuple[float, ...]
    device: str

    @property
    def forward_ms(self) -> float:
        return float(sum(self.layer_ms))


class Runner:
    """A network built on a device, ready to run image after image.

    Layers that cannot work (``geometry.error``) are left out: the network runs up to them.
    """

    def __init__(self, spec: NetworkSpec, device: str = "auto", geometry: NetworkGeometry | None = None):
        from convviz.core.geometry import analyze

        self.spec = spec
        self.geometry = geometry or analyze(spec)
        self.device_choice = select_device(device)
        self.device = self.device_choice.device
        working = spec.layers[: len(self.geometry.layers)]
        # channels-last (NHWC) memory: 3-4x faster convolutions and pooling on the CPU (measured 4.9 ms
        # instead of 18 ms for the webcam network), and the picture already arrives as H x W x C
        self.layers = [build_layer(layer, g).to(self.device, memory_format=torch.channels_last).eval()
                       for layer, g in zip(working, self.geometry.layers)]
        self._sync = torch.cuda.synchronize if self.device.type == "cuda" else (lambda: None)

    @property
    def module(self) -> nn.Sequential:
        return nn.Sequential(*self.layers)

    def run(self, image: np.ndarray) -> Activations:
        """Run one (C, H, W) float32 image; returns every layer's output on the CPU as numpy.

        Outputs are (C, H, W) views of channels-last memory (index them as usual; use
        ``np.ascontiguousarray`` where a C-ordered buffer is needed)."""
        expected = self.geometry.input_shape
        if tuple(image.shape) != tuple(expected):
            raise SpecError(f"the image is {'x'.join(map(str, image.shape))} but the network expects "
                            f"{'x'.join(map(str, expected))}")
        outputs: list[np.ndarray] = []
        times: list[float] = []
        with torch.inference_mode():
            x = torch.from_numpy(np.asarray(image, dtype=np.float32)).unsqueeze(0).to(self.device)
            x = x.contiguous(memory_format=torch.channels_last)  # free when prepare() made H x W x C
            for layer in self.layers:
                self._sync()
                start = time.perf_counter()
                x = layer(x)
                self._sync()
                times.append((time.perf_counter() - start) * 1000.0)
                outputs.append(x[0].detach().to("cpu").numpy())
        return Activations(np.asarray(image, dtype=np.float32), tuple(outputs), tuple(times),
                           self.device_choice.label)

