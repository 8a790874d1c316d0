"""The bridge between the pipeline threads and the GUI thread: callbacks become queued Qt signals."""

from __future__ import annotations

from PySide6 import QtCore

from convviz.core.spec import NetworkSpec
from convviz.pipeline.engine import Engine
from convviz.pipeline.live import LivePipeline
from convviz.sources.base import FrameSource


class PipelineBridge(QtCore.QObject):
    """Owns the LivePipeline; its signals arrive on the GUI thread.

    Whoever draws ``resultReady`` must call ``done()`` afterwards so the next result can come.
    """

    resultReady = QtCore.Signal(object)  # FrameResult
    previewReady = QtCore.Signal(object)  # Preview: the first picture, before the network is ready
    errorRaised = QtCore.Signal(str)
    sourceLost = QtCore.Signal(str)
    sourceChanged = QtCore.Signal(object)  # FrameSource
    networkRefused = QtCore.Signal(object, str)  # NetworkSpec, message

    def __init__(self, spec: NetworkSpec, source: FrameSource, lut, device: str = "auto",
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.engine = Engine(spec, lut, device)
        self.pipeline = LivePipeline(
            self.engine, source,
            on_result=self.resultReady.emit,
            on_error=self.errorRaised.emit,
            on_source_lost=self.sourceLost.emit,
            on_source_changed=self.sourceChanged.emit,
            on_network_refused=self.networkRefused.emit,
            on_preview=self.previewReady.emit,
            wait_for_window=True,  # MainWindow.paintEvent says when it is up
        )

    def start(self) -> None:
        self.pipeline.start()

    def stop(self) -> None:
        self.pipeline.stop()

    def done(self) -> None:
        self.pipeline.ack()
