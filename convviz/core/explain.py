"""The lecture's words for shapes and strides: '32x32x10', the "doesn't fit" message with its 2.33
and a padding that would fit. Text only; the arithmetic is in windows.py."""

from __future__ import annotations

from convviz.core.errors import GeometryError
from convviz.core.windows import WindowGeometry, kernel_text, nearest_fitting_padding

Shape = tuple[int, ...]


def lecture_shape_text(shape: Shape) -> str:
    """The lecture's W x H x D order: '32x32x10' for channels=10, height=32, width=32."""
    if len(shape) == 3:
        channels, height, width = shape
        return f"{width}x{height}x{channels}"
    return "x".join(str(n) for n in shape)


def number_of(value: tuple[int, int]) -> str:
    """'2' for (2, 2), '[2, 3]' otherwise (as a network file writes it)."""
    return str(value[0]) if value[0] == value[1] else f"[{value[0]}, {value[1]}]"


def misfit(label: str, window: WindowGeometry, axis: int, what: str, index: int | None) -> GeometryError:
    """The lecture's "doesn't fit": the formula with its fraction and the nearest padding that fits.

    The error carries the window and axis so a view can show the window hanging off the edge."""
    dilated = ""
    if window.dilation != (1, 1):
        dilated = f" (dilated to {kernel_text(window.effective_kernel)})"
    size = f"{window.input_size[0]}x{window.input_size[1]}"
    message = (f"{label}: {kernel_text(window.kernel)} {what}{dilated}, stride {number_of(window.stride)} does not fit "
               f"a {size} input: {window.formula(axis)}.")
    padding = nearest_fitting_padding(window, axis)
    if padding is not None:
        fixed = WindowGeometry(window.input_size, window.kernel, window.stride, (padding,) * 4, window.dilation)
        suggestion = f"Padding {padding} would fit: {fixed.formula(axis)}."
    else:
        smaller, larger = fitting_sizes(window, axis)
        fixed = _with_size(window, axis, larger)
        sizes = f"{smaller} or {larger}" if smaller is not None else f"{larger}"
        suggestion = f"No padding fits this stride; an input of {sizes} would: {fixed.formula(axis)}."
    error = GeometryError(message, index, "stride", suggestion)
    error.window = window
    error.axis = axis
    return error


def fitting_sizes(window: WindowGeometry, axis: int) -> tuple[int | None, int]:
    """The nearest input sizes below and above this one where the stride fits, with the same padding."""
    n, s = window.input_size[axis], window.stride[axis]
    room = window.room(axis)
    below = n - (room % s)
    above = below + s if room % s else n
    return (below if below >= window.effective_kernel[axis] - window.padding[axis] - window.padding[axis + 2]
            and below != n else None), above


def _with_size(window: WindowGeometry, axis: int, size: int) -> WindowGeometry:
    sizes = list(window.input_size)
    sizes[axis] = size
    return WindowGeometry(tuple(sizes), window.kernel, window.stride, window.padding, window.dilation)  # type: ignore[arg-type]


def torch_rounds(window: WindowGeometry, axis: int, what: str) -> str:
    """What torch does with a stride that does not fit, in words: which rows or columns it never reads."""
    name = "row" if axis == 0 else "column"
    dropped = window.unvisited(axis)
    out = window.output_size[axis]
    if len(dropped) == 0:
        return f"torch rounds {window.exact_output[axis]:.2f} down to {out}"
    which = (f"{name} {dropped.start + 1}" if len(dropped) == 1
             else f"{name}s {dropped.start + 1}-{dropped.stop}")
    last = f"last {name}" if len(dropped) == 1 else f"last {len(dropped)} {name}s"  # not 'the last 1 row'
    return (f"torch rounds {window.exact_output[axis]:.2f} down to {out}: the {what} never reaches the {last} "
            f"({which} of {window.input_size[axis]})")


def check_slides(window: WindowGeometry, label: str, index: int, what: str) -> None:
    """GeometryError if the window cannot slide at all (larger than the padded input)."""
    for axis in (0, 1):
        if window.padded_size[axis] < window.effective_kernel[axis]:
            size = f"{window.input_size[0]}x{window.input_size[1]}"
            raise GeometryError(
                f"{label}: the {kernel_text(window.effective_kernel)} {what} is larger than the {size} input "
                f"with padding {window.padding[axis]}: {window.formula(axis)}.", index, "kernel_size",
                "Use a smaller kernel or more padding.")


def stride_warning(window: WindowGeometry, label: str, index: int, what: str) -> tuple[GeometryError | None,
                                                                                       tuple[str, ...]]:
    """For a stride that does not fit: the lecture's error (kept as a warning: torch runs it) and the
    notes saying what torch does instead. (None, ()) when it fits."""
    axes = window.misfit_axes
    if not axes:
        return None, ()
    warning = misfit(label, window, axes[0], what, index)
    notes = tuple(torch_rounds(window, axis, what) for axis in axes)
    return warning, notes
