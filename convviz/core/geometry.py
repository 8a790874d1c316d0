"""Geometry as the lecture teaches it: output sizes, parameter counts, windows and receptive fields.

Conventions: shapes are (channels, height, width) or (features,) for flat vectors; positions are
(row, column), 0-based; "padded coordinates" count from the first row/column of zero padding, so
input pixel (r, c) sits at padded (r + pad_top, c + pad_left).

The output size is the lecture's W2 = (W1 - F + 2P)/S + 1, with a dilated filter's effective size
F = D(F - 1) + 1. Where torch would silently floor a fraction, a convolution is an error that shows
the numbers (the lecture's "doesn't fit"); pooling follows torch and notes the dropped border.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convviz.core.errors import GeometryError, SpecError
from convviz.core.filters import make_filter
from convviz.core.layers import LAYER_TYPES
from convviz.core.spec import InputSpec, LayerSpec, NetworkSpec, layer_label

Shape = tuple[int, ...]
Pair = tuple[int, int]


def size_text(shape: Shape) -> str:
    """'3x32x32' for a volume, '1024' for a vector."""
    return "x".join(str(n) for n in shape)


def lecture_shape_text(shape: Shape) -> str:
    """The lecture's W x H x D order: '32x32x10' for channels=10, height=32, width=32."""
    if len(shape) == 3:
        channels, height, width = shape
        return f"{width}x{height}x{channels}"
    return size_text(shape)


def _kernel_text(size: Pair) -> str:
    return f"{size[0]}x{size[1]}" if size[0] != size[1] else f"{size[0]}x{size[0]}"


