"""Clips for slides: frames held in memory (compressed), written to GIF or MP4 off the GUI thread.

The file appears only when it is complete: frames go to a hidden temporary file beside the target,
renamed at the end; on cancel or error the temporary file is removed and the target never exists.
The recording stays in memory, so after "disk full" or "folder not writable" it can be saved elsewhere.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from convviz.core.errors import ConvvizError

CLIP_SUFFIXES = (".gif", ".mp4")


class ExportError(ConvvizError):
    """A frame or clip that could not be written (the message says where and why)."""


class Cancelled(ConvvizError):
    """The user cancelled the export."""


@dataclass
class Recording:
    """Frames captured for a clip, kept PNG-compressed in memory (a window grab is ~10x smaller).

    All frames are H x W x 3 uint8 RGB of one size; ``fps`` is the playback rate.
    """

    fps: float = 10.0
    frames: list[bytes] = field(default_factory=list)
    size: tuple[int, int] | None = None  # (height, width)

    def add(self, rgb: np.ndarray) -> None:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError("frames must be H x W x 3 uint8 RGB")
        if self.size is None:
            self.size = rgb.shape[:2]
        elif rgb.shape[:2] != self.size:
            rgb = cv2.resize(rgb, (self.size[1], self.size[0]), interpolation=cv2.INTER_AREA)
        ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:  # pragma: no cover - OpenCV always encodes uint8 RGB
            raise ExportError("could not keep the frame in memory")
        self.frames.append(png.tobytes())

    def __len__(self) -> int:
        return len(self.frames)

    def frame(self, index: int) -> np.ndarray:
        data = np.frombuffer(self.frames[index], np.uint8)
        return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

Progress = Callable[[int, int], None]  # (frames written, total)


def _temporary_path(target: Path) -> Path:
    # keep the suffix: OpenCV picks the container from it
    return target.with_name(f".{target.stem}.partial{target.suffix}")


def _check_folder(target: Path) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"cannot save {target.name}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"cannot save {target.name}: the folder {folder} is not writable; "
                          "the recording is kept, save it somewhere else")


def write_clip(recording: Recording, target: str | os.PathLike[str], progress: Progress | None = None,
               cancel: threading.Event | None = None) -> Path:
    """Write ``recording`` to ``target`` (.gif or .mp4). Raises ExportError or Cancelled; on either,
    no file is left behind (neither the target nor the temporary file)."""
    steps = clip_steps(recording, target)
    try:
        while True:
            done, total = next(steps)
            if progress is not None:
                progress(done, total)
            if cancel is not None and cancel.is_set():
                steps.close()  # removes the temporary file
                raise Cancelled("export cancelled")
    except StopIteration as finished:
        return finished.value


def clip_steps(recording: Recording, target: str | os.PathLike[str]) -> Generator[tuple[int, int], None, Path]:
    """The clip writer as a generator: yields (frames written, total) and returns the saved path.

    Closing it early (cancel; superqt's worker does this on quit) removes the temporary file.
    """
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix not in CLIP_SUFFIXES:
        raise ExportError(f"clips are saved as {' or '.join(CLIP_SUFFIXES)}, not {suffix or 'no extension'}")
    if not recording.frames:
        raise ExportError("the recording has no frames")
    _check_folder(target)
    temporary = _temporary_path(target)
    try:
        temporary.touch()  # fails early and plainly ("Permission denied") where the encoders would not
        if suffix == ".gif":
            yield from _write_gif(recording, temporary)
        else:
            yield from _write_mp4(recording, temporary)
        os.replace(temporary, target)
    except OSError as error:
        _remove(temporary)
        reason = "the disk is full" if error.errno == 28 else (error.strerror or str(error))
        raise ExportError(f"cannot save {target.name}: {reason}; the recording is kept, save it somewhere else"
                          ) from None
    except BaseException:  # cancel (GeneratorExit), or anything unexpected: never leave a partial file
        _remove(temporary)
        raise
    return target


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _write_gif(recording: Recording, path: Path) -> Generator[tuple[int, int], None, None]:
    import imageio.v3 as iio

    total = len(recording)
    frames = []
    for index in range(total):
        frames.append(recording.frame(index))
        yield (index + 1, total)
    with iio.imopen(path, "w", plugin="pillow", extension=".gif") as file:
        file.write(np.stack(frames), duration=round(1000.0 / recording.fps), loop=0, is_batch=True)


def _write_mp4(recording: Recording, path: Path) -> Generator[tuple[int, int], None, None]:
    height, width = recording.size or (0, 0)
    even = (width - width % 2, height - height % 2)  # mp4v wants even sizes
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), float(recording.fps), even)
    if not writer.isOpened():
        raise OSError(5, f"OpenCV could not open an MP4 writer for {path.name}")
    total = len(recording)
    try:
        for index in range(total):
            frame = recording.frame(index)[: even[1], : even[0]]
            writer.write(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))
            yield (index + 1, total)
    finally:
        writer.release()
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(5, "the video encoder wrote nothing")
