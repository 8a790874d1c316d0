"""Video files through OpenCV: looped, paced to the file's frame rate (like a camera) or as fast as
they decode (benchmarks). A video also stands in for a webcam in tests and benchmarks.

Frames are decoded one ahead on a decoder thread that owns the capture (see base.Reader), so
decoding the next frame overlaps the network's work on this one (OpenCV releases the GIL while it
decodes). Before a single frame is decoded, the frame size the file declares is checked: a 4 MB
MJPEG file can declare 16000x16000 frames, and decoding one took gigabytes and crashed the app.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from convviz.core.errors import SourceError
from convviz.core.reading import regular_file
from convviz.sources.base import CaptureThreadSource, Frame, Handover, Reader
from convviz.sources.headers import memory_text, read_picture_header, read_video_frame_size

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
MAX_FRAME_SIDE = 4096  # frames up to 4096x4096 (16.8 megapixels, 50 MB each as BGR)


def check_frame_size(name: str, width: int, height: int) -> None:
    """SourceError with the figure if frames of ``width`` x ``height`` are more than convviz takes."""
    if width * height > MAX_FRAME_SIDE * MAX_FRAME_SIDE:
        raise SourceError(f"{name} has {width}x{height} frames ({memory_text(width * height * 3)} each); "
                          f"convviz takes videos up to {MAX_FRAME_SIDE}x{MAX_FRAME_SIDE}")


def declared_frame_size(path: Path) -> tuple[int, int] | None:
    """The frame size (width, height) the file's header declares: an AVI or MP4/MOV container, or a
    still picture given as a video. None if the header says nothing this module can read."""
    size = read_video_frame_size(path)
    if size is None:
        header = read_picture_header(path)
        if header is not None:
            size = (header.width, header.height)
    return size


def _backend() -> int:
    """FFmpeg when OpenCV has it: CAP_ANY would also try OpenCV's image-sequence reader, which takes
    a name with a % in it for a pattern of files."""
    has_ffmpeg = cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG)
    return cv2.CAP_FFMPEG if has_ffmpeg else cv2.CAP_ANY


def _read(capture: cv2.VideoCapture) -> np.ndarray | None:
    try:
        ok, frame = capture.read()
    except cv2.error:  # a corrupt frame can raise instead of returning False
        return None
    return frame if ok and frame is not None and frame.size else None


class VideoSource(CaptureThreadSource):
    """Frames of a video file, RGB. ``paced``: no faster than the file's fps; ``loop``: start over at
    the end (otherwise the end is a SourceError). A file with a single frame (a still picture given
    as a video) is that picture for ever when looped; ``ready_timeout`` is how long open() waits for
    the first frame."""

    def __init__(self, path: str | os.PathLike[str], paced: bool = True, loop: bool = True,
                 ready_timeout: float = 10.0):
        super().__init__()
        self.path = Path(path)
        self.name = self.path.name
        self.paced = paced
        self.loop = loop
        self.ready_timeout = ready_timeout
        self.fps = 25.0
        self._next_time = 0.0

    @property
    def device(self) -> tuple[str, object]:
        return ("file", str(self.path.resolve()))

    def remembered(self) -> dict[str, Any]:
        return {"kind": "video", "path": str(self.path.resolve())}

    def check(self) -> None:
        """The cheap checks open() starts with, also for a command line to fail at once: a regular
        file (not a folder, pipe or device) whose header declares frames convviz can take."""
        regular_file(self.path, "a video", SourceError)
        try:
            size = declared_frame_size(self.path)
        except OSError as error:
            raise SourceError(f"cannot read {self.name}: {error.strerror or error}") from None
        if size is not None:
            check_frame_size(self.name, *size)

    def open(self) -> None:
        """Check the file, start decoding and wait for the first frame (SourceError if it cannot)."""
        self.check()
        handover = Handover(capacity=2)
        reader = self._start_reading(lambda reader: self._decode_loop(reader, handover), handover,
                                     "convviz-video", self.ready_timeout,
                                     f"{self.name} gave no frame within {self.ready_timeout:g} s")
        fps = reader.frames_per_second
        self.fps = fps if fps and 1.0 <= fps <= 240.0 else 25.0
        self._next_time = time.monotonic()

    # ---- on the decoder thread ----------------------------------------------------------------------
    def _open_capture(self, reader: Reader) -> cv2.VideoCapture:
        """A capture on the file, its declared frame size checked before anything is decoded."""
        capture = reader.own(cv2.VideoCapture(str(self.path), _backend()))
        if not capture.isOpened():
            raise SourceError(f"{self.name} is not a video convviz can decode")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if width > 0 and height > 0:
            check_frame_size(self.name, width, height)
        return capture

    def _decode_loop(self, reader: Reader, handover: Handover) -> None:
        capture = self._open_capture(reader)
        start = time.perf_counter()
        frame = _read(capture)
        if frame is None:
            raise SourceError(f"{self.name} is not a video convviz can decode")
        check_frame_size(self.name, frame.shape[1], frame.shape[0])  # a header that said nothing
        reader.frame_size = (frame.shape[1], frame.shape[0])
        reader.frames_per_second = capture.get(cv2.CAP_PROP_FPS)
        number, in_pass = 1, 1  # frames handed over; frames since the file (re)started
        item = (cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), number, (time.perf_counter() - start) * 1000.0)
        handover.put(item)
        reader.ready.set()
        while not reader.stop.is_set():
            start = time.perf_counter()
            frame = _read(capture)
            if frame is None:  # the end of the file (or a frame that does not decode)
                if not self.loop:
                    handover.finish(f"{self.name} has ended")
                    return
                if in_pass == 1:  # one frame: a still picture, shown for as long as it is asked for
                    self._repeat(item[0], number, handover)
                    return
                capture, frame = self._rewind(reader, capture)
                if frame is None:
                    handover.finish(f"{self.name} stopped decoding after {number} frames")
                    return
                in_pass = 0
            number += 1
            in_pass += 1
            item = (cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), number, (time.perf_counter() - start) * 1000.0)
            if not handover.put(item):
                return

    def _rewind(self, reader: Reader, capture: cv2.VideoCapture) -> tuple[cv2.VideoCapture, np.ndarray | None]:
        """Back to the first frame: seek, or (files that cannot seek) open the file again."""
        capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        frame = _read(capture)
        if frame is None and not reader.stop.is_set():
            reader.release(capture)
            capture = self._open_capture(reader)
            frame = _read(capture)
        return capture, frame

    @staticmethod
    def _repeat(rgb: np.ndarray, number: int, handover: Handover) -> None:
        rgb.setflags(write=False)  # the same array goes out every time
        while handover.put((rgb, number + 1, 0.0)):
            number += 1

    # ---- on the caller's thread ---------------------------------------------------------------------
    def read(self) -> Frame:
        if self.paced:
            delay = self._next_time - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing like a camera, not synchronisation
            self._next_time = max(self._next_time + 1.0 / self.fps, time.monotonic() - 0.5)
        rgb, number, capture_ms = self._take(5.0, f"{self.name} stopped decoding")
        return Frame(rgb, number, capture_ms=capture_ms)


__all__ = ["MAX_FRAME_SIDE", "VIDEO_SUFFIXES", "VideoSource", "check_frame_size", "declared_frame_size"]
