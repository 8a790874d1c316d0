"""The mechanics a lecturer explains, worked out step by step: one filter position's dot product, one
pooling window's winner or mean, an activation function's curve and where the layer's values fall.

Everything works on one step at a time and costs the same for step 0 and step 50,000 (scrubbing a
224x224 layer is immediate). Coordinates: (row, column); "padded" coordinates count from the first
row/column of zero padding; volumes are (channels, height, width) numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convviz.core.geometry import LayerGeometry, NetworkGeometry, Window, WindowGeometry
from convviz.core.spec import LayerSpec


def _taps(volume: np.ndarray, window: Window, geometry: WindowGeometry, fill: float) -> tuple[np.ndarray, np.ndarray]:
    """Values under the window's taps, (C, kh, kw), with ``fill`` where a tap is in the padding; and
    the (kh, kw) mask of taps in the padding."""
    rows = np.asarray(window.rows) - geometry.pad_before[0]
    cols = np.asarray(window.cols) - geometry.pad_before[1]
    height, width = volume.shape[1:]
    row_ok = (rows >= 0) & (rows < height)
    col_ok = (cols >= 0) & (cols < width)
    inside = row_ok[:, None] & col_ok[None, :]
    values = volume[:, np.clip(rows, 0, height - 1)[:, None], np.clip(cols, 0, width - 1)[None, :]]
    values = np.where(inside[None], values, np.float32(fill)).astype(np.float32)
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
    patch, in_padding = _taps(volume[list(in_channels)], window, geometry, 0.0)
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
    kind = "max" if layer.type == "maxpool2d" else "avg"
    patch, in_padding = _taps(volume[channel:channel + 1], window, geometry, -np.inf if kind == "max" else 0.0)
    patch = patch[0]
    if kind == "max":
        flat = int(np.argmax(patch))  # the first maximum in row-major order, as torch's CPU kernel
        i, j = divmod(flat, patch.shape[1])
        winner = (window.rows[i] - geometry.pad_before[0], window.cols[j] - geometry.pad_before[1])
        return PoolStep(window, channel, kind, patch, in_padding, float(patch[i, j]), winner, (i, j))
    value = float(patch.sum(dtype=np.float64) / patch.size)  # count_include_pad=True, torch's default
    return PoolStep(window, channel, kind, patch, in_padding, value, None, None)


# ---- activation functions -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ActivationFunction:
    """A pointwise activation with its gradient, and the region where it saturates or dies.

    ``quiet`` describes the inputs where the gradient is (nearly) zero: ``(low, high)`` means x < low
    or x > high (either may be None); ``quiet_label`` what the lecture calls it.
    """

    name: str
    formula: str
    quiet: tuple[float | None, float | None]
    quiet_label: str


def activation_function(layer: LayerSpec) -> ActivationFunction | None:
    """The function of an activation layer (None for maxout and softmax, which are not pointwise)."""
    p = layer.params
    kind = layer.type
    if kind == "sigmoid":
        # sigma'(x) < 10% of its peak (0.25) beyond |x| = 3.6: "saturated neurons kill the gradient"
        return ActivationFunction("sigmoid", "1 / (1 + e^-x)", (-3.6, 3.6), "saturated (gradient < 10% of its peak)")
    if kind == "tanh":
        return ActivationFunction("tanh", "tanh(x)", (-1.82, 1.82), "saturated (gradient < 10% of its peak)")
    if kind == "relu":
        return ActivationFunction("ReLU", "max(0, x)", (0.0, None), "dead side (x < 0: output and gradient 0)")
    if kind == "leaky_relu":
        slope = p["negative_slope"]
        return ActivationFunction("leaky ReLU", f"max({slope:g}x, x)", (0.0, None),
                                  f"leaky side (x < 0: gradient {slope:g}, never dead)")
    if kind == "prelu":
        return ActivationFunction("PReLU", "max(alpha x, x)", (0.0, None), "negative side (x < 0: gradient alpha)")
    if kind == "elu":
        # alpha e^x < 10% of alpha below x = ln(0.1)
        return ActivationFunction("ELU", f"x if x >= 0 else {p['alpha']:g}(e^x - 1)", (float(np.log(0.1)), None),
                                  "saturated negative side (gradient < 10%)")
    return None


def prelu_alpha(layer: LayerSpec) -> np.ndarray:
    """PReLU's alphas as the layer uses them (explicit weights, or the init value)."""
    weight = layer.get("weight")
    if weight is not None:
        return np.asarray(weight, dtype=np.float32)
    return np.full(layer.params["num_parameters"], layer.params["init"], np.float32)


