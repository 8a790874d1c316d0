"""Webcams through OpenCV, read on their own thread so the newest frame always wins.

OpenCV's driver buffers a few frames; reading continuously on a capture thread and keeping only the
latest keeps the latency at one frame. A camera that is missing, busy or unplugged mid-stream is a
SourceError with a message for the lecturer, never a hang: reads time out.
"""

from __future__ import annotations

import glob
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol

import cv2
import numpy as np

from convviz.core.errors import SourceError
from convviz.sources.base import CaptureThreadSource, Frame

RESOLUTIONS = ((320, 240), (640, 480), (1280, 720), (1920, 1080))


class Capture(Protocol):
    """The part of cv2.VideoCapture a camera source uses (tests inject fakes with faults)."""

    def isOpened(self) -> bool: ...  # noqa: N802 (OpenCV's name)
    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


def open_capture(index: int) -> Capture:
    """OpenCV's capture for camera ``index`` (V4L2 on Linux: it opens fast and fails fast)."""
    if sys.platform.startswith("linux"):
        return cv2.VideoCapture(index, cv2.CAP_V4L2)
    return cv2.VideoCapture(index)


def camera_indices(limit: int = 8) -> list[int]:
    """Indices worth trying: on Linux the /dev/video* devices that exist, elsewhere 0..limit-1."""
    if sys.platform.startswith("linux"):
        found = sorted(int(path[len("/dev/video"):]) for path in glob.glob("/dev/video[0-9]*")
                       if path[len("/dev/video"):].isdigit())
        return [i for i in found if i < 64]
    return list(range(limit))


def probe_cameras(limit: int = 8, opener: Callable[[int], Capture] = open_capture) -> list[int]:
    """The camera indices that open and deliver a picture (slow: run it off the GUI thread)."""
    working = []
    for index in camera_indices(limit):
        capture = opener(index)
        try:
            if capture.isOpened() and capture.read()[0]:
                working.append(index)
        finally:
            capture.release()
    return working


class CameraSource(CaptureThreadSource):
    """Camera ``index`` at about ``resolution`` (width, height); the newest frame wins."""

    def __init__(self, index: int = 0, resolution: tuple[int, int] | None = (640, 480),
                 opener: Callable[[int], Capture] = open_capture, timeout: float = 3.0):
        self.index = index
        self.resolution = resolution
        self.opener = opener
        self.timeout = timeout
        self.name = f"camera {index}"
        self._lock = threading.Condition()
        self._latest: np.ndarray | None = None
        self._latest_number = 0
        self._given_number = 0
        self._capture_ms = 0.0
        self._failure: str | None = None
        super().__init__()

    def describe(self) -> str:
        if self.resolution is None:
            return self.name
        return f"{self.name} ({self.resolution[0]}x{self.resolution[1]})"

    def open(self) -> None:
        capture = self.opener(self.index)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"no camera at index {self.index} (is it plugged in? try another index)")
        if self.resolution is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.resolution[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.resolution[1])
        ok, frame = capture.read()
        if not ok or frame is None:
            capture.release()
            raise SourceError(f"camera {self.index} gives no picture: it may be busy in another program")
        height, width = frame.shape[:2]
        self.resolution = (width, height)
        self._latest, self._latest_number, self._given_number = frame, 1, 0
        self._failure = None
        self._start_reading(capture, self._capture_loop, f"convviz-camera-{self.index}")

    def _capture_loop(self) -> None:
        failures = 0
        while self._running:
            assert self.capture is not None
            start = time.perf_counter()
            try:
                ok, frame = self.capture.read()
            except cv2.error as error:  # some drivers raise instead of returning False
                ok, frame = False, None
                message = str(error)
            else:
                message = ""
            if ok and frame is not None:
                failures = 0
                with self._lock:
                    self._latest = frame
                    self._latest_number += 1
                    self._capture_ms = (time.perf_counter() - start) * 1000.0
                    self._lock.notify_all()
                continue
            failures += 1
            if failures >= 5:
                with self._lock:
                    self._failure = (f"camera {self.index} stopped sending pictures (unplugged?)"
                                     + (f": {message}" if message else ""))
                    self._lock.notify_all()
                return

    def read(self) -> Frame:
        if self.capture is None:
            self.open()
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while self._latest_number == self._given_number and self._failure is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SourceError(f"camera {self.index} sent no picture for {self.timeout:.0f} s (unplugged?)")
                self._lock.wait(remaining)
            if self._failure is not None:
                raise SourceError(self._failure)
            frame, number, capture_ms = self._latest, self._latest_number, self._capture_ms
            self._given_number = number
        assert frame is not None
        return Frame(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), number, capture_ms=capture_ms)
