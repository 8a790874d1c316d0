"""The mechanics a lecturer explains, worked out step by step: one filter position's dot product, one
pooling window's winner or mean, an activation function's curve and where the layer's values fall.

Everything works on one step at a time and costs the same for step 0 and step 50,000 (scrubbing a
224x224 layer is immediate). Coordinates: (row, column); "padded" coordinates count from the first
row/column of zero padding; volumes are (channels, height, width) numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convviz.core.geometry import LayerGeometry
from convviz.core.layers.activations import ActivationFunction
from convviz.core.spec import LayerSpec
from convviz.core.windows import Window, WindowGeometry


def _taps(volume: np.ndarray, channels: list[int], window: Window, geometry: WindowGeometry,
          fill: float) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``channels`` under the window's taps, (C, kh, kw), with ``fill`` where a tap is in the
    padding; and the (kh, kw) mask of taps in the padding. Reads only those values (any step, any
    map size: the same cost)."""
    rows = np.asarray(window.rows) - geometry.pad_before[0]
    cols = np.asarray(window.cols) - geometry.pad_before[1]
    height, width = volume.shape[1:]
    row_ok = (rows >= 0) & (rows < height)
    col_ok = (cols >= 0) & (cols < width)
    inside = row_ok[:, None] & col_ok[None, :]
    values = volume[np.ix_(channels, np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1))]
    values = np.where(inside[None], np.asarray(values), np.float32(fill)).astype(np.float32)
    return values, ~inside


@dataclass(frozen=True)
class ConvStep:
    """One position of one filter: w^T x + b with every number shown.

    ``in_channels`` are the input channels the filter spans (all of them, or its group's);
    ``patch``, ``kernel`` and ``products`` are (len(in_channels), kh, kw); ``channel_sums`` the
    contribution of each input channel; ``value`` = sum of channel_sums + ``bias``.
    """

    window: Window
    out_channel: int
    in_channels: tuple[int, ...]
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    bias: float
    value: float
    in_padding: np.ndarray  # (kh, kw) bool
    flipped: bool = False


def conv_kernel(weight: np.ndarray, out_channel: int, flip: bool = False) -> np.ndarray:
    """The filter of ``out_channel`` as applied: (C_in/groups, kh, kw); flipped in both spatial axes
    for a true convolution (what the lecture's f*g formula writes), as-is for torch's
    cross-correlation."""
    kernel = np.asarray(weight[out_channel], dtype=np.float32)
    return kernel[:, ::-1, ::-1] if flip else kernel


def conv_step(volume: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, layer: LayerGeometry,
              out_channel: int, step: int, flip: bool = False) -> ConvStep:
    """The dot product for output cell number ``step`` (row-major) of ``out_channel``.

    ``volume`` is the layer's input (C, H, W); ``weight`` torch's (out, in/groups, kh, kw).
    """
    geometry = layer.window
    assert geometry is not None, "conv_step needs a conv layer"
    window = geometry.window(step)
    in_channels = tuple(layer.input_channels_of(out_channel))
    patch, in_padding = _taps(volume, list(in_channels), window, geometry, 0.0)
    kernel = conv_kernel(weight, out_channel, flip)
    products = patch * kernel
    channel_sums = products.sum(axis=(1, 2), dtype=np.float64).astype(np.float32)
    b = float(bias[out_channel]) if bias is not None else 0.0
    value = float(channel_sums.sum(dtype=np.float64) + b)
    return ConvStep(window, out_channel, in_channels, patch, kernel, products, channel_sums, b, value,
                    in_padding, flip)


