"""Hand-made filters: the classic image-processing kernels a class can recognise on the webcam.

Kernels are written for torch's cross-correlation (what ``nn.Conv2d`` computes), so ``sobel_x`` is
positive where the image gets brighter to the right. Sizes other than 3x3: identity, box blur and
gaussian are built for any size; the others sit in the centre of a larger kernel, zeros around.
"""

from __future__ import annotations

import numpy as np

from convviz.core.errors import SpecError

_THREE_BY_THREE: dict[str, list[list[float]]] = {
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "prewitt_x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "prewitt_y": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}

FILTER_TITLES: dict[str, str] = {
    "identity": "Identity (copies the input)",
    "box_blur": "Box blur (mean of the window)",
    "gaussian": "Gaussian blur (binomial weights)",
    "sharpen": "Sharpen",
    "sobel_x": "Sobel x (vertical edges)",
    "sobel_y": "Sobel y (horizontal edges)",
    "prewitt_x": "Prewitt x (vertical edges)",
    "prewitt_y": "Prewitt y (horizontal edges)",
    "laplacian": "Laplacian (edges in every direction)",
    "outline": "Outline (8-neighbour Laplacian)",
    "emboss": "Emboss",
}

FILTER_NAMES: tuple[str, ...] = tuple(FILTER_TITLES)


def _binomial(n: int) -> np.ndarray:
    """Row n - 1 of Pascal's triangle divided by its sum 2^(n-1): the binomial weights C(n-1, k) / 2^(n-1),
    float64, for any n >= 1.

    Worked in logarithms (log C(n-1, k+1) - log C(n-1, k) = log((n-1-k)/(k+1))), shifted so the centre is
    exp(0): the integers themselves overflow float64 from n = 1,030 (the old repeated convolution gave
    all zeros there, then NaN), and 2^(n-1) underflows. Tails far below the centre underflow to 0 as they
    should. O(n) time and memory."""
    if n <= 1:
        return np.ones(1)
    k = np.arange(n - 1, dtype=np.float64)
    log_row = np.concatenate(([0.0], np.cumsum(np.log((n - 1 - k) / (k + 1)))))
    row = np.exp(log_row - log_row.max())
    row = (row + row[::-1]) / 2  # exactly symmetric (the running sum drifts by a few ulps)
    return row / row.sum()


def check_filter(name: str, size: tuple[int, int]) -> None:
    """SpecError if ``make_filter(name, size)`` would refuse; builds nothing (a 100,000 x 100,000 gaussian
    is checked in microseconds, never allocated)."""
    height, width = size
    if name in ("identity", "box_blur", "gaussian"):
        return
    if name in _THREE_BY_THREE:
        if height < 3 or width < 3:
            raise SpecError(f"the {name} filter needs a kernel of at least 3x3, not {height}x{width}")
        return
    raise SpecError(f"unknown filter {name!r}; choose from {', '.join(FILTER_NAMES)}")


def make_filter(name: str, size: tuple[int, int]) -> np.ndarray:
    """The 2-D kernel ``name`` with ``size = (height, width)`` as float32.

    Raises SpecError if the filter is unknown or needs a bigger kernel (e.g. sobel_x at 1x1).
    """
    check_filter(name, size)
    height, width = size
    # built in float32 from the start: a big kernel is not held twice (float64, then its float32 copy)
    if name == "identity":
        kernel = np.zeros((height, width), dtype=np.float32)
        kernel[(height - 1) // 2, (width - 1) // 2] = 1.0
    elif name == "box_blur":
        kernel = np.full((height, width), 1.0 / (height * width), dtype=np.float32)
    elif name == "gaussian":
        kernel = np.outer(_binomial(height).astype(np.float32), _binomial(width).astype(np.float32))
    else:
        kernel = np.zeros((height, width), dtype=np.float32)
        top, left = (height - 3) // 2, (width - 3) // 2
        kernel[top:top + 3, left:left + 3] = _THREE_BY_THREE[name]
    return kernel
