"""Is a file that was just written really what we meant to write? Each check decodes the file again.

Encoders do not always say when they fail: OpenCV's video writer on a full disk returns normally and
leaves an MP4 without its index (no "moov atom"), an image writer may stop midway. So every export is
read back before it replaces anything (``convviz.core.atomic.replace_with``): a PNG must decode to the
expected size, a clip to the expected number of frames of the expected size, an SVG must parse as
XML. A check raises ``WriteError`` with a reason a lecturer understands; it never changes the file.

No Qt here: the checks use Pillow and OpenCV, so the same code checks the GUI's, ``convviz render``'s
and the tests' files.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

from convviz.core.atomic import WriteError, full_disk

Size = tuple[int, int]  # (width, height) in pixels, the way image files state it


def _refuse(name: str, why: str) -> WriteError:
    return WriteError(f"cannot save {name}: {why}; nothing was changed")


def _cut_short(path: Path, name: str, what: str, error: object = None) -> WriteError:
    """A written file that does not read back: ``what`` went wrong, the decoder's words, and whether the
    disk is full (said only when it is: the file may as well be too large for the decoder)."""
    detail = str(error).strip().splitlines()[0][:120] if error is not None and str(error).strip() else ""
    full = full_disk(path)
    return _refuse(name, what + (f" ({detail})" if detail else "") + (f": {full}" if full else ""))


def check_image(path: Path, size: Size, name: str | None = None) -> None:
    """``path`` decodes completely (every pixel) to an image of ``size`` (width, height)."""
    from PIL import Image

    name = name or path.name
    if size[0] * size[1] > Image.MAX_IMAGE_PIXELS:
        found = _large_image_size(path, name)  # Pillow would refuse it as a "decompression bomb": our own file
    else:
        try:
            with Image.open(path) as image:
                image.load()
                found = image.size
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:  # truncated, broken
            raise _cut_short(path, name, "the written picture could not be read back", error) from None
    if found != tuple(size):
        raise _refuse(name, f"the written picture is {found[0]}x{found[1]} pixels, not {size[0]}x{size[1]}")


def _large_image_size(path: Path, name: str) -> tuple[int, int]:
    """(width, height) of a picture beyond Pillow's pixel limit, decoded completely by OpenCV (its own limit,
    2^30 pixels, is beyond the largest frame convviz makes)."""
    import cv2
    import numpy as np

    try:
        data = np.fromfile(path, dtype=np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    except (OSError, cv2.error, MemoryError) as error:
        raise _cut_short(path, name, "the written picture could not be read back", error) from None
    if image is None:
        raise _cut_short(path, name, "the written picture could not be read back")
    return image.shape[1], image.shape[0]


def check_svg(path: Path, name: str | None = None) -> None:
    """``path`` parses as XML with an <svg> root element."""
    name = name or path.name
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError) as error:
        raise _cut_short(path, name, "the written SVG is not complete", error) from None
    if not root.tag.endswith("svg"):
        raise _refuse(name, "the written file is not an SVG picture")


def check_clip_steps(path: Path, frames: int, size: Size, name: str | None = None) -> Iterator[tuple[int, int]]:
    """Decode every frame of the GIF or MP4 ``path``: there must be ``frames`` of them, each ``size``
    (width, height). Yields (frames decoded, ``frames``) as it goes; raises WriteError."""
    name = name or path.name
    if path.suffix.lower() == ".gif":
        yield from _check_gif(path, frames, size, name)
    else:
        yield from _check_video(path, frames, size, name)


def check_clip(path: Path, frames: int, size: Size, name: str | None = None) -> None:
    for _ in check_clip_steps(path, frames, size, name):
        pass


def _check_gif(path: Path, frames: int, size: Size, name: str) -> Iterator[tuple[int, int]]:
    from PIL import Image

    decoded = 0
    try:
        with Image.open(path) as image:
            if image.size != tuple(size):
                raise _refuse(name, f"the written clip is {image.size[0]}x{image.size[1]}, not {size[0]}x{size[1]}")
            while True:
                image.load()  # decodes this frame's pixels (and composes it over the last)
                decoded += 1
                yield decoded, frames
                try:
                    image.seek(decoded)
                except EOFError:
                    break
    except (OSError, SyntaxError, ValueError) as error:
        raise _cut_short(path, name, f"the written clip breaks off after {decoded} of {frames} frames",
                         error) from None
    if decoded != frames:
        raise _refuse(name, f"the written clip has {decoded} frames, not {frames}")


def _check_video(path: Path, frames: int, size: Size, name: str) -> Iterator[tuple[int, int]]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            raise _cut_short(path, name, "the written video cannot be opened: it is incomplete")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if (width, height) != tuple(size):
            raise _refuse(name, f"the written video is {width}x{height}, not {size[0]}x{size[1]}")
        decoded = 0
        while capture.grab():  # demuxes and decodes the next frame
            decoded += 1
            yield decoded, frames
    finally:
        capture.release()
    if decoded != frames:
        raise _cut_short(path, name, f"the written video has {decoded} frames, not {frames}")


def same_bytes_steps(copy: Path, original: Path, name: str | None = None,
                     chunk: int = 1 << 22) -> Iterator[tuple[int, int]]:
    """``copy`` holds exactly ``original``'s bytes (read back after writing). Yields (bytes compared,
    bytes in all). For a clip that was already decoded and checked where it was recorded."""
    name = name or copy.name
    total = os.path.getsize(original)
    if os.path.getsize(copy) != total:
        raise _cut_short(copy, name, "the copy is shorter than the recording")
    done = 0
    with open(copy, "rb") as first, open(original, "rb") as second:
        while True:
            a, b = first.read(chunk), second.read(chunk)
            if a != b:
                raise _refuse(name, "the copy differs from the recording (a disk error?)")
            if not a:
                break
            done += len(a)
            yield done, total
