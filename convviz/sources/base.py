"""One small interface for every input: a source opens, hands out frames, and closes.

A *still* source (an image, the test card, a pasted picture) gives the same frame every time; a
*live* source (webcam, video) gives the newest frame each time it is asked, blocking until one
arrives. Frames are H x W x 3 uint8 RGB, or any array ``core.preprocess.to_rgb8`` accepts.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convviz.core.preprocess import to_rgb8


@dataclass(frozen=True)
class Frame:
    """One picture from a source: ``index`` counts frames from 0, ``time`` is time.monotonic()."""

    image: np.ndarray
    index: int = 0
    time: float = field(default_factory=time.monotonic)
    capture_ms: float = 0.0  # how long reading/decoding this frame took
    synthetic: bool = False  # drawn by convviz (the test card): tiny networks get a toy pattern instead


class FrameSource(ABC):
    """What the pipeline reads pictures from."""

    name: str = "source"
    live: bool = False
    device: tuple | None = None  # the device or file it holds open, e.g. ("camera", 0); None for stills

    def open(self) -> None:  # noqa: B027  (optional hook)
        """Acquire the device or file; raise SourceError with a message for the user if it fails."""

    @abstractmethod
    def read(self) -> Frame:
        """The next (live) or the only (still) frame; SourceError if none can be had."""

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release the device or file. Safe to call twice."""

    def describe(self) -> str:
        return self.name


class CaptureThreadSource(FrameSource):
    """A live source that reads an OpenCV capture on a thread of its own (webcams, video files), so
    reading the next frame overlaps the network's work on this one."""

    live = True

    def __init__(self) -> None:
        self.capture: Any = None
        self._running = False
        self._thread: threading.Thread | None = None

    def _start_reading(self, capture: Any, loop: Callable[[], None], name: str) -> None:
        """Keep ``capture`` and run ``loop`` (which reads while ``self._running``) on a thread."""
        self.capture = capture
        self._running = True
        self._thread = threading.Thread(target=loop, name=name, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the reading thread, then release the device or file. Safe to call twice."""
        self._running = False
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2.0)
        if self.capture is not None:
            self.capture.release()
            self.capture = None


class StillSource(FrameSource):
    """A single picture: an opened image file, the test card, a pasted image."""

    live = False

    def __init__(self, image: np.ndarray, name: str):
        self.image = to_rgb8(image)
        self.image.setflags(write=False)
        self.name = name

    def read(self) -> Frame:
        return Frame(self.image, 0)


class TestCardSource(StillSource):
    """The built-in test card: the default input, needs no camera or file."""

    __test__ = False  # not a pytest class

    def __init__(self, width: int = 640, height: int = 480):
        from convviz.sources.testcard import draw_test_card

        super().__init__(draw_test_card(width, height), "test card")

    def read(self) -> Frame:
        return Frame(self.image, 0, synthetic=True)
