"""One small interface for every input: a source opens, hands out frames, and closes.

A *still* source (an image, the test card, a pasted picture) gives the same frame every time; a
*live* source (webcam, video) gives the newest frame each time it is asked, blocking until one
arrives. Frames are H x W x 3 uint8 RGB, or any array ``core.preprocess.to_rgb8`` accepts.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convviz.core.errors import ConvvizError, SourceError
from convviz.core.preprocess import to_rgb8


@dataclass(frozen=True)
class Frame:
    """One picture from a source: ``index`` counts frames from 0, ``time`` is time.monotonic()."""

    image: np.ndarray
    index: int = 0
    time: float = field(default_factory=time.monotonic)
    capture_ms: float = 0.0  # how long reading/decoding this frame took
    synthetic: bool = False  # drawn by convviz (the test card): tiny networks get a toy pattern instead


Device = tuple[str, object]  # ("camera", 0), ("file", "/abs/path/clip.mp4")


class FrameSource(ABC):
    """What the pipeline reads pictures from."""

    name: str = "source"
    live: bool = False
    # The device or file it holds open, e.g. ("camera", 0); None for a picture in memory. Two sources
    # with the same device must not be open at once: close the old one first (a camera opened twice
    # is busy; another resolution is a new source on the same camera). Cameras and videos override
    # it with a property; a plain attribute here, so a test's fake can simply set it.
    device: Device | None = None

    def open(self) -> None:  # noqa: B027  (optional hook)
        """Acquire the device or file; raise SourceError with a message for the user if it fails.
        May take a while (decoding, a camera waking up): the pipeline calls it on its worker thread."""

    @abstractmethod
    def read(self) -> Frame:
        """The next (live) or the only (still) frame; SourceError if none can be had."""

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release the device or file. Quick, safe to call twice and from any thread."""

    def describe(self) -> str:
        return self.name

    def remembered(self) -> dict[str, Any] | None:
        """How the settings store this input to open it again next time (``ui.session.restore_source``
        reads it back); None for one that cannot come back, like a pasted picture."""
        return None


