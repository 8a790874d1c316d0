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
    row = np.array([1.0])
    for _ in range(n - 1):
        row = np.convolve(row, [1.0, 1.0])
    return row / row.sum()


def make_filter(name: str, size: tuple[int, int]) -> np.ndarray:
    """The 2-D kernel ``name`` with ``size = (height, width)`` as float32.

    Raises SpecError if the filter is unknown or needs a bigger kernel (e.g. sobel_x at 1x1).
    """
    height, width = size
    if name == "identity":
        kernel = np.zeros((height, width))
        kernel[(height - 1) // 2, (width - 1) // 2] = 1.0
    elif name == "box_blur":
        kernel = np.full((height, width), 1.0 / (height * width))
    elif name == "gaussian":
        kernel = np.outer(_binomial(height), _binomial(width))
    elif name in _THREE_BY_THREE:
        if height < 3 or width < 3:
            raise SpecError(f"the {name} filter needs a kernel of at least 3x3, not {height}x{width}")
        kernel = np.zeros((height, width))
        top, left = (height - 3) // 2, (width - 3) // 2
        kernel[top:top + 3, left:left + 3] = _THREE_BY_THREE[name]
    else:
        raise SpecError(f"unknown filter {name!r}; choose from {', '.join(FILTER_NAMES)}")
    return kernel.astype(np.float32)
