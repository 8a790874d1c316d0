"""Toy inputs for the lecture's tiny grids (7x7, 8x8): a test card squeezed to 7x7 pixels is noise,
so small networks on the built-in input get a clean pattern with round numbers instead: a bright
blob (edges in every direction) on a faint texture, values with one decimal so a dot product can be
followed by hand."""

from __future__ import annotations

import numpy as np

from convviz.core.preprocess import Prepared
from convviz.core.spec import InputSpec

TOY_LIMIT = 16  # inputs up to 16x16 get the toy pattern instead of the test card
TOY_NOTE = "toy pattern"  # how a prepared input says it is the toy pattern (first words of its note)


def toy_pattern(height: int, width: int) -> np.ndarray:
    """(height, width) float32 values in {0.0, 0.1, ..., 1.0}: a lit ball right of centre (0.5 to
    1.0, brightest up and to the right, so most pooling windows on it have one clear winner) on a
    texture of 0.0-0.4."""
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    cy, cx = (height - 1) / 2, (width - 1) / 2 + width / 8
    radius = 0.3 * min(height, width)
    disc = (rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2 + 0.5
    highlight = np.sqrt((rows - cy + 0.7) ** 2 + (cols - cx - 0.45) ** 2)  # off the pixel grid: few ties
    texture = ((rows * 7 + cols * 3) % 5) / 10.0
    pattern = np.where(disc, np.clip(1.0 - 0.12 * np.maximum(highlight - 0.3, 0), 0.5, 1.0), texture)
    return np.round(pattern, 1).astype(np.float32)


def toy_prepared(input_spec: InputSpec) -> Prepared:
    """The toy pattern as the network's exact input (no 8-bit rounding), every channel the same."""
    values = toy_pattern(input_spec.height, input_spec.width)
    tensor = np.repeat(values[None], input_spec.channels, axis=0)
    grey = (values * 255 + 0.5).astype(np.uint8)
    display = np.repeat(grey[:, :, None], 3, axis=2)
    note = f"{TOY_NOTE} at {input_spec.width}x{input_spec.height} (the test card would be noise this small)"
    return Prepared(tensor, display, 1.0, (input_spec.height, input_spec.width), (note,))


def is_toy(prepared: Prepared) -> bool:
    """Whether a prepared input is the toy pattern (the input panel says so instead of 'test card')."""
    return bool(prepared.notes) and prepared.notes[0].startswith(TOY_NOTE)