class Handover:
    """Frames from a reading thread to ``read()``: the newest wins (cameras: capacity 1, a new frame
    replaces an unread one) or frames wait in order (files: the reader blocks while it is full).

    Once the reader has finished (``finish``) or the source is closed (``close``), every ``get``
    raises SourceError with the reason, at once: a closed source never leaves ``read()`` waiting.
    """

    def __init__(self, capacity: int = 1, newest_wins: bool = False):
        self.capacity = capacity
        self.newest_wins = newest_wins
        self._items: deque[Any] = deque()
        self._count = 0  # items ever put
        self._end: str | None = None
        self._wake = threading.Condition()

    def put(self, item: Any) -> bool:
        """Hand ``item`` over (blocking while full unless the newest wins); False once ended."""
        with self._wake:
            while not self.newest_wins and len(self._items) >= self.capacity and self._end is None:
                self._wake.wait()
            if self._end is not None:
                return False
            if self.newest_wins and len(self._items) >= self.capacity:
                self._items.popleft()
            self._items.append(item)
            self._count += 1
            self._wake.notify_all()
            return True

    def get(self, timeout: float, timeout_message: str) -> Any:
        """The next item; SourceError(timeout_message) after ``timeout`` seconds without one, or the
        end's reason once the reader has finished and nothing is left."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while not self._items:
                if self._end is not None:
                    raise SourceError(self._end)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SourceError(timeout_message)
                self._wake.wait(remaining)
            item = self._items.popleft()
            self._wake.notify_all()
            return item

    def finish(self, reason: str) -> None:
        """No more items will come; ``get`` raises SourceError(reason) once the rest are taken."""
        with self._wake:
            if self._end is None:
                self._end = reason
            self._wake.notify_all()

    def close(self, reason: str) -> None:
        """The source is closed: drop what is waiting and wake everyone (a blocked put returns False)."""
        with self._wake:
            self._items.clear()
            self._end = reason
            self._wake.notify_all()

    @property
    def count(self) -> int:
        """How many items were ever put (cameras number their frames with it)."""
        with self._wake:
            return self._count


class Reader:
    """One run of a reading thread and the OpenCV captures it owns.

    A capture is made, read and released on this thread only, so it is never released while its
    ``read()`` is still inside the driver (OpenCV captures are not thread-safe: releasing one under a
    read crashed or hung the app). Anyone may ask it to stop (``stop``); it releases its captures as
    soon as its current read returns, then sets ``released``. A driver that never returns keeps only
    this daemon thread and its device; the source itself is free at once.
    """

    def __init__(self, device: Device | None, label: str, body: Callable[[Reader], None], thread_name: str,
                 handover: Handover | None = None):
        self.device = device
        self.label = label  # the source's name, for messages
        self.handover = handover  # finished with the reason when the thread ends, so read() never waits
        self.stop = threading.Event()
        self.ready = threading.Event()  # set by the body after its first frame, or by fail()
        self.released = threading.Event()
        self.failure: str | None = None
        self.frame_size: tuple[int, int] | None = None  # (width, height) of the first frame
        self.frames_per_second: float | None = None  # what a file declares
        self._captures: list[Any] = []
        self._body = body
        self.thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def own(self, capture: Any) -> Any:
        """Register ``capture`` (just made on this thread) to be released when the thread ends."""
        self._captures.append(capture)
        return capture

    def release(self, capture: Any) -> None:
        """Release one capture now (on this thread), e.g. before opening the file again."""
        if capture in self._captures:
            self._captures.remove(capture)
        _release_quietly(capture)

    def fail(self, message: str) -> None:
        """The run cannot go on (or never started): ``message`` is what open() or read() will say."""
        if self.failure is None:
            self.failure = message
        self.ready.set()

    def _run(self) -> None:
        try:
            self._body(self)
        except ConvvizError as error:
            self.fail(str(error))
        except Exception as error:  # an OpenCV error inside a driver: a message, not a dead thread
            self.fail(f"{self.label} stopped: {error}")
        finally:
            for capture in reversed(self._captures):
                _release_quietly(capture)
            self._captures.clear()
            if not self.ready.is_set():  # ended before its first frame without saying why
                self.fail(f"{self.label} was closed while it opened" if self.stop.is_set()
                          else f"{self.label} gave no picture")
            if self.handover is not None:
                self.handover.finish(self.failure or f"{self.label} stopped")
            self.released.set()
            _let_go(self)


def _release_quietly(capture: Any) -> None:
    try:
        capture.release()
    except Exception:  # a dead device may fail to release; nothing more can be done
        pass


_holders: dict[Device, Reader] = {}  # device -> the reader holding it, until it has released it
_holders_lock = threading.Lock()


def _let_go(reader: Reader) -> None:
    with _holders_lock:
        if reader.device is not None and _holders.get(reader.device) is reader:
            del _holders[reader.device]


def claim_device(reader: Reader, timeout: float, name: str) -> None:
    """Make ``reader`` the holder of its device, once no reading thread of an earlier source holds it.

    After close() a camera's thread may still be inside its last read for a moment; opening the
    camera again in that moment would find it busy, so the new source waits (up to ``timeout`` s)
    for the old one to let go. SourceError if a source that is still open holds the device (close it
    first), or if a closed one has not let go in time (its driver does not return)."""
    assert reader.device is not None
    deadline = time.monotonic() + timeout
    while True:
        with _holders_lock:
            holder = _holders.get(reader.device)
            if holder is None or holder.released.is_set():
                _holders[reader.device] = reader
                return
            if not holder.stop.is_set():
                raise SourceError(f"{name} is already open in convviz: close that input before opening it again")
        if not holder.released.wait(max(0.0, deadline - time.monotonic())):
            raise SourceError(f"{name} is still held by a read that does not return; "
                              "unplug it and plug it in again, or pick another input")


class CaptureThreadSource(FrameSource):
    """A live source whose OpenCV capture lives on a reading thread of its own (webcams, video
    files), so reading the next frame overlaps the network's work on this one.

    The capture belongs to that thread (see Reader): ``close()`` only asks it to stop and waits up to
    ``close_wait`` seconds, so it never blocks the GUI for long, even when a driver hangs in read().
    """

    live = True
    close_wait = 0.3  # seconds close() waits for the reading thread to let go
    exclusive = False  # True: one capture at a time on this device (cameras)

    def __init__(self) -> None:
        self._reader: Reader | None = None
        self._handover: Handover | None = None
        self._reader_lock = threading.Lock()
        self._closed = False  # closed after an open: read() must not quietly take the device again

    def _start_reading(self, body: Callable[[Reader], None], handover: Handover, thread_name: str,
                       ready_timeout: float, slow_message: str) -> Reader:
        """Run ``body`` on a new reading thread and wait until it has handed over its first frame.

        ``body(reader)`` makes its capture with ``reader.own(...)``, reads, and calls
        ``reader.ready.set()`` after the first frame (or raises SourceError). Raises SourceError with
        the body's reason, or ``slow_message`` after ``ready_timeout`` seconds (the thread is told to
        stop and lets go of its capture by itself).
        """
        self.close()
        device = self.device if self.exclusive else None  # only exclusive devices are claimed
        reader = Reader(device, self.name, body, thread_name, handover)
        if device is not None:
            claim_device(reader, ready_timeout, self.name)
        with self._reader_lock:
            self._reader, self._handover = reader, handover
            self._closed = False
        reader.thread.start()
        if not reader.ready.wait(ready_timeout):
            self.close()
            raise SourceError(slow_message)
        if reader.failure is not None:
            self.close()
            raise SourceError(reader.failure)
        return reader

    def close(self) -> None:
        """Ask the reading thread to stop and wait briefly for it to release the capture.

        Quick (at most ``close_wait`` s), safe to call twice and from any thread, also while another
        thread is inside ``read()`` (it gets a SourceError at once)."""
        with self._reader_lock:
            reader, self._reader = self._reader, None
            handover, self._handover = self._handover, None
            self._closed = self._closed or reader is not None
        if reader is None:
            return
        reader.stop.set()
        if handover is not None:
            handover.close(f"{self.name} was closed")
        if reader.thread.ident is not None and reader.thread is not threading.current_thread():
            reader.released.wait(self.close_wait)

    def _take(self, timeout: float, timeout_message: str) -> Any:
        """The next item the reading thread handed over. A source never opened is opened first; a
        closed one stays closed (SourceError) until open() is called again."""
        with self._reader_lock:
            handover, closed = self._handover, self._closed
        if handover is None:
            if closed:
                raise SourceError(f"{self.name} was closed")
            self.open()
            with self._reader_lock:
                handover = self._handover
            if handover is None:
                raise SourceError(f"{self.name} was closed")
        return handover.get(timeout, timeout_message)


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

    def remembered(self) -> dict[str, Any]:
        return {"kind": "test card"}
