"""The live pipeline: source -> network -> display images -> one result at a time to whoever draws it.

Two threads, like two people on an assembly line: the *compute* thread reads the newest frame and
runs the network layer by layer; the *paint* thread turns each layer into its display image as soon as
that layer is done (while the next layer runs, its output still in the cache) and hands the finished
result over once the previous one has been drawn (``ack``). While the GUI draws frame N, frame N+1 is
computed and painted, and once N+1 is painted N+2 may be computed: three frames at most, latency two
frames, memory flat however slow the drawing is. A network whose frames are big (STRICT_FRAME_BYTES)
starts the next frame only when the window has drawn the last one: two frames at most (the heavier
benchmark network's 146 MiB frames: 1.17 GB peak before, ~0.95 GB now). Changes (network, source,
device, freeze, colours) are requests picked up between frames.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from convviz.core.errors import ConvvizError, in_words
from convviz.core.spec import NetworkSpec
from convviz.pipeline.display import ColourScale, LayerImage
from convviz.pipeline.engine import Computed, Engine, FrameResult, Preview
from convviz.sources.base import Frame, FrameSource

ResultCallback = Callable[[FrameResult], None]
PreviewCallback = Callable[[Preview], None]
MessageCallback = Callable[[str], None]
RefusedCallback = Callable[[NetworkSpec, str], None]
STOP_WAIT_S = 0.5  # what stop() waits for the threads; a source stuck in read() is closed when it returns
# frames of more activations than this start only when the window has drawn the last one: then never more
# than two frames exist (the heavier benchmark network, 146 MiB a frame: peak 1.17 GB -> 1.0 GB; its
# forward is 6x its drawing, so little overlap is lost); smaller frames overlap the drawing
STRICT_FRAME_BYTES = 64 * 2**20
# and every TRIM_EVERY_S the freed memory that has piled up between them goes back to the system (the
# heap's holes grow slowly otherwise: 925 -> 1,000 MB over 10 s; trimmed: peak 945 MB, ~3% more CPU)
TRIM_EVERY_S = 2.0
LOAD_HOLD_S = 3.0  # the longest the compute thread waits for allow_loading() before it loads torch anyway


@dataclass
class _Requests:
    """Changes asked for since the compute thread last looked."""

    source: FrameSource | None = None
    spec: NetworkSpec | None = None
    device: str | None = None
    frozen: bool | None = None

    def pending(self) -> bool:
        return bool(self.source or self.spec or self.device or self.frozen is not None)


class _Job:
    """One frame on its way: the compute thread adds each layer's output as it finishes (and the
    whole ``computed`` frame at the end); the paint thread paints the outputs meanwhile."""

    def __init__(self, smooth: bool, strict: bool = False):
        self.smooth = smooth  # live video: colour ranges follow the previous frame's
        self.strict = strict  # a big frame: the next one starts when this one has been drawn
        self.outputs: list[np.ndarray] = []
        self.images: list[LayerImage | None] = []  # one per output painted so far
        self.computed: Computed | None = None
        self.failed = False
        self.paint_ms = 0.0
        self.paint_cpu_ms = 0.0

    def work_ready(self) -> bool:
        return not self.failed and (len(self.images) < len(self.outputs) or self.computed is not None)


def fast_floats() -> None:
    """Flush denormal floats to zero on the calling thread (the x86 FTZ/DAZ flags are per thread).

    Hand-made filters on flat picture areas produce tiny in-between values that the CPU handles up
    to 8x slower (measured: ReLU 3.5 ms instead of 0.45 ms on the test card); nothing visible changes.
    """
    import torch

    torch.set_flush_denormal(True)


_ALLOCATOR_TUNED = False
_M_TRIM_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -4, -8  # glibc's mallopt parameters
KEEP_FREED_BYTES = 512 * 2**20  # freed memory kept for the next frame before any is returned


def reuse_freed_memory() -> bool:
    """Let every frame reuse the memory the previous frame's tensors freed (glibc; a no-op elsewhere).

    torch allocates every layer's output anew each frame. glibc serves a block that large with a fresh
    ``mmap`` and returns it on free (or, on a thread's own arena, gives the pages back when its
    64 MB heaps empty), so every frame page-faults its activations in again: measured 2,000-21,000
    faults per forward, half the heavier benchmark network's forward time (60 ms -> 28 ms on one core
    without them). Here big blocks come from the one main heap, which keeps up to ``KEEP_FREED_BYTES``
    of freed memory for reuse: memory stays flat at the peak a frame needs (the peak itself is the
    same). Called before the first threads start; ``CONVVIZ_KEEP_MEMORY=0`` leaves glibc's defaults
    (for comparing). True if the allocator was tuned.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED or not sys.platform.startswith("linux") or os.environ.get("CONVVIZ_KEEP_MEMORY") == "0":
        return _ALLOCATOR_TUNED
    try:
        mallopt = _libc().mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    _ALLOCATOR_TUNED = bool(mallopt(_M_ARENA_MAX, 1) and mallopt(_M_MMAP_MAX, 0)
                            and mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES))
    return _ALLOCATOR_TUNED


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    """The C library, loaded once (the trim runs every few seconds on big frames)."""
    return ctypes.CDLL(None)