def activation_curve(layer: LayerSpec, x: np.ndarray, channel: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) for an activation layer, computed with torch's own functions and autograd."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    t = torch.tensor(np.asarray(x, dtype=np.float32), requires_grad=True)
    kind = layer.type
    if kind == "relu":
        y = F.relu(t)
    elif kind == "sigmoid":
        y = torch.sigmoid(t)
    elif kind == "tanh":
        y = torch.tanh(t)
    elif kind == "leaky_relu":
        y = F.leaky_relu(t, layer.params["negative_slope"])
    elif kind == "elu":
        y = F.elu(t, layer.params["alpha"])
    elif kind == "prelu":
        alphas = prelu_alpha(layer)
        alpha = float(alphas[min(channel, len(alphas) - 1)])
        y = F.prelu(t, torch.tensor([alpha]))
    else:
        raise ValueError(f"{kind} has no single curve")
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


# ---- which units are connected -------------------------------------------------------------------------

def channels_seen(geometry: NetworkGeometry, source: int, target: int, channel: int) -> range | list[int]:
    """The channels of layer ``source``'s output (-1: the input) that unit channel ``channel`` of
    layer ``target`` depends on: all of them through a convolution (or its group), the same one
    through pooling and pointwise activations, a group of pieces through maxout."""
    channels = {channel}
    for layer in reversed(geometry.layers[source + 1:target + 1]):
        if layer.type == "conv2d":
            seen: set[int] = set()
            for c in channels:
                seen.update(layer.input_channels_of(c))
            channels = seen
        elif layer.type == "maxout":
            pieces = layer.input_shape[0] // layer.output_shape[0]
            channels = {c * pieces + k for c in channels for k in range(pieces)}
        elif len(layer.output_shape) != 3 or len(layer.input_shape) != 3:
            return range(geometry.shape_of(source)[0])
    ordered = sorted(channels)
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return range(ordered[0], ordered[-1] + 1)
    return ordered


def channels_reached(geometry: NetworkGeometry, source: int, target: int, channel: int) -> range | list[int]:
    """The channels of layer ``target`` that depend on channel ``channel`` of layer ``source``."""
    count = geometry.shape_of(target)[0]
    return [c for c in range(count) if channel in channels_seen(geometry, source, target, c)]


@dataclass(frozen=True)
class Related:
    """How a chosen unit relates to one layer's maps (what a linked panel highlights).

    ``kind``: "unit" (the unit itself), "field" (the pixels it sees: its receptive field),
    "reach" (the units that see it), "whole" (a flatten lies between: everything). ``box`` is
    (top, left, bottom, right), exclusive, in that layer's map pixels, clipped to the map;
    ``unclipped`` the field before clipping (it may reach into the zero padding).
    """

    kind: str
    channels: tuple[int, ...]
    box: tuple[int, int, int, int]
    unclipped: tuple[int, int, int, int] | None = None


def related_region(geometry: NetworkGeometry, layer: int, channel: int, row: int, col: int,
                   target: int) -> Related | None:
    """What layer ``target`` (-1: the input) should highlight for the unit (channel, row, col) of
    layer ``layer`` (-1: an input pixel). None when the target is a flat vector."""
    target_shape = geometry.shape_of(target)
    if len(target_shape) != 3:
        return None
    channels, height, width = target_shape
    unit_shape = geometry.shape_of(layer)
    if target == layer:
        return Related("unit", (channel,), (row, col, row + 1, col + 1))
    if target < layer:
        box = geometry.field_box(target, layer, row, col) if len(unit_shape) == 3 else None
        if box is None:
            return Related("whole", tuple(range(channels)), (0, 0, height, width))
        field = geometry.field_between(target, layer)
        seen = tuple(channels_seen(geometry, target, layer, channel))
        return Related("field", seen, box, field.span(row, col) if field is not None else None)
    if len(unit_shape) != 3:
        return None
    box = geometry.reach_box(layer, target, row, col, row + 1, col + 1)
    if box is None:
        return None
    return Related("reach", tuple(channels_reached(geometry, layer, target, channel)), box)
