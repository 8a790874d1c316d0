"""Image files: read with OpenCV (16-bit and alpha kept), imageio for what OpenCV cannot decode."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from convviz.core.errors import ImageError
from convviz.sources.base import StillSource

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm", ".pnm")


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """The picture in ``path`` as an array (H x W grey, or H x W x 3/4 in RGB(A) order).

    Raises ImageError with a message for the user: missing file, a folder, not an image.
    """
    path = Path(path)
    if path.is_dir():
        raise ImageError(f"{path} is a folder, not an image")
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise ImageError(f"cannot read {path}: {error.strerror or error}") from None
    if data.size == 0:
        raise ImageError(f"{path.name} is empty, not an image")
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        image = _read_with_imageio(path)
    elif image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 1:
        raise ImageError(f"{path.name} has no pixels convviz can show")
    return image


def _read_with_imageio(path: Path) -> np.ndarray:
    try:
        import imageio.v3 as iio

        image = np.asarray(iio.imread(path, index=0, plugin="pillow"))
    except Exception:  # imageio raises many kinds for undecodable data
        raise ImageError(f"{path.name} is not an image convviz can read (corrupt, or an unknown format)") from None
    if image.ndim == 3 and image.shape[2] > 4:
        raise ImageError(f"{path.name} is not an image convviz can read")
    return image


class ImageSource(StillSource):
    """One image file; the file is read when the source is made (errors surface at once)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        super().__init__(read_image(self.path), self.path.name)