def release_freed_memory() -> None:
    """Give freed heap memory back to the system (after a network change: the old one's weights)."""
    if not _ALLOCATOR_TUNED:
        return
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def passive_threads() -> None:
    """torch's OpenMP threads sleep when they wait instead of spinning (before torch is imported; the
    user's own OMP_WAIT_POLICY wins). Spinning threads took the cores from the paint and GUI threads
    and from each other: measured in the app on 2 cores, AlexNet with 2 torch threads 175 ms a frame
    spinning, 27 ms passive (1 thread: 29 ms)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def share_cores() -> ThreadTuner | None:
    """Leave one core to the GUI thread to begin with: torch and OpenCV each spawning a thread per core
    next to a busy GUI thread made every frame slower (measured: 23 fps with 2 torch threads, 31 with
    1, on 2 cores). A network whose forward dominates the frame does better on every core, unless the
    machine is busy with other work (then torch's threads wait for each other: one thread was 3x
    faster than two on a shared 2-core machine): the returned tuner tries both on live frames.
    CONVVIZ_THREADS fixes the count (and no tuner is returned)."""
    passive_threads()
    import cv2
    import torch

    cores = os.cpu_count() or 2
    fixed = os.environ.get("CONVVIZ_THREADS")
    threads = max(1, int(fixed)) if fixed else max(1, cores - 1)
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    if fixed or cores < 2:
        return None
    return ThreadTuner((threads, cores))


class ThreadTuner:
    """Chooses torch's thread count by trying each candidate on the live frames themselves and keeping
    the one with the shortest median frame interval (whatever else runs on the machine), again every
    ``recheck_s`` seconds. More threads must win by ``margin`` (they cost the machine more).

    ``frame_started(now)`` is called by the compute thread at the start of each live frame; it returns
    the thread count to switch to, or None to keep the current one.
    """

    WARM_UP = 2  # frames after a switch that are not counted (torch's thread pool starting)
    EARLY_OUT = 4  # frames after which a candidate that is clearly slower is given up

    def __init__(self, candidates: tuple[int, ...], trial_frames: int = 24, recheck_s: float = 30.0,
                 margin: float = 0.15):
        self.candidates = tuple(dict.fromkeys(candidates))
        self.trial_frames = trial_frames
        self.recheck_s = recheck_s
        self.margin = margin
        self.current = self.candidates[0]
        self.chosen: int | None = None
        self.medians: dict[int, float] = {}
        self._trial = 0  # index of the candidate being tried; len(candidates): done, until the recheck
        self._intervals: list[float] = []
        self._last: float | None = None
        self._skip = self.WARM_UP
        self._recheck_at = 0.0
        self._wait_s = recheck_s

    def frame_started(self, now: float) -> int | None:
        last, self._last = self._last, now
        if self._trial >= len(self.candidates):
            if now < self._recheck_at:
                return None
            self._trial, self.medians = 0, {}
            return self._switch(self.candidates[0])
        wanted = self.candidates[self._trial]
        if self.current != wanted:  # restarted while another count ran: each trial runs its own count
            return self._switch(wanted)
        if last is None or self._skip > 0:
            self._skip = max(0, self._skip - (last is not None))
            return None
        self._intervals.append(now - last)
        median = sorted(self._intervals)[len(self._intervals) // 2]
        clearly_worse = (len(self._intervals) >= self.EARLY_OUT and self.medians
                         and median > min(self.medians.values()) * (1 + 2 * self.margin))
        if len(self._intervals) < self.trial_frames and not clearly_worse:
            return None
        self.medians[self.current] = median  # a trial that is clearly worse ends after EARLY_OUT frames
        self._trial += 1
        if self._trial < len(self.candidates):
            return self._switch(self.candidates[self._trial])
        best = self.candidates[0]
        for candidate in self.candidates[1:]:
            if self.medians[candidate] < self.medians[best] * (1 - self.margin):
                best = candidate
        # the same answer again: look less often (a trial of the worse count costs a few slow frames)
        self._wait_s = min(self._wait_s * 2, 8 * self.recheck_s) if best == self.chosen else self.recheck_s
        self.chosen = best
        self._recheck_at = now + self._wait_s
        return self._switch(best)

    def restart(self) -> None:
        """Another network: try the candidates again from the next frame."""
        self._trial, self.medians, self._last = 0, {}, None
        self._intervals, self._skip = [], self.WARM_UP

    def report(self) -> dict[str, object]:
        return {"torch_threads": self.current, "chosen": self.chosen,
                "median_frame_ms": {str(k): round(v * 1000, 2) for k, v in self.medians.items()}}

    def _switch(self, threads: int) -> int | None:
        self._intervals, self._skip = [], self.WARM_UP
        if threads == self.current:
            return None
        self.current = threads
        return threads


class LivePipeline:
    """Runs an Engine on two threads (compute, paint).

    ``on_result`` is called on the paint thread with each result; the receiver must call ``ack()``
    once it has drawn it. ``on_error`` gets messages for the user; ``on_network_refused(spec, message)``
    says a network could not be built (the previous one keeps running); ``on_source_lost`` is told
    when a live source stops delivering; ``on_source_changed`` when a new source opened.

    The source belongs to the compute thread: only it opens, reads and closes sources, so a source is
    never closed while it is being read.
    """

    def __init__(self, engine: Engine, source: FrameSource, on_result: ResultCallback,
                 on_error: MessageCallback | None = None, on_source_lost: MessageCallback | None = None,
                 on_source_changed: Callable[[FrameSource], None] | None = None,
                 on_network_refused: RefusedCallback | None = None, on_preview: PreviewCallback | None = None,
                 wait_for_window: bool = False):
        self.engine = engine
        self.on_preview = on_preview or (lambda preview: None)
        self._source = source
        self.on_result = on_result
        self.on_error = on_error or (lambda message: None)
        self.on_source_lost = on_source_lost or self.on_error
        self.on_source_changed = on_source_changed or (lambda source: None)
        self.on_network_refused = on_network_refused or (lambda spec, message: self.on_error(message))
        self.frozen = False
        self.last_frame: Frame | None = None
        self._unused_frame: Frame | None = None  # read for the preview, not yet computed
        self.source_ok = True
        self._source_opened = False
        self.max_fps: float | None = None
        self._next_slot = 0.0
        self._requests = _Requests(source=source, spec=engine.initial)  # opened and built on the compute thread
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)  # one condition for every state change below
        self._job: _Job | None = None  # the frame being computed and painted, until handed over
        self._last_job: Computed | None = None  # the frame with the GUI: repainted when colours or layout change
        self._repaint = False  # a colour or layout change arrived while a frame was on its way
        self._lut: np.ndarray | None = None
        self._scale: ColourScale | None = None
        self._aspect: float | None = None
        self._shown: frozenset[int] | None | bool = False  # False: no change asked for
        self._pages: dict[int, int] | None = None  # None: no change asked for
        self._in_flight = False  # a result is with the GUI, not yet acknowledged
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._may_load = threading.Event()  # set: torch may be imported and the network built
        if not wait_for_window:
            self._may_load.set()
        self._tuner: ThreadTuner | None = None
        self._trim_at = 0.0  # when freed memory goes back next (big frames only)

    # ---- requests from any thread -------------------------------------------------------------------
    def start(self) -> None:
        """Start the threads. The compute thread shows the first picture (``on_preview``) before it
        loads torch and builds the network, so the window is up and filled while that happens."""
        reuse_freed_memory()
        self._threads = [threading.Thread(target=self._compute_loop, name="convviz-compute", daemon=True),
                         threading.Thread(target=self._paint_loop, name="convviz-paint", daemon=True)]
        for thread in self._threads:
            thread.start()

    def allow_loading(self) -> None:
        """The window is on screen: the compute thread may now import torch and build the network.

        Importing torch takes a second or two, most of it holding Python's GIL; done while the window
        is being made and painted it delayed the first paint by as much (and torch's threads started
        then compete with the painting). With ``wait_for_window``, until this is called (or
        LOAD_HOLD_S has passed) the compute thread only shows the first picture."""
        self._may_load.set()

    def stop(self, timeout: float = STOP_WAIT_S) -> None:
        """Ask both threads to end and wait briefly; never blocks the caller for long. The compute
        thread closes the source itself as it ends (at once, or when a read in progress returns)."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        self._may_load.set()
        for thread in self._threads:
            thread.join(timeout)
        if not self._threads:
            _close_quietly(self._source)  # never started: nobody else will close it

    def ack(self) -> None:
        """The last result has been drawn: the next may come."""
        with self._wake:
            self._in_flight = False
            self._wake.notify_all()

    def _request(self, **changes: object) -> None:
        with self._wake:
            for key, value in changes.items():
                setattr(self._requests, key, value)
            self._wake.notify_all()

    def set_source(self, source: FrameSource) -> None:
        self._request(source=source)

    def set_network(self, spec: NetworkSpec) -> None:
        self._request(spec=spec)

    def set_device(self, device: str) -> None:
        self._request(device=device)

    def set_frozen(self, frozen: bool) -> None:
        self._request(frozen=frozen)

    def set_lut(self, lut: np.ndarray) -> None:
        """New colours: the current frame is painted again (no recompute)."""
        with self._wake:
            self._lut = lut
            self._wake.notify_all()

    def set_colour_scale(self, scale: ColourScale) -> None:
        """Colour ranges per layer, per map or fixed: the current frame is painted again (no recompute)."""
        with self._wake:
            self._scale = scale
            self._wake.notify_all()

    def set_mosaic_aspect(self, aspect: float) -> None:
        """Lay out each layer's maps for panels of this width / height (repaints the current frame)."""
        with self._wake:
            self._aspect = aspect
            self._wake.notify_all()

    def set_pages(self, pages: dict[int, int]) -> None:
        """Which page of maps each layer of many maps shows (layer -> first map); repaints at once."""
        with self._wake:
            self._pages = dict(pages)
            self._wake.notify_all()

    def set_shown_layers(self, layers: frozenset[int] | None) -> None:
        """Paint only these layers' maps (None: all); what comes into view is painted at once."""
        with self._wake:
            self._shown = layers
            self._wake.notify_all()

    # ---- the compute thread ------------------------------------------------------------------------
    def _take_requests(self) -> _Requests | None:
        with self._wake:
            while True:
                if self._stopping:
                    return None
                live = self._source.live and self.source_ok and not self.frozen
                if self._requests.pending() or live:
                    requests, self._requests = self._requests, _Requests()
                    return requests
                self._wake.wait()

    def _switch_source(self, new: FrameSource) -> bool:
        """Open ``new`` and make it the source; the old one is closed (first, if both hold the same
        device: a camera cannot be opened twice). If ``new`` fails, the old one stays (reopened if it
        had to be closed) and the user is told. True if the source changed."""
        old = self._source
        first = not self._source_opened  # the source given at the start: nothing is open yet
        same_device = not first and (new is old or (old.device is not None and new.device == old.device))
        if same_device:
            _close_quietly(old)  # a retry, or another resolution of the same camera
        try:
            new.open()
        except ConvvizError as error:
            self.on_error(str(error))
            if new is old:
                self.source_ok = False  # the retry failed: the last picture stays, Retry again later
            elif same_device:
                try:
                    old.open()
                except ConvvizError as reopen_error:
                    self.source_ok = False
                    self.on_source_lost(str(reopen_error))
            return False
        self._source = new
        self._source_opened = True
        self.source_ok = True
        self.last_frame = self._unused_frame = None
        if not same_device and not first:
            _close_quietly(old)
        self.on_source_changed(new)
        return True

    def _apply(self, requests: _Requests) -> bool:
        """Apply changes; True if the current frame must be computed again."""
        changed = False
        if requests.source is not None:
            changed = self._switch_source(requests.source) or changed
        if requests.spec is not None:
            try:
                had_network = self.engine.built is not None
                self.engine.set_network(requests.spec)
                changed = True
                if had_network:
                    release_freed_memory()  # the old network's weights
                if self._tuner is not None:
                    self._tuner.restart()
            except Exception as error:  # torch refused it (memory, a size it cannot do): keep the old one
                traceback.print_exc()
                self.on_network_refused(requests.spec, f"cannot build {requests.spec.name}: {in_words(error)}; "
                                                       "the previous network keeps running")
        if requests.device is not None:
            try:
                self.engine.set_device(requests.device)
                changed = True
            except Exception as error:
                self.on_error(f"cannot move the network to {requests.device}: {in_words(error)}")
        if requests.frozen is not None:
            self.frozen = requests.frozen
            changed = True
        return changed

    def set_max_fps(self, fps: float | None) -> None:
        """Read a live source at most ``fps`` times a second (None: as fast as it comes): while the
        network trains, the live maps leave it most of the machine."""
        with self._wake:
            self.max_fps = fps
            self._wake.notify_all()

    def _pace(self) -> None:
        """Wait for the next frame slot under ``max_fps`` (woken early by any request or stop)."""
        if not self.max_fps:
            return
        slot = max(self._next_slot, time.monotonic())  # when this frame may be read
        with self._wake:  # other threads notify often (acks, paints): wait out the whole slot
            while not self._stopping and not self._requests.pending():
                remaining = slot - time.monotonic()
                if remaining <= 0:
                    break
                self._wake.wait(remaining)
        self._next_slot = slot + 1.0 / self.max_fps

    def _next_frame(self, changed: bool) -> Frame | None:
        if self._unused_frame is not None:
            frame, self._unused_frame = self._unused_frame, None
            return frame
        needs_new = self._source.live and self.source_ok and not self.frozen
        if not needs_new and self.last_frame is not None:
            return self.last_frame if changed else None
        if needs_new and not changed:
            self._pace()
        try:
            frame = self._source.read()
        except ConvvizError as error:
            self.source_ok = False
            self.on_source_lost(str(error))
            return self.last_frame if changed else None
        self.last_frame = frame
        return frame

    def _first_picture(self) -> None:
        """Open the source and show its first picture with the network's shapes (no torch needed):
        the window is complete while torch loads and the network is built."""
        with self._wake:
            if self._stopping:
                return
            source, self._requests.source = self._requests.source, None
        try:
            if source is not None:
                self._switch_source(source)
            if not self.source_ok:
                return
            frame = self._source.read()
        except ConvvizError as error:
            self.source_ok = False
            self.on_source_lost(str(error))
            return
        self.last_frame = self._unused_frame = frame  # the first frame computed is the one previewed
        self.on_preview(self.engine.preview(frame, self._source.describe()))

    def _compute_loop(self) -> None:
        try:
            self._first_picture()
            self._may_load.wait(LOAD_HOLD_S)
            if self._stopping:
                return
            self._tuner = share_cores()  # imports torch (a second or two): the window is already up
            fast_floats()
            self._compute_frames()
        finally:
            _close_quietly(self._source)  # the thread that reads the source is the one that closes it

    def _compute_frames(self) -> None:
        while True:
            requests = self._take_requests()
            if requests is None:
                return
            job: _Job | None = None
            try:
                changed = self._apply(requests)
                strict = self.engine.frame_bytes() > STRICT_FRAME_BYTES
                with self._wake:  # the previous frame must be painted first (big frames: drawn), and the
                    while (self._job is not None or (strict and self._in_flight)) and not self._stopping:
                        self._wake.wait()  # picture read next is the newest
                    if self._stopping:
                        return
                    late, self._requests = self._requests, _Requests()
                if late.pending():  # asked for while waiting (a freeze must hold the frame on screen)
                    changed = self._apply(late) or changed
                frame = self._next_frame(changed)
                if frame is None:
                    continue
                if strict and time.monotonic() >= self._trim_at:
                    self._trim_at = time.monotonic() + TRIM_EVERY_S
                    release_freed_memory()
                if self._tuner is not None and self._source.live and not self.frozen:
                    threads = self._tuner.frame_started(time.monotonic())
                    if threads is not None:
                        import torch

                        torch.set_num_threads(threads)
                job = _Job(smooth=frame.index > 0, strict=strict)
                with self._wake:
                    self._job = job
                computed = self.engine.compute(frame, self._source.describe(),
                                               on_output=functools.partial(self._layer_done, job))
            except Exception as error:  # never let the thread die mid-lecture
                traceback.print_exc()
                if job is not None:
                    with self._wake:
                        job.failed = True
                        if self._job is job:
                            self._job = None
                        self._wake.notify_all()
                self.on_error(f"could not compute this frame: {in_words(error)}")
                if self._source.live:
                    self.source_ok = False  # no error at frame rate: Retry restarts it
                continue
            with self._wake:
                job.computed = computed
                self._wake.notify_all()

    def _layer_done(self, job: _Job, index: int, output: np.ndarray) -> None:
        """A layer of ``job`` has its output (compute thread): the painter may start on it."""
        with self._wake:
            job.outputs.append(output)
            self._wake.notify_all()

    # ---- the paint thread --------------------------------------------------------------------------
    def _settings_changed(self) -> bool:
        return (self._lut is not None or self._aspect is not None or self._scale is not None
                or self._shown is not False or self._pages is not None)

    def _take_settings(self) -> None:
        """Apply colour and layout changes (lock held: they are read here and used on this thread)."""
        lut, self._lut = self._lut, None
        scale, self._scale = self._scale, None
        aspect, self._aspect = self._aspect, None
        shown, self._shown = self._shown, False
        pages, self._pages = self._pages, None
        if lut is not None:
            self.engine.painter.set_lut(lut)
        if scale is not None:
            self.engine.painter.scale = scale
        if aspect is not None:
            self.engine.painter.aspect = aspect
        if shown is not False:
            self.engine.shown_layers = shown
        if pages is not None:
            self.engine.pages = pages

    def _paint_loop(self) -> None:
        floats_set = False
        while True:
            with self._wake:
                while not self._stopping and not self._settings_changed() and not (
                        self._job is not None and self._job.work_ready()) and not (
                        self._repaint and self._job is None):
                    self._wake.wait()
                if self._stopping:
                    return
                if self._settings_changed():
                    self._take_settings()
                    self._repaint = True  # the frame with the GUI, or the one on its way, shows them
                job = self._job if self._job is not None and self._job.work_ready() else None
                output: np.ndarray | None = None
                if job is not None and len(job.images) < len(job.outputs):
                    output = job.outputs[len(job.images)]
                repaint = job is None and self._job is None and self._repaint and self._last_job is not None
                if job is None and self._job is None:
                    self._repaint = False
            if not floats_set and (job is not None or repaint):  # torch is loaded once there is a frame
                fast_floats()
                floats_set = True
            try:
                if output is not None:
                    self._paint_output(job, output)
                    continue
                if job is not None:
                    computed = job.computed
                    result = self.engine.finish(computed, tuple(job.images), job.paint_ms, job.paint_cpu_ms)
                    if not job.strict:  # painted: the next frame may start while this one waits for the
                        with self._wake:  # window (three frames at most: shown, waiting, computed)
                            if self._job is job:
                                self._job = None
                                self._wake.notify_all()
                elif repaint:
                    computed = self._last_job
                    result = self.engine.paint(computed)
                else:
                    continue
            except Exception as error:
                traceback.print_exc()
                self.on_error(f"could not draw this frame: {in_words(error)}")
                with self._wake:
                    if job is not None and self._job is job:
                        job.failed = True
                        self._job = None
                    self._wake.notify_all()
                continue
            if not self._hand_over(result, computed, job):
                return

    def _paint_output(self, job: _Job, output: np.ndarray) -> None:
        start, cpu_start = time.perf_counter(), time.thread_time()
        index = len(job.images)
        image = self.engine.paint_layer(index, output, job.smooth)
        job.paint_ms += (time.perf_counter() - start) * 1000
        job.paint_cpu_ms += (time.thread_time() - cpu_start) * 1000
        with self._wake:
            job.images.append(image)

    def _hand_over(self, result: FrameResult, computed: Computed, job: _Job | None) -> bool:
        """Give ``result`` to the GUI once it has drawn the previous one; False when stopping."""
        with self._wake:
            while self._in_flight and not self._stopping:
                self._wake.wait()
            if self._stopping:
                return False
            self._in_flight = True
            self._last_job = computed
            if job is not None and self._job is job:
                self._job = None  # the compute thread may start the next frame
            self._wake.notify_all()
        self.on_result(result)
        return True


def _close_quietly(source: FrameSource) -> None:
    try:
        source.close()
    except Exception:  # a dead device may fail to close; that must never stop the app
        traceback.print_exc()
