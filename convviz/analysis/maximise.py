"""The picture a unit wants: activation maximisation by gradient ascent on the input.

Start from faint noise and climb the unit's activation, with the usual regularisers so the result is
a picture rather than noise: a random shift of the input each step (jitter), a gentle blur every few
steps, and a penalty on large values (L2). A unit after an activation function (all of convviz's
curves rise with their input) is climbed through its input, since a ReLU that starts dead has no
gradient to climb. For a first-layer unit the answer is its filter, seen
through its receptive field. Works in the network's input units (after normalisation); ``picture``
turns the result into a displayable RGB image.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from convviz.core.spec import NetworkSpec


@dataclass(frozen=True)
class Ascent:
    """One step of the climb: ``step``, the unit's ``activation``, the input (C, H, W) float32."""

    step: int
    activation: float
    image: np.ndarray


def maximise(spec: NetworkSpec, layer: int, channel: int, row: int | None = None, col: int | None = None,
             steps: int = 200, rate: float = 0.05, jitter: int | None = None, blur_every: int | None = None,
             decay: float = 1e-3, seed: int = 0, every: int = 10) -> Iterator[Ascent]:
    """Climb the activation of unit (``channel``, ``row``, ``col``) of ``layer`` (the map's centre by
    default); yields every ``every`` steps and at the end. The step is normalised (Adam), so ``rate``
    is in input units per step. Jitter and blur scale with the unit's receptive field (None): a 3x3
    field gets neither (they would wash out a single filter), a 40x40 field a few pixels of jitter."""
    import torch

    from convviz.core.compute import build_module
    from convviz.core.geometry import analyze

    geometry = analyze(spec)
    while layer > 0 and geometry.layers[layer].kind.explained_as == "curve":
        layer -= 1  # climb the activation function's input: it rises with it, and a dead ReLU has no gradient
    shape = geometry.layers[layer].output_shape
    if len(shape) != 3:
        raise ValueError(f"layer {layer + 1} has no maps")
    row = shape[1] // 2 if row is None else row
    col = shape[2] // 2 if col is None else col
    field = geometry.layers[layer].receptive_field
    reach = max(field.size) if field is not None else max(spec.input.height, spec.input.width)
    jitter = max(0, reach // 8) if jitter is None else jitter
    blur_every = (4 if reach >= 8 else 0) if blur_every is None else blur_every
    model = build_module(spec.with_layers(spec.layers[: layer + 1])).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    generator = torch.Generator().manual_seed(seed)
    x = (torch.randn((1, *spec.input.shape), generator=generator) * 0.01).requires_grad_(True)
    optimiser = torch.optim.Adam([x], lr=rate)
    kernel = torch.tensor([1.0, 2.0, 1.0]) / 4
    blur = (kernel[:, None] * kernel[None, :]).expand(spec.input.channels, 1, 3, 3).contiguous()
    for step in range(1, steps + 1):
        dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=generator)) if jitter else (0, 0)
        shifted = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
        activation = model(shifted)[0, channel, row, col]
        loss = -activation + decay * (x ** 2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if blur_every and step % blur_every == 0:
            with torch.no_grad():
                x.copy_(torch.nn.functional.conv2d(torch.nn.functional.pad(x, (1, 1, 1, 1), mode="replicate"),
                                                   blur, groups=spec.input.channels))
        if step % every == 0 or step == steps:
            with torch.no_grad():
                value = float(model(x)[0, channel, row, col])
            yield Ascent(step, value, x.detach()[0].numpy().copy())


def picture(image: np.ndarray, spec: NetworkSpec) -> np.ndarray:
    """An input (C, H, W) in the network's units as H x W x 3 uint8: normalisation undone, stretched
    around mid grey so that the pattern shows whatever its size."""
    values = np.asarray(image, dtype=np.float32)
    if spec.input.mean is not None and spec.input.std is not None:
        values = values * np.asarray(spec.input.std, np.float32)[:, None, None] \
            + np.asarray(spec.input.mean, np.float32)[:, None, None]
    centred = values - values.mean(axis=(1, 2), keepdims=True)
    peak = float(np.abs(centred).max()) or 1.0
    rgb = np.clip(0.5 + 0.5 * centred / peak, 0, 1)
    if rgb.shape[0] == 1:
        rgb = np.repeat(rgb, 3, axis=0)
    elif rgb.shape[0] != 3:
        rgb = np.repeat(rgb.mean(axis=0, keepdims=True), 3, axis=0)
    return (rgb.transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8)
