"""Recording a clip without holding it: frames go through a small queue to a thread that encodes them
straight into a file.

The GUI thread only renders a frame and hands it over with ``offer``, which never waits: when the
queue is full (the encoder is behind) the frame is dropped and counted, and the clip shows the frame
before a little longer (durations come from the frames' timestamps). ``convviz render`` uses ``put``,
which waits for room instead, so a rendered clip has every step. At most ``queue_frames`` frames wait
in memory, plus the one the encoder works on and the one before it (GIF: to find what changed); an MP4
recorded at an unknown rate also holds its first second (at most ``RATE_FRAMES`` frames) to measure it.

``finish_steps`` (on a worker thread, never the GUI's) lets the encoder catch up, closes the file and
decodes it again to check it. No Qt here.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path

import numpy as np

from convviz.core.atomic import WriteError, reason
from convviz.export.checks import check_clip_steps
from convviz.export.clips import FPS_RANGE, ClipInfo, ClipStream, ExportError, Progress, open_stream, stream_size

QUEUE_FRAMES = 4  # frames waiting for the encoder; a 1600x1000 frame is 4.8 MB
RATE_FRAMES = 6  # an MP4 without a given rate: frames held (at most 1 s) to measure it
ENCODER_NICE = 10  # the encoder thread's scheduling priority (Linux nice value; 0 is normal)
_END = object()


class ClipRecorder:
    """Encodes frames into ``path`` (.gif or .mp4) on its own thread as they are offered.

    ``fps`` None: each frame lasts until the next one came (live video, animation played by hand);
    a number: every frame lasts 1/fps (animation steps, ``convviz render``). ``name``: what messages
    call the clip (default: the file's name).
    """

    def __init__(self, path: str | Path, fps: float | None = None, queue_frames: int = QUEUE_FRAMES,
                 clock: Callable[[], float] = time.monotonic, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name  # what messages call the clip
        self.fps = fps
        self.clock = clock
        self.accepted = 0  # frames taken into the queue
        self.dropped = 0  # frames offered while the queue was full
        self.encoded = 0  # frames the encoder has taken from the queue
        self.most_queued = 0  # the most frames that waited at once
        self.error: BaseException | None = None  # what stopped the encoder (a full disk...)
        self.info: ClipInfo | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, queue_frames))
        self._ending = False
        self._abort = threading.Event()
        self._stream: ClipStream | None = None
        self._held: list[tuple[np.ndarray, float]] = []  # frames waiting to learn how long they last
        self._durations: list[float] = []
        self._thread = threading.Thread(target=self._run, name="convviz-clip-writer", daemon=True)
        self._thread.start()

    # ---- the producer's side (GUI thread, or render's loop) ----------------------------------------
    def offer(self, rgb: np.ndarray, timestamp: float | None = None) -> bool:
        """Queue a frame (H x W x 3 uint8 RGB, not changed afterwards) without ever waiting. False:
        dropped, because the encoder is behind, has stopped, or the recording is finishing."""
        if self._ending or self.error is not None:
            self.dropped += 1
            return False
        try:
            self._queue.put_nowait((rgb, self.clock() if timestamp is None else timestamp))
        except queue.Full:
            self.dropped += 1
            return False
        self.accepted += 1
        self.most_queued = max(self.most_queued, self._queue.qsize())
        return True

    def put(self, rgb: np.ndarray, timestamp: float | None = None) -> None:
        """Queue a frame, waiting for room (for ``convviz render``: every frame counts). Raises the
        encoder's error if it stopped."""
        while True:
            self.raise_error()
            try:
                self._queue.put((rgb, self.clock() if timestamp is None else timestamp), timeout=0.2)
            except queue.Full:
                continue
            self.accepted += 1
            self.most_queued = max(self.most_queued, self._queue.qsize())
            return

    def queue_full(self) -> bool:
        return self._queue.full()

    def raise_error(self) -> None:
        """The encoder's failure as an error for the lecturer (WriteError for the disk, ExportError)."""
        error = self.error
        if error is None:
            return
        if isinstance(error, OSError):
            raise WriteError(f"cannot save {self.name}: {reason(error)}") from None
        if isinstance(error, ExportError | WriteError):
            raise error
        raise ExportError(f"cannot save {self.name}: the clip could not be encoded ({error})") from None

    # ---- finishing (a worker thread) ----------------------------------------------------------------
    def finish_steps(self, check: bool = True) -> Generator[Progress, None, ClipInfo]:
        """No more frames: wait for the encoder (yielding Progress), close the file, and decode it again
        (``check``). Returns what the file holds; raises WriteError / ExportError. Closing it early
        (Cancel) leaves the encoder to finish the file by itself; calling it again picks up from there.
        """
        self._ending = True
        while self._thread.is_alive():  # not the GUI thread: waiting for room is fine
            try:
                self._queue.put(_END, timeout=0.1)
                break
            except queue.Full:
                continue
        while self._thread.is_alive():
            yield Progress("encoding", self.encoded, self.accepted)
            self._thread.join(0.1)
        self.raise_error()
        info = self.info
        if info is None or info.frames == 0:
            raise ExportError("the recording has no frames")
        if check:
            for done, total in check_clip_steps(info.path, info.frames, info.size):
                yield Progress("checking", done, total)
        return info

    def finish(self, check: bool = True) -> ClipInfo:
        steps = self.finish_steps(check)
        while True:
            try:
                next(steps)
            except StopIteration as finished:
                return finished.value

    def abort(self) -> None:
        """Stop encoding now (the file is left as it is: the caller removes it)."""
        self._ending = True
        self._abort.set()
        try:
            self._queue.put_nowait(_END)
        except queue.Full:
            pass
        self._thread.join()

    # ---- the encoder's thread -----------------------------------------------------------------------
    def _run(self) -> None:
        _lower_priority()
        try:
            while not self._abort.is_set():
                item = self._queue.get()
                if item is _END or self._abort.is_set():
                    break
                self._held.append(item)
                self._write_held(final=False)
                self.encoded += 1
            if not self._abort.is_set():
                self._write_held(final=True)
        except BaseException as error:  # noqa: BLE001 - handed to the producer as a message
            self.error = error
        finally:
            self._close()
            self._discard_queue()

    def _write_held(self, final: bool) -> None:
        """Encode the held frames whose duration is known (all but the newest, or all at the end)."""
        held = self._held
        if not held:
            return
        if self._stream is None:
            rate = self._rate(final)
            if rate is None:
                return  # an MP4 still measuring its frame rate
            self._stream = open_stream(self.path, rate)
        last = len(held) if final else len(held) - 1
        for index in range(last):
            rgb, stamp = held[index]
            if index + 1 < len(held):
                seconds = held[index + 1][1] - stamp if self.fps is None else 1.0 / self.fps
                self._durations.append(seconds)
            else:  # the very last frame: as long as the others (on average)
                seconds = 1.0 / self.fps if self.fps else (float(np.mean(self._durations[-20:]))
                                                           if self._durations else 0.1)
            self._stream.add(rgb, max(seconds, 1e-3))
        del held[:last]

    def _rate(self, final: bool) -> float | None:
        """The MP4's frame rate: the given one, else measured over the first second of frames."""
        if self.fps is not None:
            return self.fps
        if not self.path.suffix.lower().endswith(".mp4"):
            return 10.0  # a GIF times every frame itself
        held = self._held
        span = held[-1][1] - held[0][1]
        if not final and span < 1.0 and len(held) < RATE_FRAMES:
            return None
        measured = (len(held) - 1) / span if len(held) > 1 and span > 0 else 10.0
        return round(min(FPS_RANGE[1], max(FPS_RANGE[0], measured)), 1)

    def _close(self) -> None:
        stream = self._stream
        self._held = []
        if stream is None:
            return
        try:
            stream.close()
        except BaseException as error:  # noqa: BLE001
            if self.error is None:
                self.error = error
        if self.error is None and stream.frames:
            self.info = ClipInfo(self.path, stream.frames, stream_size(stream), stream.seconds)

    def _discard_queue(self) -> None:
        """Frames still queued after a failure or an abort: dropped, so nothing waits on the queue."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return


def _lower_priority() -> None:
    """Let the GUI thread and the live pipeline go first on a busy machine: the encoder is background
    work with a queue in front of it (Linux: a thread's nice value; elsewhere nothing)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ENCODER_NICE)
    except (AttributeError, OSError):
        pass
