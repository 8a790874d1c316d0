"""What does this unit look for? For a chosen map of a layer (picked here, or by pointing at a unit in
any panel): the patches of a data set that excite it most, each cut to the unit's receptive field
with its activation; the picture it wants (gradient ascent on the input, animated while it climbs);
and, on the input panel, where the network's winning class comes from (Grad-CAM), live.

The scans and the climb run off the GUI thread; scans are cached per network and data set (a network
with new weights is a new network), so going back to a map is immediate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.analysis.top_patches import Patch, TopPatchCache, layer_tops, patches
from convviz.core.geometry import NetworkGeometry
from convviz.core.layers import layer_type
from convviz.export.figure import mark_controls
from convviz.model.selection import SelectionModel
from convviz.pipeline.engine import FrameResult
from convviz.training.datasets import Dataset
from convviz.ui.panels.image_view import ImageView
from convviz.ui.panels.view_common import LayerChooser, big_label
from convviz.ui.theme import Theme
from convviz.ui.training.run import Job

TOP = 9
TILE = 64  # pixels per patch in the mosaic (patches are scaled to it, nearest neighbour)
SCAN_PICTURES = 2000


class UnitView(QtWidgets.QWidget):
    """Top patches and the wanted picture for (layer, map); ``gradCamToggled(bool)`` asks the window
    to show Grad-CAM on the input panel."""

    gradCamToggled = QtCore.Signal(bool)

    def __init__(self, theme: Theme, selection: SelectionModel,
                 training_data: Callable[[], Dataset | None] = lambda: None,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.selection = selection
        self.training_data = training_data
        self.result: FrameResult | None = None
        self.cache = TopPatchCache()
        self.dataset: Dataset | None = None
        self._datasets: dict[tuple, Dataset] = {}
        self.found: list[Patch] = []
        self.scan_job: Job | None = None
        self._climb_stop = threading.Event()
        self._climbing = False
        top = QtWidgets.QHBoxLayout()
        self.layer_box = LayerChooser()
        self.layer_box.layerChosen.connect(lambda index: self._unit_changed())
        self.map_box = QtWidgets.QSpinBox()
        self.map_box.setPrefix("map ")
        self.map_box.valueChanged.connect(lambda value: self._unit_changed())
        self.data_box = QtWidgets.QComboBox()
        for text, kind in (("shapes", "shapes"), ("bars", "bars"), ("the training data", "training")):
            self.data_box.addItem(text, kind)
        self.data_box.currentIndexChanged.connect(lambda index: self._unit_changed())
        self.scan_button = QtWidgets.QPushButton("Find its top patches")
        self.scan_button.clicked.connect(self.scan)
        self.climb_button = QtWidgets.QPushButton("Show the picture it wants")
        self.climb_button.clicked.connect(self.climb)
        self.cam_box = QtWidgets.QCheckBox("Grad-CAM on the input")
        self.cam_box.setToolTip("where the winning class comes from in the live picture")
        self.cam_box.toggled.connect(self.gradCamToggled.emit)
        second = QtWidgets.QHBoxLayout()
        for row, widgets in ((top, (QtWidgets.QLabel("Layer"), self.layer_box, self.map_box, QtWidgets.QLabel("data"),
                                    self.data_box)),
                             (second, (self.scan_button, self.climb_button, self.cam_box))):
            for widget in widgets:
                row.addWidget(widget)
                mark_controls(widget)
            row.addStretch(1)
        self.title = big_label(theme, "Point at a unit in any panel, or choose a layer and a map.", 0.9, bold=True)
        self.title.setMinimumWidth(100)
        self.patches_title = big_label(theme, "What excites it most", 0.75, bold=True)
        self.patches_view = ImageView(theme)
        self.patch_labels: list[pg.TextItem] = []
        self.progress = QtWidgets.QProgressBar()
        self.progress.setVisible(False)
        self.wanted_title = big_label(theme, "The picture it wants", 0.75, bold=True)
        self.wanted_view = ImageView(theme)
        self.wanted_info = big_label(theme, "", 0.6, colour=theme.muted)
        left = QtWidgets.QVBoxLayout()
        left.addWidget(self.patches_title)
        left.addWidget(self.patches_view, 1)
        left.addWidget(self.progress)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.wanted_title)
        right.addWidget(self.wanted_view, 1)
        right.addWidget(self.wanted_info)
        body = QtWidgets.QHBoxLayout()
        body.setSpacing(max(12, round(24 * theme.scale)))  # the two titles read as one line without it
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(second)
        outer.addWidget(self.title)
        outer.addLayout(body, 1)
        selection.listen(self._selection_changed)

    def detach(self) -> None:
        self.selection.forget(self._selection_changed)
        self._climb_stop.set()

    # ---- which unit ---------------------------------------------------------------------------------------
    def layers_for(self, geometry: NetworkGeometry) -> list:
        """Layers with maps that come after a layer with filters (a unit there has learned something)."""
        found, seen = [], False
        for g in geometry.layers:
            seen = seen or layer_type(g.type).has_filters
            if seen and len(g.output_shape) == 3:
                found.append(g)
        return found

    def show_result(self, result: FrameResult) -> None:
        new = self.result is None or result.spec is not self.result.spec
        self.result = result
        if new:
            layers = self.layers_for(result.geometry)
            self.layer_box.fill(result.spec, layers)
            if self.layer_box.current_layer() is None and layers:
                self.layer_box.choose(layers[0].index)
            self._unit_changed()

    def unit(self) -> tuple[int, int] | None:
        """(layer, channel) chosen, 0-based."""
        layer = self.layer_box.current_layer()
        return None if layer is None else (layer, self.map_box.value() - 1)

    def _unit_changed(self) -> None:
        result = self.result
        layer = self.layer_box.current_layer()
        if result is None or layer is None:
            self.title.setText("This network has no layer after a convolution to look into.")
            return
        channels = result.geometry.layers[layer].output_shape[0]
        with signals_blocked(self.map_box):
            self.map_box.setRange(1, channels)
            self.map_box.setSuffix(f" of {channels}")
        channel = self.map_box.value() - 1
        from convviz.core.summary import describe_layer

        self.title.setText(f"Layer {layer + 1} ({describe_layer(result.spec.layers[layer])}), map {channel + 1}: "
                           "what does it look for?")
        dataset = self._dataset(create=False)
        tops = self.cache.get(result.spec, dataset, layer) if dataset is not None else None
        if tops is not None:
            self._show_patches(patches(tops, channel, dataset.images, result.geometry, result.spec.input.channels))
        else:
            self._show_patches([])
            self.patches_title.setText("What excites it most: press \u201cFind its top patches\u201d")

    def _selection_changed(self, selection: SelectionModel) -> None:
        """A unit pinned in any panel becomes this view's unit (if its layer is one it shows)."""
        pinned = selection.pinned
        if pinned is None or self.result is None or pinned.layer < 0:
            return
        if self.layer_box.choose(pinned.layer):
            self.map_box.setValue(pinned.channel + 1)
            self._unit_changed()

    # ---- top patches ------------------------------------------------------------------------------------
    def _dataset(self, create: bool) -> Dataset | None:
        """The data to scan, at the network's input size (made once per kind and size)."""
        result = self.result
        if result is None:
            return None
        kind = self.data_box.currentData()
        size = (result.spec.input.height, result.spec.input.width)
        if kind == "training":
            data = self.training_data()
            return data if data is not None and data.images.shape[1:3] == size else None
        key = (kind, size)
        if key not in self._datasets and create:
            from convviz.training.datasets import generated

            self._datasets[key] = generated(kind, SCAN_PICTURES, size, seed=11)
        return self._datasets.get(key)

    def scan(self) -> None:
        """Scan the data through the network up to the chosen layer (off the GUI thread), then show the
        chosen map's top patches; every other map of the layer is then known too."""
        result, unit = self.result, self.unit()
        if result is None or unit is None or self.scan_job is not None:
            return
        spec, layer = result.spec, unit[0]
        if self.data_box.currentData() == "training" and self._dataset(create=False) is None:
            self.patches_title.setText("No training data of this network's input size yet: train first, or "
                                       "choose shapes or bars")
            return
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)

        def work(report):
            data = self._dataset(create=True)
            tops = layer_tops(spec, data.images, layer, TOP,
                              progress=lambda done, total: report(f"{done}/{total}"))
            return spec, data, tops

        self.scan_job = Job(work, self)
        self.scan_job.status.connect(self._scan_progress)
        self.scan_job.done.connect(self._scanned)
        self.scan_job.failed.connect(self._scan_failed)
        self.scan_button.setEnabled(False)
        self.scan_job.start()

    def _scan_progress(self, text: str) -> None:
        done, total = (int(v) for v in text.split("/"))
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _scanned(self, found: tuple) -> None:
        spec, data, tops = found
        self.scan_job = None
        self.scan_button.setEnabled(True)
        self.progress.setVisible(False)
        self.cache.put(spec, data, tops)
        self._unit_changed()

    def _scan_failed(self, text: str) -> None:
        self.scan_job = None
        self.scan_button.setEnabled(True)
        self.progress.setVisible(False)
        self.patches_title.setText(f"could not scan: {text}")

    def _show_patches(self, found: list[Patch]) -> None:
        """The patches in a 3x3 mosaic, each scaled to TILE pixels, its activation under it."""
        self.found = found
        columns = 3
        rows = max(1, int(np.ceil(len(found) / columns)))
        gap, label = 6, 18
        mosaic = np.full((rows * (TILE + gap + label), columns * (TILE + gap), 3),
                         int(self.theme.panel[1:3], 16), np.uint8)
        for text in self.patch_labels:
            text.setVisible(False)
        import cv2

        for k, patch in enumerate(found):
            row, col = divmod(k, columns)
            top, left = row * (TILE + gap + label), col * (TILE + gap)
            crop = patch.crop if patch.crop.size else np.zeros((1, 1, 3), np.uint8)
            mosaic[top:top + TILE, left:left + TILE] = cv2.resize(crop, (TILE, TILE), interpolation=cv2.INTER_NEAREST)
            while len(self.patch_labels) <= k:
                text = pg.TextItem("", color=self.theme.foreground, anchor=(0.5, 0))
                font = QtGui.QFont()
                font.setPointSizeF(self.theme.text_pt)  # a figure's numbers: 20-pixel digits on a projector
                text.setFont(font)
                self.patches_view.view.addItem(text)
                self.patch_labels.append(text)
            self.patch_labels[k].setText(f"{patch.value:.3g}")
            self.patch_labels[k].setPos(left + TILE / 2, top + TILE + 1)
            self.patch_labels[k].setVisible(True)
        self.patches_view.set_image(mosaic)
        if found:
            data = self.data_box.currentText()
            self.patches_title.setText(f"What excites it most: the {len(found)} strongest of {data}, each cut to "
                                       "the unit's receptive field (activation under it)")

    # ---- the picture it wants ---------------------------------------------------------------------------
    def climb(self) -> None:
        """Gradient ascent on the input for the chosen map's centre unit, drawn as it climbs."""
        result, unit = self.result, self.unit()
        if result is None or unit is None:
            return
        if self._climbing:
            self._climb_stop.set()
            return
        from convviz.analysis.maximise import maximise, picture

        spec, (layer, channel) = result.spec, unit
        self._climb_stop = stop = threading.Event()
        self._climbing = True
        self.climb_button.setText("Stop")

        def work(report):
            last = None
            for step in maximise(spec, layer, channel, steps=200, every=5):
                if stop.is_set():
                    break
                last = step
                report(step)
            return last

        job = _AscentJob(work, self)
        job.stepped.connect(lambda step: self._show_wanted(step, picture(step.image, spec)))
        job.done.connect(self._climbed)
        job.failed.connect(lambda text: (self._climbed(None), self.wanted_info.setText(text)))
        job.start()

    def _show_wanted(self, step, rgb: np.ndarray) -> None:
        self.wanted_view.set_image(rgb)
        self.wanted_info.setText(f"step {step.step}: activation {step.activation:.3g} (jitter, blur and a "
                                 "penalty on large values keep it a picture, not noise)")

    def _climbed(self, last) -> None:
        self._climbing = False
        self.climb_button.setText("Show the picture it wants")


class _AscentJob(QtCore.QObject):
    """The climb on a thread: each reported step arrives as ``stepped`` on the GUI thread."""

    stepped = QtCore.Signal(object)
    done = QtCore.Signal(object)
    failed = QtCore.Signal(str)

    def __init__(self, work, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._work = work

    def start(self) -> None:
        threading.Thread(target=self._run, name="convviz-ascent", daemon=True).start()

    def _run(self) -> None:
        try:
            self.done.emit(self._work(self.stepped.emit))
        except Exception as error:  # shown, never fatal
            self.failed.emit(f"could not climb: {error}")