@dataclass(frozen=True)
class ReceptiveField:
    """Where units of a layer look in an earlier layer (usually the input image).

    All values are (rows, cols) in the earlier layer's pixels. Unit (i, j) sees rows
    ``start[0] + i*jump[0]`` .. ``+ size[0] - 1`` (and likewise columns); a negative start means the
    field begins in the zero padding. For a dilated kernel this is the bounding box of its taps.
    """

    size: Pair = (1, 1)
    jump: Pair = (1, 1)
    start: Pair = (0, 0)

    def then(self, kernel: Pair, stride: Pair, pad_before: Pair, dilation: Pair = (1, 1)) -> ReceptiveField:
        """The field one sliding-window layer further on."""
        effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        return ReceptiveField(
            size=tuple(s + (e - 1) * j for s, e, j in zip(self.size, effective, self.jump)),  # type: ignore[arg-type]
            jump=tuple(j * s for j, s in zip(self.jump, stride)),  # type: ignore[arg-type]
            start=tuple(st - p * j for st, p, j in zip(self.start, pad_before, self.jump)),  # type: ignore[arg-type]
        )

    def span(self, row: int, col: int) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) seen by unit (row, col); bottom/right exclusive, not clipped."""
        top = self.start[0] + row * self.jump[0]
        left = self.start[1] + col * self.jump[1]
        return (top, left, top + self.size[0], left + self.size[1])

    def clipped_span(self, row: int, col: int, height: int, width: int) -> tuple[int, int, int, int]:
        """``span`` cut to a height x width map (the part that is not padding)."""
        top, left, bottom, right = self.span(row, col)
        return (max(top, 0), max(left, 0), min(bottom, height), min(right, width))

    def to_dict(self) -> dict[str, list[int]]:
        return {"size": list(self.size), "jump": list(self.jump), "start": list(self.start)}


@dataclass(frozen=True)
class Window:
    """One position of a sliding window (the ``step``-th output cell, row by row).

    ``top``/``left`` are in padded coordinates; ``rows``/``cols`` are the padded coordinates of the
    kernel's taps (spaced out by the dilation).
    """

    step: int
    out_row: int
    out_col: int
    top: int
    left: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]

    @property
    def bottom(self) -> int:
        return self.rows[-1] + 1

    @property
    def right(self) -> int:
        return self.cols[-1] + 1


@dataclass(frozen=True)
class WindowGeometry:
    """How a kernel slides over one map: sizes in pixels, pairs as (rows, cols).

    ``padding`` is (top, left, bottom, right); torch's padding="same" can be uneven.
    """

    input_size: Pair
    kernel: Pair
    stride: Pair
    padding: tuple[int, int, int, int]
    dilation: Pair = (1, 1)

    @property
    def effective_kernel(self) -> Pair:
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))  # type: ignore[return-value]

    @property
    def pad_before(self) -> Pair:
        return (self.padding[0], self.padding[1])

    @property
    def padded_size(self) -> Pair:
        return (self.input_size[0] + self.padding[0] + self.padding[2],
                self.input_size[1] + self.padding[1] + self.padding[3])

    def _span(self, axis: int) -> int:
        """N - F + 2P along an axis (the room the window has to move)."""
        return self.padded_size[axis] - self.effective_kernel[axis]

    @property
    def exact_output(self) -> tuple[float, float]:
        """The lecture's (N - F + 2P)/S + 1 before any rounding."""
        return tuple(self._span(a) / self.stride[a] + 1 for a in (0, 1))  # type: ignore[return-value]

    @property
    def output_size(self) -> Pair:
        """What torch computes: the floor of ``exact_output`` (0 if the kernel does not fit at all)."""
        return tuple(max(0, self._span(a) // self.stride[a] + 1) if self._span(a) >= 0 else 0
                     for a in (0, 1))  # type: ignore[return-value]

    def fits(self, axis: int) -> bool:
        """Whether the window lands exactly on the last column (axis 1) or row (axis 0)."""
        return self._span(axis) >= 0 and self._span(axis) % self.stride[axis] == 0

    @property
    def steps(self) -> int:
        return self.output_size[0] * self.output_size[1]

    def window(self, step: int) -> Window:
        """The window for output cell number ``step`` (row-major); O(1) for any step."""
        out_h, out_w = self.output_size
        if not 0 <= step < out_h * out_w:
            raise IndexError(f"step {step} outside 0..{out_h * out_w - 1}")
        out_row, out_col = divmod(step, out_w)
        return self.window_at(out_row, out_col, step)

    def window_at(self, out_row: int, out_col: int, step: int | None = None) -> Window:
        """The window that makes output cell (out_row, out_col); may hang off the edge if asked."""
        top = out_row * self.stride[0]
        left = out_col * self.stride[1]
        rows = tuple(top + i * self.dilation[0] for i in range(self.kernel[0]))
        cols = tuple(left + j * self.dilation[1] for j in range(self.kernel[1]))
        if step is None:
            step = out_row * self.output_size[1] + out_col
        return Window(step, out_row, out_col, top, left, rows, cols)

    def positions(self) -> np.ndarray:
        """(steps, 2) array of every window's (top, left) in padded coordinates, row by row."""
        out_h, out_w = self.output_size
        rows, cols = np.meshgrid(np.arange(out_h) * self.stride[0], np.arange(out_w) * self.stride[1],
                                 indexing="ij")
        return np.stack([rows.ravel(), cols.ravel()], axis=1)

    def overhanging_window(self, axis: int) -> Window:
        """For a stride that does not fit: the next window along ``axis``, hanging off the edge."""
        out_h, out_w = self.output_size
        if axis == 1:
            return self.window_at(0, out_w, step=-1)
        return self.window_at(out_h, 0, step=-1)

    def formula(self, axis: int) -> str:
        """The lecture's formula with the numbers filled in, e.g. '(32 - 5 + 2*2)/1 + 1 = 32'."""
        n = self.input_size[axis]
        f = self.effective_kernel[axis]
        before, after = self.padding[axis], self.padding[axis + 2]
        s = self.stride[axis]
        if before == after == 0:
            pad = ""  # the lecture's (N - F)/stride + 1
        elif before == after:
            pad = f" + 2*{before}"
        else:
            pad = f" + {before} + {after}"
        value = self.exact_output[axis]
        result = f"{value:.0f}" if value == int(value) else f"{value:.2f}"
        return f"({n} - {f}{pad})/{s} + 1 = {result}"


@dataclass(frozen=True)
class LayerGeometry:
    """Everything the lecture computes for one layer, for the input shape it actually receives."""

    index: int
    type: str
    input_shape: Shape
    output_shape: Shape
    params: int
    param_formula: str
    receptive_field: ReceptiveField | None  # None: each unit sees the whole input (after flatten)
    window: WindowGeometry | None = None  # conv and pooling layers
    groups: int = 1
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return LAYER_TYPES[self.type].title

    @property
    def label(self) -> str:
        return layer_label(self.index, self.type)

    def formulas(self) -> tuple[str, str] | None:
        """(height formula, width formula) in the lecture's notation, for windowed layers."""
        if self.window is None:
            return None
        return (f"H2 = {self.window.formula(0)}", f"W2 = {self.window.formula(1)}")

    def input_channels_of(self, out_channel: int) -> range:
        """The input channels a conv filter spans: all of them, or only its group's."""
        in_channels = self.input_shape[0]
        if self.type != "conv2d" or self.groups == 1:
            return range(in_channels)
        per_group_in = in_channels // self.groups
        per_group_out = self.output_shape[0] // self.groups
        group = out_channel // per_group_out
        return range(group * per_group_in, (group + 1) * per_group_in)


@dataclass(frozen=True)
class NetworkGeometry:
    """The geometry of every layer up to the first one that cannot work (``error``)."""

    input_shape: Shape
    layers: tuple[LayerGeometry, ...]
    error: GeometryError | SpecError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def shape_before(self, index: int) -> Shape:
        """The shape entering layer ``index`` (-1 or 0: the input)."""
        return self.input_shape if index <= 0 else self.layers[index - 1].output_shape

    def shape_of(self, index: int) -> Shape:
        """The shape leaving layer ``index``; -1 is the input image."""
        return self.input_shape if index < 0 else self.layers[index].output_shape

    def field_box(self, source: int, target: int, row: int, col: int) -> tuple[int, int, int, int] | None:
        """Exactly which pixels of layer ``source``'s output (-1: the input) unit (row, col) of layer
        ``target`` depends on: (top, left, bottom, right), exclusive; empty (bottom <= top) when the
        unit sees only zero padding.

        Worked back layer by layer, tap by tap and cut to each layer's map, so rows and columns a
        pooling layer drops (torch rounds its output size down), or a stride larger than the kernel
        skips, are not counted, unlike the lecture's size/jump arithmetic of ``field_between``.
        It is the bounding box of those pixels (a dilated kernel's gaps lie inside it). None if a
        flatten lies between (the whole input).
        """
        rows, cols = np.array([row]), np.array([col])
        for layer in reversed(self.layers[source + 1:target + 1]):
            if len(layer.output_shape) != 3 or len(layer.input_shape) != 3:
                return None
            window = layer.window
            if window is None:
                continue
            rows = _taps_read(rows, window, 0)
            cols = _taps_read(cols, window, 1)
        return _box(rows, cols)

    def reach_box(self, source: int, target: int, top: int, left: int, bottom: int,
                  right: int) -> tuple[int, int, int, int] | None:
        """The units of layer ``target`` that read any pixel of the block (top, left, bottom, right)
        of layer ``source``'s output (-1: the input), through some tap of every window on the way;
        exclusive ends, empty when none does. None through a flatten."""
        rows, cols = np.arange(top, bottom), np.arange(left, right)
        for layer in self.layers[source + 1:target + 1]:
            if len(layer.output_shape) != 3 or len(layer.input_shape) != 3:
                return None
            window = layer.window
            if window is None:
                continue
            rows = _units_reading(rows, window, 0)
            cols = _units_reading(cols, window, 1)
        return _box(rows, cols)

    def field_between(self, source: int, target: int) -> ReceptiveField | None:
        """Receptive field of layer ``target``'s units measured in layer ``source``'s output.

        ``source = -1`` measures in the input image. None if a flatten lies between (whole input).
        """
        if target < source:
            raise ValueError("the target layer must come after the source layer")
        field = ReceptiveField()
        for layer in self.layers[source + 1:target + 1]:
            if layer.receptive_field is None or len(layer.output_shape) != 3:
                return None
            if layer.window is not None:
                field = field.then(layer.window.kernel, layer.window.stride, layer.window.pad_before,
                                   layer.window.dilation)
        return field


def _taps_read(units: np.ndarray, window: WindowGeometry, axis: int) -> np.ndarray:
    """Along one axis: the input positions (within the map, not the padding) that the windows of
    output positions ``units`` read with their taps."""
    taps = np.arange(window.kernel[axis]) * window.dilation[axis] - window.pad_before[axis]
    read = (units[:, None] * window.stride[axis] + taps[None, :]).ravel()
    return np.unique(read[(read >= 0) & (read < window.input_size[axis])])


def _units_reading(positions: np.ndarray, window: WindowGeometry, axis: int) -> np.ndarray:
    """Along one axis: the output positions whose window reads any of the input ``positions`` with
    a tap (unit u reads u*stride - pad + i*dilation for each tap i)."""
    taps = np.arange(window.kernel[axis]) * window.dilation[axis] - window.pad_before[axis]
    offsets = positions[:, None] - taps[None, :]
    stride = window.stride[axis]
    units = offsets[offsets % stride == 0] // stride
    return np.unique(units[(units >= 0) & (units < window.output_size[axis])])


def _box(rows: np.ndarray, cols: np.ndarray) -> tuple[int, int, int, int]:
    """The bounding box (top, left, bottom, right) of rows x cols; (0, 0, 0, 0) when empty."""
    if rows.size == 0 or cols.size == 0:
        return (0, 0, 0, 0)
    return (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)


def _pad_amounts(layer: LayerSpec, kernel: Pair, dilation: Pair) -> tuple[int, int, int, int]:
    padding = layer.get("padding", 0)
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        before = [t // 2 for t in total]
        return (before[0], before[1], total[0] - before[0], total[1] - before[1])
    pad_h, pad_w = layer.pair("padding")
    return (pad_h, pad_w, pad_h, pad_w)


def nearest_fitting_padding(window: WindowGeometry, axis: int) -> int | None:
    """The smallest symmetric padding below the kernel size that makes the stride fit, if any."""
    n, f, s = window.input_size[axis], window.effective_kernel[axis], window.stride[axis]
    current = window.padding[axis]
    candidates = [p for p in range(0, f) if n - f + 2 * p >= 0 and (n - f + 2 * p) % s == 0]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (abs(p - current), p))


def _misfit_message(label: str, window: WindowGeometry, axis: int, what: str) -> GeometryError:
    kernel = _kernel_text(window.kernel)
    stride = window.stride[axis] if window.stride[0] == window.stride[1] else f"{window.stride}"
    size = f"{window.input_size[0]}x{window.input_size[1]}"
    dilated = ""
    if window.dilation != (1, 1):
        dilated = f" (dilated to {_kernel_text(window.effective_kernel)})"
    message = (f"{label}: {kernel} {what}{dilated}, stride {stride} does not fit a {size} input: "
               f"{window.formula(axis)}.")
    padding = nearest_fitting_padding(window, axis)
    suggestion = None
    if padding is not None:
        fixed = WindowGeometry(window.input_size, window.kernel, window.stride,
                               (padding,) * 4, window.dilation)
        suggestion = f"Padding {padding} would fit: {fixed.formula(axis)}."
    else:
        suggestion = "No padding fits this stride; try stride 1."
    error = GeometryError(message, None, "stride", suggestion)
    error.window = window
    error.axis = axis
    return error


def _conv_weight_checks(layer: LayerSpec, index: int, in_channels: int, kernel: Pair) -> None:
    label = layer_label(index, layer.type)
    out_channels, groups = layer.params["out_channels"], layer.params["groups"]
    init = layer.params["init"]
    names = [init] if isinstance(init, str) else list(init)
    if not isinstance(init, str) and len(names) != out_channels:
        raise SpecError(f"{label}: 'init' lists {len(names)} filters but the layer has {out_channels} "
                        f"output channels; give one name per output channel", index, "init")
    for name in names:
        if name != "kaiming":
            try:
                make_filter(name, kernel)
            except SpecError as error:
                raise SpecError(f"{label}: {error.message}", index, "init") from None
    weight = layer.get("weight")
    expected = (out_channels, in_channels // groups, *kernel)
    if weight is not None and tuple(weight.shape) != expected:
        raise SpecError(f"{label}: 'weight' has shape {size_text(weight.shape)} but this layer needs "
                        f"{size_text(expected)} (out_channels x in_channels/groups x kernel)", index, "weight")
    bias = layer.params["bias"]
    if isinstance(bias, tuple) and len(bias) != out_channels:
        raise SpecError(f"{label}: 'bias' lists {len(bias)} values but the layer has {out_channels} "
                        "output channels", index, "bias")


def _conv(layer: LayerSpec, index: int, shape: Shape) -> tuple[Shape, int, str, WindowGeometry, int]:
    label = layer_label(index, layer.type)
    in_channels, height, width = shape
    out_channels, groups = layer.params["out_channels"], layer.params["groups"]
    if in_channels % groups:
        raise GeometryError(f"{label}: groups={groups} must divide the {in_channels} input channels",
                            index, "groups")
    if out_channels % groups:
        raise GeometryError(f"{label}: groups={groups} must divide the {out_channels} output channels "
                            "(out_channels)", index, "groups")
    kernel, stride, dilation = layer.pair("kernel_size"), layer.pair("stride"), layer.pair("dilation")
    if layer.params["padding"] == "same" and stride != (1, 1):
        raise GeometryError(f'{label}: padding "same" needs stride 1 (torch\'s rule), not stride '
                            f"{stride[0] if stride[0] == stride[1] else list(stride)}", index, "padding")
    window = WindowGeometry((height, width), kernel, stride, _pad_amounts(layer, kernel, dilation), dilation)
    _check_window(window, label, index, "filter", strict=True)
    _conv_weight_checks(layer, index, in_channels, kernel)
    bias = layer.params["bias"] is not False
    per_filter = kernel[0] * kernel[1] * (in_channels // groups)
    depth = f"{in_channels // groups}" if groups == 1 else f"({in_channels}/{groups})"
    weights_text = f"{kernel[0]}*{kernel[1]}*{depth}"
    total = (per_filter + bias) * out_channels
    formula = (f"each filter {weights_text}{' + 1' if bias else ''} = {per_filter + bias} params, "
               f"x {out_channels} filters = {total}")
    out_h, out_w = window.output_size
    return (out_channels, out_h, out_w), total, formula, window, groups


def _check_window(window: WindowGeometry, label: str, index: int, what: str, strict: bool) -> list[str]:
    """Raise if the window cannot slide at all (or, if ``strict``, if the stride does not fit)."""
    for axis in (0, 1):
        if window.padded_size[axis] < window.effective_kernel[axis]:
            kernel = _kernel_text(window.effective_kernel)
            size = f"{window.input_size[0]}x{window.input_size[1]}"
            pad = window.padding[axis]
            raise GeometryError(
                f"{label}: the {kernel} {what} is larger than the {size} input with padding {pad}: "
                f"{window.formula(axis)}.", index, "kernel_size",
                "Use a smaller kernel or more padding.")
    notes = []
    for axis in (0, 1):
        if not window.fits(axis):
            if strict:
                error = _misfit_message(label, window, axis, what)
                error.layer = index
                raise error
            name = "row" if axis == 0 else "column"
            notes.append(f"{window.formula(axis)}: torch rounds down and the last {name}s are not "
                         "pooled")
    return notes


def _pool(layer: LayerSpec, index: int, shape: Shape) -> tuple[Shape, WindowGeometry, list[str]]:
    label = layer_label(index, layer.type)
    channels, height, width = shape
    kernel = layer.pair("kernel_size")
    stride = kernel if layer.params["stride"] is None else layer.pair("stride")
    padding = _pad_amounts(layer, kernel, (1, 1))
    for axis in (0, 1):
        if padding[axis] * 2 > kernel[axis]:
            raise GeometryError(f"{label}: padding {padding[axis]} is more than half the {_kernel_text(kernel)}"
                                " window (torch's rule for pooling)", index, "padding")
    window = WindowGeometry((height, width), kernel, stride, padding)
    notes = _check_window(window, label, index, "window", strict=False)
    out_h, out_w = window.output_size
    return (channels, out_h, out_w), window, notes


def _needs_maps(layer: LayerSpec, index: int, shape: Shape) -> None:
    if len(shape) != 3:
        raise GeometryError(
            f"{layer_label(index, layer.type)} needs C x H x W maps, but its input is a flat vector of "
            f"{shape[0]} numbers; move it before the flatten layer", index, "type")


def _layer_geometry(layer: LayerSpec, index: int, shape: Shape, field: ReceptiveField | None) -> LayerGeometry:
    label = layer_label(index, layer.type)
    layer_type = LAYER_TYPES[layer.type]
    if layer_type.accepts == "maps":
        _needs_maps(layer, index, shape)
    if layer_type.accepts == "flat" and len(shape) != 1:
        raise GeometryError(f"{label} needs a flat vector, but its input is {size_text(shape)} maps; "
                            "add a flatten layer before it", index, "type")
    common = dict(index=index, type=layer.type, input_shape=shape)
    if layer.type == "conv2d":
        out_shape, params, formula, window, groups = _conv(layer, index, shape)
        assert field is not None
        field = field.then(window.kernel, window.stride, window.pad_before, window.dilation)
        return LayerGeometry(**common, output_shape=out_shape, params=params, param_formula=formula,
                             receptive_field=field, window=window, groups=groups)
    if layer.type in ("maxpool2d", "avgpool2d"):
        out_shape, window, notes = _pool(layer, index, shape)
        assert field is not None
        field = field.then(window.kernel, window.stride, window.pad_before)
        return LayerGeometry(**common, output_shape=out_shape, params=0, param_formula="no parameters",
                             receptive_field=field, window=window, notes=tuple(notes))
    if layer.type == "flatten":
        return LayerGeometry(**common, output_shape=(int(np.prod(shape)),), params=0,
                             param_formula="no parameters", receptive_field=None)
    if layer.type == "linear":
        in_features, out_features = shape[0], layer.params["out_features"]
        bias = layer.params["bias"] is not False
        weight = layer.get("weight")
        if weight is not None and tuple(weight.shape) != (out_features, in_features):
            raise SpecError(f"{label}: 'weight' has shape {size_text(weight.shape)} but this layer needs "
                            f"{out_features}x{in_features} (out_features x in_features)", index, "weight")
        if isinstance(layer.params["bias"], tuple) and len(layer.params["bias"]) != out_features:
            raise SpecError(f"{label}: 'bias' lists {len(layer.params['bias'])} values but the layer has "
                            f"{out_features} outputs", index, "bias")
        if layer.params["init"] != "kaiming":
            raise SpecError(f"{label}: a linear layer takes init \"kaiming\" (hand-made filters are for "
                            "conv2d)", index, "init")
        params = in_features * out_features + (out_features if bias else 0)
        formula = f"{in_features}*{out_features}" + (f" + {out_features}" if bias else "") + f" = {params}"
        return LayerGeometry(**common, output_shape=(out_features,), params=params, param_formula=formula,
                             receptive_field=None)
    if layer.type == "maxout":
        pieces = layer.params["pieces"]
        if shape[0] % pieces:
            raise GeometryError(f"{label}: pieces={pieces} must divide the {shape[0]} input channels "
                                f"(maxout takes the max over groups of {pieces} channels)", index, "pieces")
        return LayerGeometry(**common, output_shape=(shape[0] // pieces, *shape[1:]), params=0,
                             param_formula="no parameters (the conv before it has the extra filters)",
                             receptive_field=field)
    if layer.type == "prelu":
        count = layer.params["num_parameters"]
        if count not in (1, shape[0]):
            raise GeometryError(f"{label}: num_parameters must be 1 or the {shape[0]} channels, not {count}",
                                index, "num_parameters")
        weight = layer.get("weight")
        if weight is not None and weight.shape != (count,):
            raise SpecError(f"{label}: 'weight' must list {count} alpha value(s)", index, "weight")
        return LayerGeometry(**common, output_shape=shape, params=count,
                             param_formula=f"{count} learnable alpha{'s' if count > 1 else ''}",
                             receptive_field=field)
    return LayerGeometry(**common, output_shape=shape, params=0, param_formula="no parameters",
                         receptive_field=field)


def analyze(spec: NetworkSpec, input_spec: InputSpec | None = None) -> NetworkGeometry:
    """Work out every layer's geometry; stop at the first layer that cannot work and keep its error."""
    input_shape: Shape = (input_spec or spec.input).shape
    shape = input_shape
    field: ReceptiveField | None = ReceptiveField()
    layers: list[LayerGeometry] = []
    for index, layer in enumerate(spec.layers):
        try:
            geometry = _layer_geometry(layer, index, shape, field)
        except SpecError as error:
            if error.layer is None:
                error.layer = index
            return NetworkGeometry(input_shape, tuple(layers), error)
        layers.append(geometry)
        shape = geometry.output_shape
        field = geometry.receptive_field
    return NetworkGeometry(input_shape, tuple(layers), None)


def misfit_layer(spec: NetworkSpec, geometry: NetworkGeometry) -> LayerGeometry | None:
    """For a network stopped by a conv stride that does not fit: that layer as torch would run it
    (output sizes rounded down), so a view can show the window hanging off the edge. None otherwise."""
    error = geometry.error
    if not isinstance(error, GeometryError) or not isinstance(error.window, WindowGeometry) or error.layer is None:
        return None
    layer = spec.layers[error.layer]
    window = error.window
    input_shape = geometry.shape_of(error.layer - 1)
    out_h, out_w = window.output_size
    channels = layer.params.get("out_channels", input_shape[0])
    return LayerGeometry(index=error.layer, type=layer.type, input_shape=input_shape,
                         output_shape=(channels, out_h, out_w), params=0, param_formula="",
                         receptive_field=None, window=window, groups=layer.params.get("groups", 1),
                         notes=(str(error),))


def check(spec: NetworkSpec, input_spec: InputSpec | None = None) -> NetworkGeometry:
    """``analyze``, raising the first error instead of returning it."""
    geometry = analyze(spec, input_spec)
    if geometry.error is not None:
        raise geometry.error
    return geometry


def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> float:
    """The lecture's (N - F + 2P)/S + 1 for one axis, unrounded (F dilated to D(F - 1) + 1)."""
    effective = dilation * (f - 1) + 1
    return (n - effective + 2 * padding) / stride + 1


__all__ = [
    "LayerGeometry", "NetworkGeometry", "ReceptiveField", "Window", "WindowGeometry", "analyze", "check",
    "misfit_layer",
    "conv_output_size", "lecture_shape_text", "nearest_fitting_padding", "size_text",
]
