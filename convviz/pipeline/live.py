"""The pipeline thread: source -> engine -> one result at a time to whoever draws it.

The newest frame wins. The thread reads a frame, computes it, and hands the result over only once
the previous one has been drawn (``ack``); it computes the next frame while the GUI draws, but never
queues results, so latency stays one frame and memory stays flat however slow the drawing is.
Changes (network, source, device, freeze) are requests picked up between frames.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from convviz.core.errors import ConvvizError
from convviz.core.spec import NetworkSpec
from convviz.pipeline.engine import Engine, FrameResult
from convviz.sources.base import Frame, FrameSource

ResultCallback = Callable[[FrameResult], None]
MessageCallback = Callable[[str], None]


@dataclass
class _Requests:
    source: FrameSource | None = None
    spec: NetworkSpec | None = None
    device: str | None = None
    frozen: bool | None = None
    refresh: bool = False
    lut: np.ndarray | None = None
    aspect: float | None = None


class LivePipeline:
    """Runs an Engine on its own thread.

    ``on_result`` is called on the pipeline thread with each result; the receiver must call
    ``ack()`` once it has drawn it. ``on_error`` gets messages for the user (a camera that fails, a
    network that cannot be built); ``on_source_lost`` is told when a live source stops delivering.
    """

    def __init__(self, engine: Engine, source: FrameSource, on_result: ResultCallback,
                 on_error: MessageCallback | None = None, on_source_lost: MessageCallback | None = None,
                 on_source_changed: Callable[[FrameSource], None] | None = None):
        self.engine = engine
        self.source = source
        self.on_result = on_result
        self.on_error = on_error or (lambda message: None)
        self.on_source_lost = on_source_lost or self.on_error
        self.on_source_changed = on_source_changed or (lambda source: None)
        self.frozen = False
        self.last_frame: Frame | None = None
        self.source_ok = True
        self._requests = _Requests(source=source, refresh=True)  # opened on the thread
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._in_flight = False
        self._stopping = False
        self._thread: threading.Thread | None = None

    # ---- requests from any thread -------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="convviz-pipeline", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        try:
            self.source.close()
        except Exception:  # closing must never stop an exit
            pass

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
        self._request(lut=lut)

    def set_mosaic_aspect(self, aspect: float) -> None:
        """Lay out each layer's maps for panels of this width / height."""
        self._request(aspect=aspect)

    def refresh(self) -> None:
        """Compute the current frame again (e.g. after a colour change)."""
        self._request(refresh=True)

    # ---- the thread -------------------------------------------------------------------------------
    def _take_requests(self) -> _Requests:
        with self._wake:
            while True:
                requests = self._requests
                pending = (requests.source or requests.spec or requests.device or requests.frozen is not None
                           or requests.refresh or requests.lut is not None or requests.aspect is not None)
                live = self.source.live and self.source_ok and not self.frozen
                if pending or live or self._stopping:
                    self._requests = _Requests()
                    return requests
                self._wake.wait()

    def _apply(self, requests: _Requests) -> bool:
        """Apply changes; True if the current frame must be computed again."""
        changed = requests.refresh
        if requests.source is not None:
            new = requests.source
            try:
                new.open()
            except ConvvizError as error:
                self.on_error(str(error))
            else:
                old, self.source = self.source, new
                self.source_ok = True
                self.last_frame = None
                if old is not new:
                    try:
                        old.close()
                    except Exception:
                        pass
                self.on_source_changed(new)
                changed = True
        if requests.lut is not None:
            self.engine.painter.set_lut(requests.lut)
            changed = True
        if requests.aspect is not None:
            self.engine.painter.aspect = requests.aspect
            changed = True
        try:
            if requests.spec is not None:
                self.engine.set_network(requests.spec)
                changed = True
            if requests.device is not None:
                self.engine.set_device(requests.device)
                changed = True
        except Exception as error:  # a network torch refuses: say so, keep the old one
            self.on_error(f"cannot build the network: {error}")
        if requests.frozen is not None:
            self.frozen = requests.frozen
            changed = True
        return changed

    def _next_frame(self, changed: bool) -> Frame | None:
        needs_new = self.source.live and self.source_ok and not self.frozen
        if not needs_new and self.last_frame is not None:
            return self.last_frame if changed else None
        try:
            frame = self.source.read()
        except ConvvizError as error:
            self.source_ok = False
            self.on_source_lost(str(error))
            return self.last_frame if changed else None
        self.last_frame = frame
        return frame

    def _wait_until_drawn(self) -> bool:
        with self._wake:
            while self._in_flight and not self._stopping:
                self._wake.wait(0.5)
            if self._stopping:
                return False
            self._in_flight = True
            return True

    def _run(self) -> None:
        while True:
            requests = self._take_requests()
            if self._stopping:
                return
            try:
                changed = self._apply(requests)
                frame = self._next_frame(changed)
                if frame is None:
                    continue
                result = self.engine.process(frame, self.source.describe())
            except Exception as error:  # never let the thread die mid-lecture
                traceback.print_exc()
                self.on_error(f"could not compute this frame: {error}")
                self.source_ok = self.source_ok and not self.source.live
                continue
            if not self._wait_until_drawn():
                return
            self.on_result(result)
