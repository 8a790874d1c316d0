"""Clips for slides: GIF and MP4 encoded one frame at a time, as the frames come.

Memory stays flat however long the clip: an encoder keeps only the frame before (a GIF frame stores
only the rectangle that changed since it). Frames are H x W x 3 uint8 RGB, rows first; a frame of
another size than the first is resized to it. Each frame comes with how long it is shown (seconds):
a GIF stores that per frame (in hundredths of a second), an MP4 has one frame rate and shows a long
frame as repeats, so both play at the speed they were recorded.

- GIF: Pillow, each frame (or its changed rectangle) quantised to its own palette of 256 colours
  (fast octree, no dithering: cells stay flat colours), looping forever.
- MP4: OpenCV's ``mp4v`` (OpenCV here has no H.264), even width and height (the last odd row or
  column is dropped).

Writing to the final name, checking and the "Save last recording as..." copy are in ``save_clip_steps``;
the thread that feeds an encoder is ``convviz.export.recorder``. No Qt here.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

import cv2
import numpy as np

from convviz.core.atomic import full_disk, replace_with_steps
from convviz.core.errors import ConvvizError
from convviz.export.checks import check_clip_steps, same_bytes_steps

CLIP_SUFFIXES = (".gif", ".mp4")
MIN_GIF_CENTISECONDS = 2  # browsers show shorter GIF frames for 0.1 s
FPS_RANGE = (2.0, 30.0)  # what an MP4 recorded at an unknown rate is clamped to
MAX_SIDE = {".gif": 65_535, ".mp4": 8_190}  # pixels: GIF stores sizes in 16 bits; MPEG-4 part 2 (mp4v) < 8192


class ExportError(ConvvizError):
    """A frame or clip that cannot be made (the message says what and why)."""


class Cancelled(ConvvizError):
    """The user cancelled the export."""


class Progress(NamedTuple):
    """How far a long step is: ``stage`` ("encoding", "checking", "copying"), ``done`` of ``total``."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class ClipInfo:
    """A finished clip file: how many frames it has, of what size (width, height), how long it plays."""

    path: Path
    frames: int
    size: tuple[int, int]
    seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 10.0


def check_clip_name(target: str | os.PathLike[str]) -> Path:
    target = Path(target)
    if target.suffix.lower() not in CLIP_SUFFIXES:
        raise ExportError(f"clips are saved as {' or '.join(CLIP_SUFFIXES)}, not {target.suffix or 'no extension'}")
    return target


def check_clip_size(target: str | os.PathLike[str], size: tuple[int, int]) -> None:
    """ExportError if a clip of ``size`` (width, height) cannot be stored in ``target``'s format."""
    suffix = Path(target).suffix.lower()
    largest = MAX_SIDE.get(suffix)
    if largest is not None and max(size) > largest:
        kind, other = ("an MP4", " (a GIF can be larger)") if suffix == ".mp4" else ("a GIF", "")
        raise ExportError(f"the frames are {size[0]}x{size[1]} pixels, but {kind} can be at most {largest:,} "
                          f"pixels a side{other}; use a smaller scale or window")


class ClipStream(Protocol):
    """An encoder that takes one frame at a time. ``frames`` and ``size`` (width, height) say what the
    file holds so far."""

    path: Path
    frames: int
    size: tuple[int, int] | None
    seconds: float

    def add(self, rgb: np.ndarray, seconds: float) -> None: ...

    def close(self) -> None: ...


def open_stream(path: Path, fps: float) -> ClipStream:
    """The encoder for ``path``'s suffix; ``fps`` is the MP4's frame rate (a GIF times each frame)."""
    suffix = path.suffix.lower()
    if suffix.endswith(".gif"):
        return GifStream(path)
    if suffix.endswith(".mp4"):
        return Mp4Stream(path, fps)
    raise ExportError(f"clips are saved as {' or '.join(CLIP_SUFFIXES)}, not {suffix or 'no extension'}")


class _Fit:
    """Frames of the first frame's size: later frames of another size (a resized window) are scaled."""

    size: tuple[int, int] | None = None  # (width, height)

    def fit(self, rgb: np.ndarray) -> np.ndarray:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError("clip frames must be H x W x 3 uint8 RGB")
        if self.size is None:
            self.size = (rgb.shape[1], rgb.shape[0])
        elif (rgb.shape[1], rgb.shape[0]) != self.size:
            rgb = cv2.resize(rgb, self.size, interpolation=cv2.INTER_AREA)
        return rgb


def changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int] | None:
    """The smallest (left, top, right, bottom) pixel box holding every pixel that differs; None if none."""
    changed = np.any(before != after, axis=2)
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(changed[rows[0]:rows[-1] + 1].any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


class GifStream(_Fit):
    """A GIF written frame by frame: header and global palette from the first frame, then each frame's
    changed rectangle with its own palette and duration (drawn over the frame before: disposal 1)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.frames = 0
        self.seconds = 0.0
        self._file = open(self.path, "wb")  # noqa: SIM115 (closed in close())
        self._previous: np.ndarray | None = None

    def add(self, rgb: np.ndarray, seconds: float) -> None:
        from PIL import GifImagePlugin, Image

        rgb = self.fit(rgb)
        if self._previous is None:
            check_clip_size(self.path, (rgb.shape[1], rgb.shape[0]))
        start = round(self.seconds * 100)
        self.seconds += seconds
        centiseconds = max(MIN_GIF_CENTISECONDS, round(self.seconds * 100) - start)
        first = self._previous is None
        box = (0, 0, rgb.shape[1], rgb.shape[0]) if first else changed_box(self._previous, rgb) or (0, 0, 1, 1)
        left, top, right, bottom = box
        patch = Image.fromarray(np.ascontiguousarray(rgb[top:bottom, left:right]))
        indexed = patch.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        timing = {"duration": centiseconds * 10, "disposal": 1}
        if first:
            header, _ = GifImagePlugin.getheader(indexed, info={"loop": 0, "duration": centiseconds * 10})
            chunks = header + GifImagePlugin.getdata(indexed, (0, 0), **timing)
        else:
            chunks = GifImagePlugin.getdata(indexed, (left, top), include_color_table=True, **timing)
        self._file.write(b"".join(chunks))
        self._previous = rgb
        self.frames += 1

    def close(self) -> None:
        if self._file.closed:
            return
        try:
            if self.frames:
                self._file.write(b";")  # the GIF trailer
            self._file.flush()
        finally:
            self._file.close()
            self._previous = None


class Mp4Stream(_Fit):
    """An MP4 (mp4v) at ``fps`` frames per second; a frame shown longer than 1/fps is repeated."""

    def __init__(self, path: Path, fps: float):
        self.path = Path(path)
        self.fps = float(fps)
        self.frames = 0
        self.seconds = 0.0
        self._writer: cv2.VideoWriter | None = None
        self._even: tuple[int, int] | None = None

    @property
    def written_size(self) -> tuple[int, int] | None:
        return self._even

    def add(self, rgb: np.ndarray, seconds: float) -> None:
        rgb = self.fit(rgb)
        if self._writer is None:
            width, height = self.size or (0, 0)
            self._even = (width - width % 2, height - height % 2)  # mp4v wants even sizes
            if min(self._even) < 2:
                raise ExportError("the picture is too small for a video")
            check_clip_size(self.path, self._even)
            writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, self._even)
            if not writer.isOpened():
                # OpenCV says only "not opened": say the disk is full when it is, and never name the
                # hidden temporary file the clip is written to first
                why = full_disk(self.path) or "OpenCV could not open an MP4 writer in that folder"
                raise ExportError(f"cannot write the video: {why}")
            self._writer = writer
        assert self._even is not None
        frame = cv2.cvtColor(np.ascontiguousarray(rgb[: self._even[1], : self._even[0]]), cv2.COLOR_RGB2BGR)
        self.seconds += seconds
        repeats = max(1, round(self.seconds * self.fps) - self.frames)
        for _ in range(repeats):
            self._writer.write(frame)
        self.frames += repeats

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None


def stream_size(stream: ClipStream) -> tuple[int, int]:
    """The (width, height) the file holds: an MP4's even size, a GIF's first frame's size."""
    size = getattr(stream, "written_size", None) or stream.size
    assert size is not None
    return size


# ---- into the target: checked, atomic ----------------------------------------------------------------
def save_clip_steps(clip: ClipInfo, target: str | os.PathLike[str]) -> Generator[Progress, None, Path]:
    """Put the finished, checked ``clip`` at ``target``: copied (same format) or converted (GIF <-> MP4,
    frame by frame) into a temporary file beside ``target``, checked (the copy byte for byte, a
    conversion decoded again), then renamed over it. Yields Progress; WriteError or ExportError on
    failure, and then ``target`` is as it was and no temporary file remains (also when closed early).
    """
    target = check_clip_name(target)
    if target.suffix.lower() == clip.path.suffix.lower():
        def copy(temporary: Path) -> Iterator[Progress]:
            yield from _copy_steps(clip.path, temporary)

        def same(temporary: Path) -> Iterator[Progress]:
            for done, total in same_bytes_steps(temporary, clip.path, target.name):
                yield Progress("checking", done, total)

        return (yield from replace_with_steps(target, copy, same))
    converted: list[ClipStream] = []

    def convert(temporary: Path) -> Iterator[Progress]:
        stream = open_stream(temporary, min(FPS_RANGE[1], max(FPS_RANGE[0], clip.fps)))
        converted.append(stream)
        try:
            for index, (rgb, seconds) in enumerate(read_clip(clip.path)):
                stream.add(rgb, seconds)
                yield Progress("converting", index + 1, clip.frames)
        finally:
            stream.close()

    def check(temporary: Path) -> Iterator[Progress]:
        stream = converted[0]
        for done, total in check_clip_steps(temporary, stream.frames, stream_size(stream), target.name):
            yield Progress("checking", done, total)

    return (yield from replace_with_steps(target, convert, check))


def _copy_steps(source: Path, destination: Path, chunk: int = 1 << 22) -> Iterator[Progress]:
    total = source.stat().st_size
    done = 0
    with open(source, "rb") as reader, open(destination, "wb") as writer:
        while block := reader.read(chunk):
            writer.write(block)
            done += len(block)
            yield Progress("copying", done, total)


def read_clip(path: Path) -> Iterator[tuple[np.ndarray, float]]:
    """The frames of a GIF or MP4, one at a time, as (H x W x 3 RGB, seconds shown)."""
    if path.suffix.lower() == ".gif":
        from PIL import Image

        with Image.open(path) as image:
            index = 0
            while True:
                yield np.asarray(image.convert("RGB")), image.info.get("duration", 100) / 1000.0
                index += 1
                try:
                    image.seek(index)
                except EOFError:
                    return
    capture = cv2.VideoCapture(str(path))
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) or 10.0
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), 1.0 / fps
    finally:
        capture.release()
