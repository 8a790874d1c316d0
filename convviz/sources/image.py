"""Image files: read with OpenCV (16-bit and alpha kept), Pillow (through imageio) for what OpenCV
cannot decode; turned upright by their EXIF orientation (portrait phone photos are stored sideways).

The size a file declares is read from its header before anything is decoded: a 68-byte PNG can
declare 60000x60000 pixels, and a real 30000x30000 PNG took 5 GB and froze the window for 14 s.
Pictures beyond ``MAX_PIXELS`` are refused with the figure; pictures merely big (more than
``REDUCE_ABOVE`` pixels, a 12000x9000 photo) are decoded at 1/2, 1/4 or 1/8 of their size (JPEG
shrinks while it decodes; other formats are shrunk right after).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from convviz.core.errors import ImageError
from convviz.core.preprocess import to_rgb8
from convviz.core.reading import regular_file
from convviz.sources.base import Frame, FrameSource
from convviz.sources.headers import PictureHeader, memory_text, read_picture_header

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm", ".pnm")
MAX_PIXELS = 150_000_000  # refused beyond: 150 megapixels (e.g. 15000x10000)
MAX_FILE_BYTES = 1 << 30  # the whole file is read into memory to be decoded
REDUCE_ABOVE = 4096 * 4096  # decoded at 1/2, 1/4 or 1/8 beyond: the network sees a few hundred pixels
_REDUCED_COLOUR = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
_REDUCED_GREY = {2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
                 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}
# Pillow's modes: (channels, bytes per sample) once decoded, for the memory figure
_PILLOW_MODES = {"1": (1, 1), "L": (1, 1), "P": (3, 1), "RGB": (3, 1), "RGBA": (4, 1), "LA": (4, 1),
                 "I;16": (1, 2), "I": (1, 4), "F": (1, 4), "CMYK": (4, 1), "YCbCr": (3, 1)}


class NotAPictureError(ImageError):
    """The file is no picture convviz can identify (it may still be a video)."""


@dataclass(frozen=True)
class DecodedImage:
    """A decoded picture: ``pixels`` H x W grey or H x W x 3/4 RGB(A), upright; ``reduction`` is 1, 2,
    4 or 8 (the picture was decoded at 1/reduction of its size); ``header`` what the file declared."""

    pixels: np.ndarray
    header: PictureHeader
    reduction: int = 1

    def note(self) -> str:
        """What was done to the picture, in words ("" if nothing), e.g. "12000x9000 read at 1/4"; the
        input panel adds the size it got ("3000x2250, scaled x0.213")."""
        if self.reduction == 1:
            return ""
        full_width, full_height = self.header.upright
        return f"{full_width}x{full_height} read at 1/{self.reduction}"


def reduction_for(pixels: int) -> int:
    """1, 2, 4 or 8: the smallest shrink that brings ``pixels`` to at most REDUCE_ABOVE (8 at most)."""
    for factor in (1, 2, 4):
        if pixels <= REDUCE_ABOVE * factor * factor:
            return factor
    return 8


def _too_big(name: str, header: PictureHeader) -> ImageError:
    return ImageError(f"{name} is {header.width}x{header.height} pixels ({header.pixels / 1e6:.0f} megapixels, "
                      f"{memory_text(header.decoded_bytes)} to decode); convviz opens pictures up to "
                      f"{MAX_PIXELS // 1_000_000} megapixels (e.g. 15000x10000). Open a smaller copy.")


def check_image(path: str | os.PathLike[str]) -> PictureHeader:
    """What the picture in ``path`` declares, read from its header only (cheap: call it on any
    thread). ImageError in words: missing, a folder, a pipe or device, empty, over MAX_FILE_BYTES,
    not a picture, or more than MAX_PIXELS."""
    regular_file(path, "an image", ImageError, limit=MAX_FILE_BYTES)  # nothing that is not a file
    path = Path(path)
    try:
        header = read_picture_header(path)
    except OSError as error:
        raise ImageError(f"cannot read {path.name}: {error.strerror or error}") from None
    if header is None:
        header = _pillow_header(path)
    if header.width < 1 or header.height < 1:
        raise ImageError(f"{path.name} has no pixels convviz can show")
    if header.pixels > MAX_PIXELS:
        raise _too_big(path.name, header)
    return header


def _pillow_header(path: Path) -> PictureHeader:
    """The header of a format headers.py does not read (ICO, TGA, PSD, ...), through Pillow, which
    reads only the header when it opens a file."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as picture:
                width, height = picture.size
                channels, depth = _PILLOW_MODES.get(picture.mode, (3, 1))
                orientation = int(picture.getexif().get(0x0112, 1))
                kind = picture.format or "image"
    except Image.DecompressionBombError:
        raise ImageError(f"{path.name} declares more than {2 * (Image.MAX_IMAGE_PIXELS or 0) / 1e6:.0f} megapixels; "
                         f"convviz opens pictures up to {MAX_PIXELS // 1_000_000} megapixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, EOFError):
        raise NotAPictureError(f"{path.name} is not an image convviz can read "
                               "(corrupt, or an unknown format)") from None
    return PictureHeader(kind, width, height, channels, depth, orientation if 1 <= orientation <= 8 else 1)


def decode_image(path: str | os.PathLike[str]) -> DecodedImage:
    """The picture in ``path``, upright, reduced if it is big (slow for big pictures: call it off the
    GUI thread). ImageError with a message for the user."""
    header = check_image(path)
    path = Path(path)
    reduction = reduction_for(header.pixels)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise ImageError(f"cannot read {path.name}: {error.strerror or error}") from None
    except MemoryError:
        raise ImageError(f"{path.name} is too big to read into memory") from None
    image = _decode_with_opencv(data, header, reduction)
    if image is None:
        image = _read_with_imageio(path)
    del data
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 1:
        raise ImageError(f"{path.name} has no pixels convviz can show")
    target = (-(-header.width // reduction), -(-header.height // reduction))  # rounded up, like libjpeg
    if reduction > 1 and (image.shape[1], image.shape[0]) != target:
        image = cv2.resize(image, target, interpolation=cv2.INTER_AREA)  # keeps 16-bit and alpha
    return DecodedImage(upright(image, header.orientation), header, reduction)


def _decode_with_opencv(data: np.ndarray, header: PictureHeader, reduction: int) -> np.ndarray | None:
    """OpenCV's decode in RGB(A) order, or None if OpenCV cannot read this file. A big JPEG is
    shrunk by libjpeg while it decodes (never whole in memory)."""
    if reduction > 1 and header.format == "JPEG":
        table = _REDUCED_GREY if header.channels == 1 else _REDUCED_COLOUR
        flags = table[reduction] | cv2.IMREAD_IGNORE_ORIENTATION  # turned upright below, once
    else:
        flags = cv2.IMREAD_UNCHANGED  # 16-bit and alpha kept; orientation ignored
    try:
        image = cv2.imdecode(data, flags)
    except cv2.error:  # OpenCV 5 raises for what it cannot take, where 4 returned None
        return None
    if image is None:
        return None
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return image


def _read_with_imageio(path: Path) -> np.ndarray:
    try:
        import imageio.v3 as iio
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = np.asarray(iio.imread(path, index=0, plugin="pillow"))
    except MemoryError:
        raise ImageError(f"{path.name} is too big to decode in the memory there is") from None
    except Exception:  # imageio raises many kinds for undecodable data
        raise ImageError(f"{path.name} is not an image convviz can read (corrupt, or an unknown format)") from None
    if image.ndim == 3 and image.shape[2] > 4:
        raise ImageError(f"{path.name} is not an image convviz can read")
    return image


def upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """``image`` (rows first) turned by its EXIF orientation (1-8) into the picture as it was taken:
    6 is a phone held upright (stored turned a quarter to the left, turned back to the right here)."""
    if orientation == 2:
        image = image[:, ::-1]
    elif orientation == 3:
        image = image[::-1, ::-1]
    elif orientation == 4:
        image = image[::-1]
    elif orientation == 5:
        image = image.swapaxes(0, 1)
    elif orientation == 6:
        image = np.rot90(image, -1)
    elif orientation == 7:
        image = image[::-1, ::-1].swapaxes(0, 1)
    elif orientation == 8:
        image = np.rot90(image, 1)
    return np.ascontiguousarray(image)


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """The picture in ``path`` as an array (H x W grey, or H x W x 3/4 in RGB(A) order), upright and
    reduced if big. Raises ImageError with a message for the user (see check_image)."""
    return decode_image(path).pixels


class ImageSource(FrameSource):
    """One image file. The header is checked when the source is made (a missing, huge or non-image
    file fails at once); the picture is decoded by ``open()``, which the pipeline calls on its worker
    thread (a big photo takes a while and must not freeze the window)."""

    live = False

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.name = self.path.name
        self.header = check_image(self.path)
        self.image: np.ndarray | None = None
        self.note = ""

    def remembered(self) -> dict[str, Any]:
        return {"kind": "image", "path": str(self.path.resolve())}

    def open(self) -> None:
        if self.image is not None:
            return
        decoded = decode_image(self.path)
        image = to_rgb8(decoded.pixels)
        image.setflags(write=False)
        self.note = decoded.note()
        self.image = image

    def read(self) -> Frame:
        if self.image is None:
            self.open()
        assert self.image is not None
        return Frame(self.image, 0)

    def describe(self) -> str:
        return f"{self.name} ({self.note})" if self.note else self.name
