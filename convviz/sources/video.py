"""Video files through OpenCV: looped, paced to the file's frame rate (like a camera) or as fast as
they decode (benchmarks). A video also stands in for a webcam in tests and benchmarks.

Frames are decoded one ahead on a decoder thread, so decoding the next frame overlaps the network's
work on this one (OpenCV releases the GIL while it decodes).
"""

from __future__ import annotations

import os
import queue
import time
from pathlib import Path

import cv2

from convviz.core.errors import SourceError
from convviz.sources.base import CaptureThreadSource, Frame

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
_END = object()


class VideoSource(CaptureThreadSource):
    """Frames of a video file, RGB. ``paced``: no faster than the file's fps; ``loop``: start over at
    the end (otherwise the end is a SourceError)."""

    def __init__(self, path: str | os.PathLike[str], paced: bool = True, loop: bool = True):
        super().__init__()
        self.path = Path(path)
        self.name = self.path.name
        self.paced = paced
        self.loop = loop
        self.fps = 25.0
        self.index = 0
        self._next_time = 0.0
        self._queue: queue.Queue = queue.Queue(maxsize=2)

    def open(self) -> None:
        if self.path.is_dir():
            raise SourceError(f"{self.path} is a folder, not a video")
        if not self.path.is_file():
            raise SourceError(f"cannot open {self.path}: no such file")
        if not os.access(self.path, os.R_OK):
            raise SourceError(f"cannot open {self.path}: permission denied")
        self.close()
        capture = cv2.VideoCapture(str(self.path))
        ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok or first is None:
            capture.release()
            raise SourceError(f"{self.path.name} is not a video convviz can decode")
        capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1.0 <= fps <= 240.0 else 25.0
        self.index = 0
        self._next_time = time.monotonic()
        self._queue = queue.Queue(maxsize=2)
        self._start_reading(capture, self._decode_loop, "convviz-video")

    def _decode_loop(self) -> None:
        capture = self.capture
        assert capture is not None
        while self._running:
            start = time.perf_counter()
            ok, frame = capture.read()
            if not ok and self.loop:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = capture.read()
            item: object
            if ok:
                item = (cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), (time.perf_counter() - start) * 1000.0)
            else:
                item = _END
            while self._running:
                try:
                    self._queue.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if item is _END:
                return

    def read(self) -> Frame:
        if self.capture is None:
            self.open()
        if self.paced:
            delay = self._next_time - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing like a camera, not synchronisation
            self._next_time = max(self._next_time + 1.0 / self.fps, time.monotonic() - 0.5)
        try:
            item = self._queue.get(timeout=5.0)
        except queue.Empty:
            raise SourceError(f"{self.name} stopped decoding") from None
        if item is _END:
            self._queue.put(_END)  # stays ended for later reads
            raise SourceError(f"{self.name} has ended" if not self.loop else f"{self.name} stopped decoding")
        rgb, capture_ms = item
        self.index += 1
        return Frame(rgb, self.index, capture_ms=capture_ms)


__all__ = ["VIDEO_SUFFIXES", "VideoSource"]
