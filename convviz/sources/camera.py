"""Webcams through OpenCV, read on their own thread so the newest frame always wins.

OpenCV's driver buffers a few frames; reading continuously on a capture thread and keeping only the
latest keeps the latency at one frame. A camera that is missing, busy or unplugged mid-stream is a
SourceError with a message for the lecturer, never a hang: reads time out.
"""

from __future__ import annotations

import glob
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

import cv2
import numpy as np

from convviz.core.errors import SourceError
from convviz.sources.base import CaptureThreadSource, Frame, Handover, Reader

# OpenCV prints its own warnings for every camera index it cannot open; convviz says it in words
if hasattr(cv2, "utils") and hasattr(cv2.utils, "logging"):
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

RESOLUTIONS = ((320, 240), (640, 480), (1280, 720), (1920, 1080))
MAX_INDEX = 63  # cameras are numbered 0..63 (Linux's /dev/video0..63)
MIN_SIZE = (16, 16)
MAX_SIZE = (7680, 4320)  # 8K: more is no camera, and a frame that size is 100 MB


class Capture(Protocol):
    """The part of cv2.VideoCapture a camera source uses (tests inject fakes with faults)."""

    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's name)
    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


def _shown(value: object) -> str:
    """A value as a message quotes it, cut short (a remembered index can be 10**30, or worse)."""
    text = repr(value) if isinstance(value, str) and not value.isdigit() else str(value)
    return text if len(text) <= 24 else text[:20] + "..."


def check_camera_index(index: object) -> int:
    """``index`` if it is a camera number convviz can open (0..63); SourceError in words otherwise.

    OpenCV takes -1 as "any camera" and raises its own overload text for 10**30; neither is wanted."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise SourceError(f"a camera is chosen by its number, 0 to {MAX_INDEX}, not {_shown(index)}")
    if not 0 <= index <= MAX_INDEX:
        raise SourceError(f"there is no camera {_shown(index)}: cameras are numbered 0 to {MAX_INDEX}")
    return index


def parse_camera_index(text: str) -> int:
    """A camera number typed by the user ("0", " 2 "); SourceError for "-1", "1e20", "abc", "99"."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise SourceError(f"a camera is chosen by its number, 0 to {MAX_INDEX}, not {_shown(text)}")
    if len(digits) > 6:  # no giant integers (and Python refuses over 4300 digits anyway)
        raise SourceError(f"there is no camera {_shown(digits)}: cameras are numbered 0 to {MAX_INDEX}")
    return check_camera_index(int(digits))


def check_camera_size(size: object) -> tuple[int, int]:
    """``size`` as (width, height) if a camera can be asked for it (16x16 to 7680x4320)."""
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in size)):
        raise SourceError(f"a camera size is a width and a height, like 1280x720, not {_shown(size)}")
    width, height = size
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise SourceError(f"a camera size must be between {MIN_SIZE[0]}x{MIN_SIZE[1]} and "
                          f"{MAX_SIZE[0]}x{MAX_SIZE[1]}, not {_shown(width)}x{_shown(height)}")
    return width, height


def parse_camera_size(text: str) -> tuple[int, int]:
    """A camera size typed by the user, "1280x720" (x or X); SourceError in words otherwise."""
    parts = text.strip().lower().split("x")
    if len(parts) != 2 or not all(p.strip().isascii() and p.strip().isdigit() for p in parts):
        raise SourceError(f"a camera size looks like 1280x720, not {_shown(text)}")
    if any(len(p.strip()) > 6 for p in parts):
        raise SourceError(f"a camera size must be between {MIN_SIZE[0]}x{MIN_SIZE[1]} and "
                          f"{MAX_SIZE[0]}x{MAX_SIZE[1]}, not {_shown(text.strip())}")
    return check_camera_size((int(parts[0]), int(parts[1])))


def open_capture(index: int) -> Capture:
    """OpenCV's capture for camera ``index`` (V4L2 on Linux: it opens fast and fails fast)."""
    if sys.platform.startswith("linux"):
        return cv2.VideoCapture(index, cv2.CAP_V4L2)
    return cv2.VideoCapture(index)


def connected_cameras() -> list[int] | None:
    """The camera numbers the system lists (Linux: the /dev/video* devices), or None where they
    cannot be known without opening each one."""
    if not sys.platform.startswith("linux"):
        return None
    found = sorted(int(path[len("/dev/video"):]) for path in glob.glob("/dev/video[0-9]*")
                   if path[len("/dev/video"):].isdigit())
    return [i for i in found if i <= MAX_INDEX]


