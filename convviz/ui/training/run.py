"""Training jobs off the GUI thread: making the data (a thread), and the run itself (a process of its
own, convviz.training.process); what happens arrives as Qt signals on the GUI thread."""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore

from convviz.core.errors import ConvvizError
from convviz.training.datasets import Dataset
from convviz.training.process import TrainingProcess
from convviz.training.trainer import Progress, TrainSettings, total_steps


class Job(QtCore.QObject):
    """Runs ``work(report)`` on a thread; ``report(text)`` becomes ``status``, the return value
    ``done``, a ConvvizError (or any failure) ``failed`` with its message."""

    status = QtCore.Signal(str)
    done = QtCore.Signal(object)
    failed = QtCore.Signal(str)

    def __init__(self, work: Callable[[Callable[[str], None]], Any], parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._work = work
        self.thread = threading.Thread(target=self._run, name="convviz-training-data", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            result = self._work(self.status.emit)
        except ConvvizError as error:
            self.failed.emit(str(error))
        except Exception as error:  # never let a worker die silently
            traceback.print_exc()
            self.failed.emit(f"could not make the data: {error}")
        else:
            self.done.emit(result)


class Pause:
    """What the panel asks of a run; the process obeys at its next batch."""

    def __init__(self, process: TrainingProcess):
        self._process = process
        self.paused = False

    def pause(self) -> None:
        self.paused = True
        self._process.send("pause")

    def resume(self) -> None:
        self.paused = False
        self._process.send("resume")

    def step(self) -> None:
        self.paused = True  # one batch, then paused again
        self._process.send("step")

    def stop(self) -> None:
        self._process.send("stop")


class TrainingRun(QtCore.QObject):
    """One run in its own process. ``progressed(Progress)`` for every batch, ``finished(TrainResult)``
    at the end, ``failed(message)`` if it could not run. ``control`` pauses, steps and stops it."""

    progressed = QtCore.Signal(object)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)

    def __init__(self, spec, dataset: Dataset, settings: TrainSettings, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.dataset = dataset
        self.settings = settings
        self.total_steps = total_steps(dataset, settings)
        threads = max(1, (os.cpu_count() or 2) - 1)  # one core stays with the window
        self.process = TrainingProcess(spec, dataset, settings, threads)
        self.control = Pause(self.process)
        self.latest: Progress | None = None
        self._ended = threading.Event()
        self.reader = threading.Thread(target=self._read, name="convviz-training-reader", daemon=True)

    @property
    def step(self) -> int:
        return self.latest.step if self.latest is not None else 0

    def start(self) -> None:
        self.process.start()
        self.reader.start()

    def _read(self) -> None:
        """Messages from the process become signals; a process that dies says so."""
        while not self._ended.is_set():
            message = self.process.receive(timeout=0.5)
            if message is None:
                if not self.process.alive:
                    message = self.process.receive(timeout=0.5) or ("failed", "the training process ended unexpectedly")
                else:
                    continue
            kind, value = message
            if kind == "progress":
                self.latest = value
                self.progressed.emit(value)
                continue
            self._ended.set()
            (self.finished if kind == "finished" else self.failed).emit(value)
        self.process.end()

    @property
    def running(self) -> bool:
        return not self._ended.is_set()

    def shutdown(self) -> None:
        self._ended.set()
        self.process.end(wait=1.0)
