"""``convviz info`` works from shapes alone: it never builds a filter, never searches a range as long as a
dilated kernel, and hand-made gaussians are right at any width.

The work is counted, not timed: a trace function counts the lines convviz executes and stops the test
the moment it passes a budget (the old code ran 200,000 loop turns for one 100,000-wide gaussian and
2*10^9 for the padding that fits a dilation of 10^9), and tracemalloc bounds what is allocated.
"""

from __future__ import annotations

import json
import math
import sys
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from convviz.cli import main
from convviz.core.filters import _binomial, make_filter
from convviz.core.windows import WindowGeometry, nearest_fitting_padding

LINE_BUDGET = 50_000  # lines of convviz code; `info` on a small network runs a few thousand
ALLOCATION_BUDGET = 32 * 2**20  # bytes


class TooMuchWork(BaseException):
    """Raised from the trace function (a BaseException: no `except Exception` in the code swallows it)."""


@contextmanager
def bounded_work(lines: int = LINE_BUDGET, allocated: int = ALLOCATION_BUDGET) -> Iterator[None]:
    """Stop the code under test once it has run ``lines`` lines of convviz, and fail if it allocated more
    than ``allocated`` bytes at its peak."""
    count = 0

    def tracer(frame, event, arg):  # noqa: ARG001
        nonlocal count
        if event == "line" and "convviz" in frame.f_code.co_filename:
            count += 1
            if count > lines:
                raise TooMuchWork(f"more than {lines:,} lines of convviz ran")
        return tracer

    tracemalloc.start()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(None)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < allocated, f"allocated {peak / 2**20:.0f} MiB"


def _network(tmp_path: Path, layer: dict, size: int = 8) -> str:
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"name": "hostile", "input": {"channels": 1, "height": size, "width": size},
                                "layers": [{"type": "conv2d", "out_channels": 1, **layer}]}))
    return str(path)


def test_info_on_a_hundred_thousand_wide_gaussian_builds_no_filter(tmp_path, capsys):
    """A 100,000 x 100,000 gaussian: the table and the budget's refusal from shapes alone (building it
    would be 10^10 floats; the old name check built it)."""
    net = _network(tmp_path, {"kernel_size": 100_000, "padding": 50_000, "init": "gaussian"})
    main(["info", "--net", net])  # imports settle outside the count
    capsys.readouterr()
    with bounded_work():
        status = main(["info", "--net", net])
    captured = capsys.readouterr()
    assert "1x9x9" in captured.out and "10,000,000,001" in captured.out
    assert status == 2 and "needs" in captured.err and "Traceback" not in captured.err


def test_info_on_a_wide_sobel_checks_its_size_without_building(tmp_path, capsys):
    net = _network(tmp_path, {"kernel_size": [1, 100_000], "padding": [0, 50_000], "init": "sobel_x"})
    with bounded_work():
        status = main(["info", "--net", net])
    assert status == 2 and "needs a kernel of at least 3x3, not 1x100000" in capsys.readouterr().err


@pytest.mark.parametrize(("stride", "advice"), [
    (3, "Padding 1000000001 would fit"),  # the nearest fitting padding, two billion candidates away
    (2, "No padding fits this stride; an input of 7 or 9 would"),  # none fits: the input sizes that do
])
def test_info_on_a_dilation_of_a_billion_does_arithmetic_not_a_search(tmp_path, capsys, stride, advice):
    net = _network(tmp_path, {"kernel_size": 3, "dilation": 1_000_000_000, "padding": 1_000_000_000,
                              "stride": stride})
    with bounded_work():
        status = main(["info", "--net", net])
    assert status == 0 and advice in capsys.readouterr().err


def _nearest_by_search(window: WindowGeometry, axis: int) -> int | None:
    """The definition, searched: the padding below F nearest the current one (the smaller on a tie)."""
    n, f, s = window.input_size[axis], window.effective_kernel[axis], window.stride[axis]
    fitting = [p for p in range(f) if n - f + 2 * p >= 0 and (n - f + 2 * p) % s == 0]
    return min(fitting, key=lambda p: (abs(p - window.padding[axis]), p)) if fitting else None


def test_nearest_fitting_padding_agrees_with_the_search_it_replaces():
    for n in range(1, 12):
        for kernel in range(1, 7):
            for dilation in (1, 2, 3):
                for stride in range(1, 9):
                    for padding in range(0, 10):
                        window = WindowGeometry((n, n), (kernel, kernel), (stride, stride), (padding,) * 4,
                                                (dilation, dilation))
                        assert nearest_fitting_padding(window, 0) == _nearest_by_search(window, 0), \
                            (n, kernel, dilation, stride, padding)


@pytest.mark.parametrize("width", [1, 2, 3, 9, 1029, 1030, 1100, 2500])
def test_gaussian_of_any_width_is_the_binomial_row(width):
    """C(n-1, k) / 2^(n-1) computed exactly with Python's integers (the old float convolution gave all
    zeros at 1,029 and NaN at 1,100)."""
    exact = np.array([math.comb(width - 1, k) / 2 ** (width - 1) for k in range(width)])
    row = _binomial(width)
    assert np.isfinite(row).all() and row.sum() == pytest.approx(1.0, abs=1e-12)
    significant = exact > 1e-300
    np.testing.assert_allclose(row[significant], exact[significant], rtol=1e-9)
    assert np.all(row[~significant] < 1e-290)


def test_a_wide_gaussian_filter_is_a_blur_not_zeros():
    kernel = make_filter("gaussian", (3, 1100))
    assert kernel.dtype == np.float32 and np.isfinite(kernel).all()
    assert kernel.sum() == pytest.approx(1.0, rel=1e-4) and kernel.max() > 0
    assert np.unravel_index(kernel.argmax(), kernel.shape) in {(1, 549), (1, 550)}