def conv_output_map(volume: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, layer: LayerGeometry,
                    out_channel: int, flip: bool = False) -> np.ndarray:
    """The whole output map of ``out_channel`` (H2, W2), with the kernel flipped if asked: what the
    output looks like under true convolution next to torch's cross-correlation."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    geometry = layer.window
    assert geometry is not None
    in_channels = list(layer.input_channels_of(out_channel))
    top, left, bottom, right = geometry.padding
    x = torch.from_numpy(np.ascontiguousarray(volume[in_channels], dtype=np.float32))[None]
    x = F.pad(x, (left, right, top, bottom))
    kernel = torch.from_numpy(np.ascontiguousarray(conv_kernel(weight, out_channel, flip)))[None]
    b = None if bias is None else torch.tensor([float(bias[out_channel])])
    with torch.no_grad():
        out = F.conv2d(x, kernel, b, stride=geometry.stride, dilation=geometry.dilation)
    return out[0, 0].numpy()


@dataclass(frozen=True)
class PoolStep:
    """One pooling window on one map: its values, and the winner (max) or the mean (average).

    ``patch`` is (kh, kw): zero padding shows as 0 for average pooling (torch counts it) and as -inf
    for max pooling (torch never picks padding). ``winner`` is the input (row, col) of the max.
    """

    window: Window
    channel: int
    kind: str  # "max" or "avg"
    patch: np.ndarray
    in_padding: np.ndarray
    value: float
    winner: tuple[int, int] | None
    winner_tap: tuple[int, int] | None  # (i, j) inside the window


def pool_step(volume: np.ndarray, layer: LayerGeometry, channel: int, step: int) -> PoolStep:
    """Output cell number ``step`` of map ``channel`` of a max or average pooling layer."""
    geometry = layer.window
    assert geometry is not None, "pool_step needs a pooling layer"
    window = geometry.window(step)
    kind = layer.kind.pooling
    patch, in_padding = _taps(volume, [channel], window, geometry, -np.inf if kind == "max" else 0.0)
    patch = patch[0]
    if kind == "max":
        flat = int(np.argmax(patch))  # the first maximum in row-major order, as torch's CPU kernel
        i, j = divmod(flat, patch.shape[1])
        winner = (window.rows[i] - geometry.pad_before[0], window.cols[j] - geometry.pad_before[1])
        return PoolStep(window, channel, kind, patch, in_padding, float(patch[i, j]), winner, (i, j))
    value = float(patch.sum(dtype=np.float64) / patch.size)  # count_include_pad=True, torch's default
    return PoolStep(window, channel, kind, patch, in_padding, value, None, None)


# ---- activation functions -----------------------------------------------------------------------------

def activation_function(layer: LayerSpec) -> ActivationFunction | None:
    """The function of a pointwise activation layer, as its type states it (None for the others)."""
    from convviz.core.layers import layer_type

    kind = layer_type(layer.type)
    return kind.function(layer) if kind.explained_as == "curve" else None  # type: ignore[attr-defined]


def activation_curve(layer: LayerSpec, geometry: LayerGeometry, x: np.ndarray,
                     channel: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) of an activation layer for channel ``channel``, computed by the layer's own torch
    module and autograd (so PReLU's learned alphas, ELU's alpha... are exactly what runs)."""
    import torch

    module = geometry.kind.build(layer, geometry)
    channels = geometry.input_shape[0]
    t = torch.tensor(np.asarray(x, dtype=np.float32), requires_grad=True)
    onehot = torch.zeros(channels)
    onehot[min(channel, channels - 1)] = 1.0
    batch = t[:, None] * onehot[None, :]  # (points, channels): only ``channel`` carries x
    if len(geometry.input_shape) == 3:
        batch = batch[:, :, None, None]
    y = module(batch).reshape(len(t), channels)[:, min(channel, channels - 1)]
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


@dataclass(frozen=True)
class ActivationStats:
    """Where a layer's actual inputs (pre-activations) fall for the current frame.

    ``counts``/``edges`` are a histogram of the values; ``quiet_fraction`` the share of units in the
    function's saturated or dead region (0..1).
    """

    counts: np.ndarray
    edges: np.ndarray
    quiet_fraction: float
    low_fraction: float
    high_fraction: float
    minimum: float
    maximum: float
    count: int


def activation_stats(values: np.ndarray, function: ActivationFunction | None, bins: int = 60,
                     span: tuple[float, float] | None = None) -> ActivationStats:
    """Histogram of ``values`` over ``span`` (default their own range) and the quiet fractions."""
    flat = np.asarray(values, dtype=np.float32).ravel(order="K")
    low_edge, high_edge = span or (float(flat.min()), float(flat.max()))
    if high_edge <= low_edge:
        high_edge = low_edge + 1.0
    counts, edges = np.histogram(np.clip(flat, low_edge, high_edge), bins=bins, range=(low_edge, high_edge))
    low = high = 0.0
    if function is not None and flat.size:
        if function.quiet[0] is not None:
            low = float(np.count_nonzero(flat < function.quiet[0])) / flat.size
        if function.quiet[1] is not None:
            high = float(np.count_nonzero(flat > function.quiet[1])) / flat.size
    return ActivationStats(counts, edges, low + high, low, high, float(flat.min()), float(flat.max()), int(flat.size))


@dataclass(frozen=True)
class MaxoutStats:
    """For maxout: how often each piece wins (0..1 per piece), over all units of the frame."""

    pieces: int
    win_fraction: np.ndarray


def maxout_stats(pre_activation: np.ndarray, pieces: int) -> MaxoutStats:
    channels = pre_activation.shape[0]
    grouped = np.asarray(pre_activation).reshape(channels // pieces, pieces, -1)
    winners = grouped.argmax(axis=1)
    fractions = np.bincount(winners.ravel(), minlength=pieces) / max(1, winners.size)
    return MaxoutStats(pieces, fractions.astype(np.float32))