def camera_indices(limit: int = 8) -> list[int]:
    """Indices worth trying: on Linux the /dev/video* devices that exist, elsewhere 0..limit-1."""
    found = connected_cameras()
    return list(range(limit)) if found is None else found


def probe_cameras(limit: int = 8, opener: Callable[[int], Capture] = open_capture) -> list[int]:
    """The camera indices that open and deliver a picture (slow: run it off the GUI thread)."""
    working = []
    for index in camera_indices(limit):
        capture = opener(index)
        try:
            if capture.isOpened() and capture.read()[0]:
                working.append(index)
        except cv2.error:  # a driver that raises instead of returning False
            pass
        finally:
            capture.release()
    return working


def _read(capture: Capture) -> tuple[np.ndarray | None, str]:
    """One frame (None if there was none) and the driver's complaint, if it raised one."""
    try:
        ok, frame = capture.read()
    except cv2.error as error:  # some drivers raise instead of returning False
        return None, str(error).strip().splitlines()[-1] if str(error).strip() else "driver error"
    return (frame if ok and frame is not None else None), ""


class CameraSource(CaptureThreadSource):
    """Camera ``index`` at about ``resolution`` (width, height); the newest frame wins.

    The capture is opened, read and released on the camera's own thread: a driver that hangs in
    open or read makes ``open()`` fail after ``timeout`` seconds, and never hangs ``close()``.
    ``devices`` lists the connected cameras for the message when this one is missing.
    """

    exclusive = True  # a camera is busy while another capture holds it

    def __init__(self, index: int = 0, resolution: tuple[int, int] | None = (640, 480),
                 opener: Callable[[int], Capture] = open_capture, timeout: float = 3.0,
                 devices: Callable[[], list[int] | None] = connected_cameras):
        super().__init__()
        self.index = check_camera_index(index)
        self.resolution = None if resolution is None else check_camera_size(resolution)
        self.opener = opener
        self.timeout = timeout
        self.devices = devices
        self.name = f"camera {self.index}"

    def remembered(self) -> dict[str, Any]:
        return {"kind": "camera", "index": self.index}

    @property
    def device(self) -> tuple[str, object]:
        return ("camera", self.index)

    def describe(self) -> str:
        if self.resolution is None:
            return self.name
        return f"{self.name} ({self.resolution[0]}x{self.resolution[1]})"

    def open(self) -> None:
        """Open the camera and wait for its first picture (SourceError naming the camera if it is
        missing, busy or silent for ``timeout`` s)."""
        handover = Handover(capacity=1, newest_wins=True)
        reader = self._start_reading(lambda reader: self._capture_loop(reader, handover), handover,
                                     f"convviz-camera-{self.index}", self.timeout,
                                     f"camera {self.index} did not answer within {self.timeout:g} s "
                                     "(is it busy in another program?)")
        if reader.frame_size is not None:
            self.resolution = reader.frame_size

    def _missing(self) -> str:
        """Why the camera did not open, naming the cameras there are (if the system can list them)."""
        found = self.devices()
        if found is None:
            return f"camera {self.index} is not connected, or cannot be opened"
        if self.index in found:
            return f"camera {self.index} cannot be opened (busy in another program, or not a camera)"
        listed = f"found: {', '.join(map(str, found))}" if found else "no camera found"
        return f"camera {self.index} is not connected ({listed})"

    def _capture_loop(self, reader: Reader, handover: Handover) -> None:
        """On the camera's thread: open, first picture (then ``ready``), then read until told to stop."""
        capture = reader.own(self.opener(self.index))
        if reader.stop.is_set():
            return
        if not capture.isOpened():
            raise SourceError(self._missing())
        if self.resolution is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.resolution[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.resolution[1])
        start = time.perf_counter()
        frame, _ = _read(capture)
        if frame is None:
            raise SourceError(f"camera {self.index} gives no picture: it may be busy in another program")
        number = 1
        reader.frame_size = (frame.shape[1], frame.shape[0])
        handover.put((frame, number, (time.perf_counter() - start) * 1000.0))
        reader.ready.set()
        failures = 0
        while not reader.stop.is_set():
            start = time.perf_counter()
            frame, complaint = _read(capture)
            if frame is not None:
                failures = 0
                number += 1
                handover.put((frame, number, (time.perf_counter() - start) * 1000.0))
                continue
            failures += 1
            if failures >= 5:
                handover.finish(f"camera {self.index} stopped sending pictures (unplugged?)"
                                + (f": {complaint}" if complaint else ""))
                return

    def read(self) -> Frame:
        frame, number, capture_ms = self._take(
            self.timeout, f"camera {self.index} sent no picture for {self.timeout:g} s (unplugged?)")
        return Frame(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), number, capture_ms=capture_ms)
