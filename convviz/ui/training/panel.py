"""The Training dock: choose the data, press Train, and watch the network learn: the loss and accuracy
curves, the first layer's filters turning from noise into edge and colour detectors, and (because the
window runs the weights as they change) every map, the class scores and the mechanics views.

The network must end in a classifier for the data; if it does not, convviz offers to change it (an
undoable edit). The trained weights are one more edit too ("train 8 epochs on shapes"): Ctrl+Z brings
back the weights from before. A run that diverges keeps the last good weights and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.core.errors import ConvvizError
from convviz.core.layers import layer_type
from convviz.model.document import Document, NetworkChange
from convviz.training.datasets import GENERATED, Dataset
from convviz.training.trainer import Progress, TrainResult, TrainSettings
from convviz.ui.theme import Theme
from convviz.ui.training.captures_panel import CapturePanel
from convviz.ui.training.plots import Curves, FilterGrid
from convviz.ui.training.run import Job, TrainingRun

REDRAW_MS = 200  # curves, filters and the live preview follow the run at 5 Hz
DEFAULTS = {  # what each kind of data trains well with (measured: see DEVELOPERS.md, "Training")
    "shapes": {"epochs": 8, "learning_rate": 0.002, "weight_decay": 0.0, "samples": 8000},
    "bars": {"epochs": 20, "learning_rate": 0.002, "weight_decay": 1.0, "samples": 6000},
    "folder": {"epochs": 10, "learning_rate": 0.001, "weight_decay": 0.0, "samples": 0},
    "webcam": {"epochs": 15, "learning_rate": 0.001, "weight_decay": 0.0, "samples": 0},
}


@dataclass(frozen=True)
class DataChoice:
    """What to learn from: "shapes", "bars", "folder" (``folder``) or "webcam" (the capture folder)."""

    kind: str
    samples: int = 0
    folder: Path | None = None
    seed: int = 0


class TrainingPanel(QtWidgets.QWidget):
    """Data, settings, Train / Pause / Step / Stop / Reset, progress, curves and filters.
    ``message(text, is_error)`` for the status bar."""

    message = QtCore.Signal(str, bool)

    def __init__(self, theme: Theme, document: Document, live_frame: Callable[[], tuple[int, object] | None],
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.document = document
        self.run: TrainingRun | None = None
        self.job: Job | None = None
        self.dataset: Dataset | None = None
        self._dataset_key: tuple | None = None
        self._pending: Progress | None = None
        self._ours: set[int] = set()  # networks this panel put in the document (its edits and previews)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self._build_training(), "Train")
        self.captures = CapturePanel(theme, live_frame)
        self.captures.message.connect(self.message)
        self.tabs.addTab(self.captures, "Webcam classes")
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.tabs)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._redraw)
        document.events.network.connect(self._network_changed)
        self._data_changed()
        self._filters_shown = False  # drawn when the dock is first shown: the window starts without torch
        self._buttons()

    def set_theme(self, theme: Theme) -> None:
        """The window's new theme (presenter mode, T): the curves and filters in its colours and sizes
        (the panel is kept: a run and its curves go on)."""
        self.theme = theme
        self.captures.theme = theme
        self.curves.set_theme(theme)
        self.filters.set_theme(theme)

    # ---- layout -----------------------------------------------------------------------------------------
    def _build_training(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        box = QtWidgets.QVBoxLayout(page)
        form = QtWidgets.QGridLayout()
        self.data = QtWidgets.QComboBox()
        for text, kind in (("shapes (generated)", "shapes"), ("bars, 8 orientations (generated)", "bars"),
                           ("a picture folder...", "folder"), ("webcam classes", "webcam")):
            self.data.addItem(text, kind)
        self.data.currentIndexChanged.connect(lambda index: self._data_changed())
        self.samples = QtWidgets.QSpinBox()
        self.samples.setRange(8, 200_000)
        self.samples.setSingleStep(1000)
        self.samples.setSuffix(" pictures")
        self.folder_button = QtWidgets.QPushButton("Choose...")
        self.folder_button.clicked.connect(self._choose_folder)
        self.folder: Path | None = None
        self.epochs = QtWidgets.QSpinBox()
        self.epochs.setRange(1, 10_000)
        self.batch = QtWidgets.QSpinBox()
        self.batch.setRange(1, 4096)
        self.batch.setValue(64)
        self.rate = QtWidgets.QDoubleSpinBox()
        self.rate.setDecimals(5)
        self.rate.setRange(0.00001, 100.0)
        self.rate.setSingleStep(0.001)
        self.decay = QtWidgets.QDoubleSpinBox()
        self.decay.setDecimals(3)
        self.decay.setRange(0.0, 10.0)
        self.decay.setSingleStep(0.1)
        self.decay.setToolTip("shrinks the weights a little every step: 1.0 turns first-layer filters into clean "
                              "edge detectors on the bars")
        self.optimiser = QtWidgets.QComboBox()
        self.optimiser.addItem("Adam(W)", "adam")
        self.optimiser.addItem("SGD with momentum", "sgd")
        self.seed = QtWidgets.QSpinBox()
        self.seed.setRange(0, 1_000_000)
        for box_ in (self.data, self.optimiser):  # their longest entry must not set the dock's least width:
            box_.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box_.setMinimumContentsLength(6)  # beside the maps in presenter mode it no longer fit the screen
        rows = (("data", self.data), ("size", self.samples), ("folder", self.folder_button),
                ("epochs", self.epochs), ("batch size", self.batch), ("learning rate", self.rate),
                ("weight decay", self.decay), ("optimiser", self.optimiser), ("seed", self.seed))
        for row, (label, widget) in enumerate(rows):
            form.addWidget(QtWidgets.QLabel(label), row // 2, (row % 2) * 2)
            form.addWidget(widget, row // 2, (row % 2) * 2 + 1)
        box.addLayout(form)
        buttons = QtWidgets.QHBoxLayout()
        self.train_button = QtWidgets.QPushButton("Train")
        self.pause_button = QtWidgets.QPushButton("Pause")
        self.step_button = QtWidgets.QPushButton("Step")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.reset_button = QtWidgets.QPushButton("Reset weights")
        self.train_button.clicked.connect(self.train)
        self.pause_button.clicked.connect(self.pause)
        self.step_button.clicked.connect(self.step)
        self.stop_button.clicked.connect(self.stop)
        self.reset_button.clicked.connect(self.reset_weights)
        for button in (self.train_button, self.pause_button, self.step_button, self.stop_button, self.reset_button):
            buttons.addWidget(button)
        box.addLayout(buttons)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setTextVisible(True)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        box.addWidget(self.progress)
        box.addWidget(self.status)
        self.curves = Curves(self.theme)
        box.addWidget(self.curves, 2)
        self.filters_title = QtWidgets.QLabel("")
        self.filters_title.setWordWrap(True)
        box.addWidget(self.filters_title)
        self.filters = FilterGrid(self.theme)
        box.addWidget(self.filters, 2)
        return page

    # ---- settings ----------------------------------------------------------------------------------------
    def _data_changed(self) -> None:
        kind = self.data.currentData()
        defaults = DEFAULTS[kind]
        with signals_blocked(self.samples):
            self.samples.setValue(max(8, defaults["samples"]))
        self.samples.setEnabled(kind in GENERATED)
        self.folder_button.setEnabled(kind == "folder")
        self.epochs.setValue(defaults["epochs"])
        self.rate.setValue(defaults["learning_rate"])
        self.decay.setValue(defaults["weight_decay"])
        if kind == "webcam" and hasattr(self, "captures"):  # (not yet made while the form is built)
            self.tabs.setCurrentWidget(self.captures)

    def _choose_folder(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Pictures: one subfolder per class")
        if folder:
            self.set_folder(Path(folder))

    def set_folder(self, folder: Path) -> None:
        self.folder = folder
        self.folder_button.setText(folder.name)
        self.folder_button.setToolTip(str(folder))
        self.data.setCurrentIndex(self.data.findData("folder"))

    def choice(self) -> DataChoice:
        kind = self.data.currentData()
        folder = self.folder if kind == "folder" else self.captures.store.folder if kind == "webcam" else None
        return DataChoice(kind, self.samples.value() if kind in GENERATED else 0, folder, self.seed.value())

    def settings(self) -> TrainSettings:
        return TrainSettings(epochs=self.epochs.value(), batch_size=self.batch.value(), learning_rate=self.rate.value(),
                             optimiser=self.optimiser.currentData(), seed=self.seed.value(),
                             device=self.document.device, weight_decay=self.decay.value())

    # ---- commands ----------------------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.run is not None and self.run.running

    def train(self) -> None:
        """Train (or resume a paused run): the data is made off the GUI thread first."""
        if self.training:
            self.resume()
            return
        if self.job is not None:
            return
        choice = self.choice()
        if choice.kind == "folder" and choice.folder is None:
            self._choose_folder()
            choice = self.choice()
            if choice.folder is None:
                return
        if choice.kind == "webcam":
            missing = self.captures.store.ready()
            if missing:
                self.message.emit(missing, True)
                return
        spec = self.document.network
        size = (spec.input.height, spec.input.width)
        key = (choice, size)
        if key == self._dataset_key and self.dataset is not None and choice.kind in GENERATED:
            self._start(self.dataset)
            return
        self.status.setText("making the data...")
        self.job = Job(lambda report: _make_data(choice, size, report), self)
        self.job.status.connect(self.status.setText)
        self.job.done.connect(lambda data: self._data_ready(data, key))
        self.job.failed.connect(self._data_failed)
        self.job.start()
        self._buttons()

    def _data_failed(self, text: str) -> None:
        self.job = None
        self.status.setText("")
        self.message.emit(text, True)
        self._buttons()

    def _data_ready(self, data: Dataset, key: tuple) -> None:
        self.job = None
        self.dataset, self._dataset_key = data, key
        for note in data.notes:
            self.message.emit(note, False)
        self._start(data)

    def _start(self, data: Dataset) -> None:
        from convviz.training.classifier import prepare_for_training
        from convviz.training.trainer import check_trainable

        spec = self.document.network
        try:
            prepared, changes = prepare_for_training(spec, data.classes, data.images)
            if changes:
                answer = QtWidgets.QMessageBox.question(
                    self, "Ready to learn?",
                    f"To learn {data.name} ({len(data.classes)} classes), convviz will change the network: {changes}. "
                    "Ctrl+Z undoes it.", QtWidgets.QMessageBox.StandardButton.Ok
                    | QtWidgets.QMessageBox.StandardButton.Cancel, QtWidgets.QMessageBox.StandardButton.Ok)
                if answer != QtWidgets.QMessageBox.StandardButton.Ok:
                    self.status.setText("not trained: the network does not fit the data")
                    self._buttons()
                    return
                self._ours.add(id(prepared))
                self.document.edit(prepared, f"fit the network to {data.name}")
            settings = self.settings().checked()
            check_trainable(self.document.network, data)
        except ConvvizError as error:
            self.message.emit(str(error), True)
            self.status.setText("")
            self._buttons()
            return
        self.curves.clear()
        self.run = TrainingRun(self.document.network, data, settings, self)
        self.run.progressed.connect(self._progressed)
        self.run.finished.connect(self._finished)
        self.run.failed.connect(self._failed)
        self.progress.setRange(0, self.run.total_steps)
        self.progress.setValue(0)
        self.status.setText(f"starting to learn {data.describe()}...")
        self.run.start()
        self.document.set_training(True)
        self.timer.start()
        self._buttons()

    def pause(self) -> None:
        if self.training:
            if self.run.control.paused:
                self.resume()
            else:
                self.run.control.pause()
                self.status.setText("paused: Step trains one batch, Train or Pause goes on")
        self._buttons()

    def resume(self) -> None:
        if self.training:
            self.run.control.resume()
        self._buttons()

    def step(self) -> None:
        if self.training:
            self.run.control.step()
        self._buttons()

    def stop(self) -> None:
        if self.training:
            self.run.control.stop()
        self._buttons()

    def reset_weights(self) -> None:
        """The network's starting weights again (an undoable edit): learn from scratch."""
        from convviz.core.editing import reset_tensors

        if self.training:
            self.message.emit("stop the training first", True)
            return
        try:
            self.document.edit(reset_tensors(self.document.network), "reset the weights")
        except ConvvizError as error:
            self.message.emit(str(error), True)
        self.curves.clear()
        self.progress.setValue(0)

    # ---- while it learns ---------------------------------------------------------------------------------
    def _progressed(self, progress: Progress) -> None:
        self.curves.add(progress)
        if self._pending is None or progress.tensors is not None or self._pending.tensors is None:
            self._pending = progress

    def _redraw(self) -> None:
        progress = self._pending
        if progress is None:
            return
        self._pending = None
        self.curves.draw()
        self.progress.setValue(progress.step)
        held = (f", held out {progress.held_out_accuracy * 100:.1f}%" if progress.held_out_accuracy is not None
                else "")
        self.progress.setFormat(f"epoch {progress.epoch}/{progress.epochs} \u00b7 step {progress.step:,}/"
                                f"{progress.steps:,}")
        self.status.setText(f"loss {progress.train_loss:.3f}, accuracy {progress.train_accuracy * 100:.1f}%{held} "
                            f"\u00b7 {progress.samples_per_second:,.0f} pictures/s"
                            + (" \u00b7 paused" if self.run is not None and self.run.control.paused else ""))
        if progress.tensors is not None and self.run is not None:
            preview = self._with_tensors(progress.tensors)
            if preview is not None:
                self._ours.add(id(preview))
                self.document.preview(preview)  # every map and view runs the weights as they are now
                self._show_filters_of(preview)

    def _with_tensors(self, tensors: dict[int, dict]) -> object | None:
        from convviz.core.editing import set_tensors

        spec = self.document.network
        try:
            for index, values in tensors.items():
                spec = set_tensors(spec, index, values)
        except ConvvizError:
            return None
        return spec

    def _finished(self, result: TrainResult) -> None:
        self.timer.stop()
        self.document.set_training(False)
        self._redraw()
        run, self.run = self.run, None
        data = run.dataset if run is not None else None
        label = f"train {run.step:,} steps on {data.name}" if run and data else "train"
        if result.spec != self.document.network:
            try:
                self._ours.add(id(result.spec))
                self.document.edit(result.spec, label)
            except ConvvizError as error:
                self.message.emit(str(error), True)
        self.message.emit(result.message + (" (Ctrl+Z: the weights from before)" if result.reason != "diverged"
                                            else ""), result.reason == "diverged")
        self.status.setText(result.message)
        self._show_filters_of(self.document.network)
        self._buttons()

    def _failed(self, text: str) -> None:
        self.timer.stop()
        self.document.set_training(False)
        self.run = None
        self.message.emit(text, True)
        self.document.preview(self.document.network)
        self._buttons()

    def _network_changed(self, change: NetworkChange) -> None:
        """Someone else changed the network while it trains: the run stops (its weights would not fit)."""
        if id(change.spec) in self._ours:
            self._ours.discard(id(change.spec))
            return
        if self.training and change.label not in ("preview",):
            self.run.control.stop()
            self.message.emit("the network changed: training stopped", True)
        if not change.transient:
            self._show_filters_of(change.spec)

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if not self._filters_shown:
            self._show_filters_of(self.document.network)

    def _show_filters_of(self, spec) -> None:
        """The first layer with filters, as pictures, with how orientation-selective they are."""
        self._filters_shown = True
        from convviz.core.compute import layer_tensors
        from convviz.core.geometry import analyze
        from convviz.training.selectivity import orientation_selectivity

        geometry = analyze(spec)
        for g in geometry.layers:
            if layer_type(g.type).has_filters:
                try:
                    weight = layer_tensors(spec, g.index)["weight"]
                except ConvvizError:
                    break
                self.filters.show_weights(weight)
                selectivity = float(orientation_selectivity(weight).mean())
                self.filters_title.setText(f"layer {g.index + 1}: {weight.shape[0]} filters "
                                           f"{weight.shape[2]}x{weight.shape[3]}, orientation selectivity "
                                           f"{selectivity:.2f} (0: none, 1: one angle)")
                return
        self.filters_title.setText("no convolution layer: no filters to show")

    def _buttons(self) -> None:
        training = self.training
        paused = training and self.run.control.paused
        busy = self.job is not None
        self.train_button.setEnabled(not busy and (not training or paused))
        self.train_button.setText("Resume" if paused else "Train")
        self.pause_button.setEnabled(training)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.step_button.setEnabled(bool(paused))
        self.stop_button.setEnabled(training)
        self.reset_button.setEnabled(not training and not busy)

    def shutdown(self) -> None:
        """Stop a run before the window closes (its process ends)."""
        if self.run is not None:
            self.run.shutdown()


def _make_data(choice: DataChoice, size: tuple[int, int], report: Callable[[str], None]) -> Dataset:
    from convviz.training.command import load_data

    if choice.kind in GENERATED:
        report(f"drawing {choice.samples:,} {choice.kind} pictures at {size[1]}x{size[0]}...")
        return load_data(choice.kind, size, choice.samples, choice.seed)
    from convviz.training.datasets import load_folder

    assert choice.folder is not None
    return load_folder(choice.folder, size, choice.seed,
                       progress=lambda done, total: report(f"reading pictures {done:,}/{total:,}..."))
