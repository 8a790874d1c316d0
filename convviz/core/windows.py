"""Sliding-window arithmetic as the lecture teaches it: where each window sits, the output size
W2 = (W1 - F + 2P)/S + 1 (F dilated to D(F - 1) + 1), and the receptive field's size and jump.

Conventions: pairs are (rows, columns); positions are 0-based; "padded coordinates" count from the
first row/column of zero padding, so input pixel (r, c) sits at padded (r + pad_top, c + pad_left).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Pair = tuple[int, int]


def kernel_text(size: Pair) -> str:
    """'3x3', or '3x5' for a non-square kernel."""
    return f"{size[0]}x{size[1]}"


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

    def room(self, axis: int) -> int:
        """N - F + 2P along an axis (the room the window has to move)."""
        return self.padded_size[axis] - self.effective_kernel[axis]

    @property
    def exact_output(self) -> tuple[float, float]:
        """The lecture's (N - F + 2P)/S + 1 before any rounding."""
        return tuple(self.room(a) / self.stride[a] + 1 for a in (0, 1))  # type: ignore[return-value]

    @property
    def output_size(self) -> Pair:
        """What torch computes: the floor of ``exact_output`` (0 if the kernel does not fit at all)."""
        return tuple(self.room(a) // self.stride[a] + 1 if self.room(a) >= 0 else 0
                     for a in (0, 1))  # type: ignore[return-value]

    def fits(self, axis: int) -> bool:
        """Whether the window lands exactly on the last column (axis 1) or row (axis 0)."""
        return self.room(axis) >= 0 and self.room(axis) % self.stride[axis] == 0

    @property
    def misfit_axes(self) -> tuple[int, ...]:
        """The axes where the stride does not fit (torch floors the output and never visits the rest)."""
        return tuple(axis for axis in (0, 1) if self.room(axis) >= 0 and not self.fits(axis))

    def unvisited(self, axis: int) -> range:
        """Input rows (axis 0) or columns (axis 1), unpadded, that no window's taps reach: what torch
        silently drops when the stride does not fit (empty when it does)."""
        n = self.input_size[axis]
        if self.output_size[axis] == 0:
            return range(0)
        last = (self.output_size[axis] - 1) * self.stride[axis] + self.effective_kernel[axis] - self.padding[axis]
        return range(min(max(last, 0), n), n)

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

    def taps(self, axis: int) -> np.ndarray:
        """Offsets of the kernel's taps along an axis, relative to the unpadded input (u*stride + offset)."""
        return np.arange(self.kernel[axis]) * self.dilation[axis] - self.pad_before[axis]


def pad_amounts(padding: object, kernel: Pair, dilation: Pair = (1, 1)) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) for a padding value: a number, (rows, cols), or torch's "same"
    (total D(F-1), the extra one after, as torch does)."""
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        before = [t // 2 for t in total]
        return (before[0], before[1], total[0] - before[0], total[1] - before[1])
    if isinstance(padding, tuple):
        pad_h, pad_w = int(padding[0]), int(padding[1])
    else:
        pad_h = pad_w = int(padding)  # type: ignore[call-overload]
    return (pad_h, pad_w, pad_h, pad_w)


def nearest_fitting_padding(window: WindowGeometry, axis: int) -> int | None:
    """The symmetric padding P below the (dilated) kernel size F nearest the current one (the smaller on a
    tie) that makes the stride fit: N - F + 2P >= 0 and divisible by S. None if there is none.

    Arithmetic, not a search: 2P = F - N (mod S) is a residue class P = p0 (mod m), with m = S / gcd(2, S),
    so a dilation of 10^9 (F = 2*10^9 + 1) costs the same as 3x3."""
    n, f, s = window.input_size[axis], window.effective_kernel[axis], window.stride[axis]
    current = window.padding[axis]
    lowest, highest = max(0, -((n - f) // 2)), f - 1  # N - F + 2P >= 0; P < F
    need = (f - n) % s  # 2P = need (mod S)
    if s % 2 == 0:
        if need % 2:
            return None  # 2P is even, and so is everything congruent to it modulo an even S
        step, first_residue = s // 2, need // 2 % (s // 2)
    else:
        step, first_residue = s, need * pow(2, -1, s) % s  # 2 has an inverse modulo an odd S
    first = lowest + (first_residue - lowest) % step
    if first > highest:
        return None
    last = highest - (highest - first_residue) % step
    if current <= first:
        return first
    if current >= last:
        return last
    below = current - (current - first_residue) % step
    above = below if below == current else below + step
    return below if current - below <= above - current else above


def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> float:
    """The lecture's (N - F + 2P)/S + 1 for one axis, unrounded (F dilated to D(F - 1) + 1)."""
    effective = dilation * (f - 1) + 1
    return (n - effective + 2 * padding) / stride + 1
