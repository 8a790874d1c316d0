"""Grad-CAM over the live input: while it is on, each new frame (when the last one is done: the
newest wins, so it follows at its own pace) is explained off the GUI thread, and the input panel
shows where the winning class comes from."""

from __future__ import annotations

import threading
import traceback

import numpy as np
from PySide6 import QtCore

from convviz.pipeline.engine import FrameResult


class GradCamOverlay(QtCore.QObject):
    """``heatReady(heat, text)`` with a (H, W) heat map in 0..1 and what it explains, in words."""

    heatReady = QtCore.Signal(object, str)
    failed = QtCore.Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.enabled = False
        self._busy = False
        self._cam = None  # GradCam of the current network
        self._waiting: FrameResult | None = None
        self._lock = threading.Lock()
        self.computed = 0  # heat maps made (the benchmark reads it)

    def _emit(self, signal, *values) -> None:
        try:
            signal.emit(*values)
        except RuntimeError:  # the window has closed while this frame was explained: nobody to tell
            self.enabled = False

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        if not enabled:
            self.heatReady.emit(None, "")

    def offer(self, result: FrameResult) -> None:
        """A new frame: explained now if the worker is free, else the newest one waits."""
        if not self.enabled:
            return
        with self._lock:
            if self._busy:
                self._waiting = result
                return
            self._busy = True
        threading.Thread(target=self._explain, args=(result,), name="convviz-gradcam", daemon=True).start()

    def _explain(self, result: FrameResult) -> None:
        from convviz.analysis.gradcam import GradCam
        from convviz.core.classes import class_names, is_classifier

        while result is not None:
            try:
                if not is_classifier(result.geometry) or len(result.outputs) != len(result.geometry.layers):
                    self._emit(self.failed, "Grad-CAM needs a network that ends in a classifier")
                else:
                    if self._cam is None or self._cam.spec is not result.spec:
                        self._cam = GradCam(result.spec)
                    heat = self._cam(np.asarray(result.prepared.tensor))
                    names = class_names(result.spec, result.geometry.output_shape[0])
                    self.computed += 1
                    self._emit(self.heatReady, heat.heat, f"where \u201c{names[heat.target]}\u201d comes from "
                                                          f"(Grad-CAM at layer {heat.layer + 1})")
            except Exception as error:  # never fatal: say so and stop explaining
                traceback.print_exc()
                self.enabled = False
                self._emit(self.failed, f"Grad-CAM stopped: {error}")
            with self._lock:
                result, self._waiting = self._waiting, None
                if result is None or not self.enabled:
                    self._busy = False
                    return
