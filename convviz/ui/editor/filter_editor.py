"""Every filter of one conv layer as small images with their numbers: pick a hand-made filter for one
filter or all, type a single weight, re-initialise (seeded), load a .npy. What a class does to ask
"what does a Sobel filter see?" on the webcam: the result is on the live frame at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore, QtWidgets

from convviz.core import editing
from convviz.core.errors import ConvvizError
from convviz.core.filters import FILTER_TITLES
from convviz.core.layers import layer_type
from convviz.core.weights_io import load_layer_weights
from convviz.ui.panels.grid_view import GridView, colour_cells, number_text

if TYPE_CHECKING:
    from convviz.ui.editor.layer_editor import LayerEditor

PAGE = 8  # filters (rows) and input channels (columns) shown at once


class FilterEditor(QtWidgets.QDialog):
    """Filters of layer ``index`` of the editor's network; edits go through the editor (undoable)."""

    def __init__(self, editor: LayerEditor, index: int, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.editor = editor
        self.index = index
        self.theme = editor.theme
        self.setWindowTitle(f"Filters of layer {index + 1}")
        self.resize(900, 700)
        outer = QtWidgets.QVBoxLayout(self)
        controls = QtWidgets.QGridLayout()
        self.filter_combo = QtWidgets.QComboBox()
        for name, title in FILTER_TITLES.items():
            self.filter_combo.addItem(title, name)
        self.target = QtWidgets.QSpinBox()
        self.target.setPrefix("filter ")
        apply_one = QtWidgets.QPushButton("Apply to this filter")
        apply_one.clicked.connect(lambda: self.apply_filter(self.target.value() - 1))  # the box counts from 1
        apply_all = QtWidgets.QPushButton("Apply to all filters")
        apply_all.clicked.connect(lambda: self.apply_filter(None))
        controls.addWidget(QtWidgets.QLabel("Hand-made filter"), 0, 0)
        controls.addWidget(self.filter_combo, 0, 1)
        controls.addWidget(self.target, 0, 2)
        controls.addWidget(apply_one, 0, 3)
        controls.addWidget(apply_all, 0, 4)
        self.seed = QtWidgets.QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setPrefix("seed ")
        reinit = QtWidgets.QPushButton("Re-initialise (random, seeded)")
        reinit.clicked.connect(self.reinitialise)
        load = QtWidgets.QPushButton("Load .npy...")
        load.clicked.connect(self.load_npy)
        self.page = QtWidgets.QSpinBox()
        self.page.setPrefix("first filter shown ")
        self.page.valueChanged.connect(lambda value: self.refresh())
        controls.addWidget(QtWidgets.QLabel("Weights"), 1, 0)
        controls.addWidget(self.seed, 1, 1)
        controls.addWidget(reinit, 1, 2)
        controls.addWidget(load, 1, 3)
        controls.addWidget(self.page, 1, 4)
        outer.addLayout(controls)
        self.hover = QtWidgets.QLabel("Hover a cell to read it; click it to type a new value.")
        outer.addWidget(self.hover)
        self.grid_holder = QtWidgets.QWidget()
        self.grid = QtWidgets.QGridLayout(self.grid_holder)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_holder)
        outer.addWidget(scroll, 1)
        self.views: dict[tuple[int, int], GridView] = {}
        self.labels: list[QtWidgets.QLabel] = []
        self.weight: np.ndarray | None = None
        self._lut = self.theme.lut()
        editor.document.events.network.connect(self._network_changed)
        self.finished.connect(lambda result: editor.document.events.network.disconnect(self._network_changed))
        self.refresh()

    def _network_changed(self, change) -> None:
        if not change.transient:
            self.refresh()

    def refresh(self) -> None:
        layers = self.editor.spec.layers
        if self.index >= len(layers) or not layer_type(layers[self.index].type).has_filters:
            self.close()
            return
        try:
            self.weight, _ = editing.current_weights(self.editor.spec, self.index)
        except ConvvizError as error:
            self.hover.setText(str(error))
            return
        out_channels, in_channels = self.weight.shape[:2]
        self.target.setRange(1, out_channels)  # counted from 1, as a person counts
        self.page.setRange(1, max(1, out_channels))
        first = self.page.value() - 1
        rows = range(first, min(out_channels, first + PAGE))
        columns = range(min(in_channels, PAGE))
        scale = max(float(np.abs(self.weight).max()), 1e-6)
        wanted = {(o, i) for o in rows for i in columns}
        for key in list(self.views):
            if key not in wanted:
                view = self.views.pop(key)
                self.grid.removeWidget(view)
                view.deleteLater()
        for label in self.labels:
            self.grid.removeWidget(label)
            label.deleteLater()
        self.labels = []
        layer = self.editor.spec.layers[self.index]
        init = layer.params["init"]
        colour_input = self.index == 0 and in_channels == 3
        for column, i in enumerate(columns):
            label = QtWidgets.QLabel(("R", "G", "B")[i] if colour_input else f"input {i + 1}")
            label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(label, 0, column + 1)
            self.labels.append(label)
        for row_position, o in enumerate(rows):
            name = ""
            if layer.get("weight") is None:
                name = init if isinstance(init, str) else init[o]
            label = QtWidgets.QLabel(f"filter {o + 1}\n{name}".strip())
            self.grid.addWidget(label, row_position + 1, 0)
            self.labels.append(label)
            for column, i in enumerate(columns):
                view = self.views.get((o, i))
                if view is None:
                    view = GridView(self.theme)
                    view.setMinimumSize(110, 110)
                    view.min_cell_px = 24
                    view.cellHovered.connect(lambda r, c, o=o, i=i: self._hovered(o, i, r, c))
                    view.cellClicked.connect(lambda r, c, o=o, i=i: self._clicked(o, i, r, c))
                    self.views[(o, i)] = view
                self.grid.addWidget(view, row_position + 1, column + 1)
                kernel = self.weight[o, i]
                view.set_cells(kernel, colour_cells(kernel, self._lut, scale))
        header = (f"filters {rows.start + 1}-{rows.stop} of {out_channels} (rows) x input channels "
                  f"1-{columns.stop}")
        if in_channels > PAGE:
            header += f" of {in_channels}"
        self.setWindowTitle(f"Filters of layer {self.index + 1}: {header}")

    def _hovered(self, o: int, i: int, r: int, c: int) -> None:
        if self.weight is not None and 0 <= r < self.weight.shape[2] and 0 <= c < self.weight.shape[3]:
            self.hover.setText(f"filter {o + 1}, input channel {i + 1}, row {r + 1}, column {c + 1}: "
                               f"{number_text(float(self.weight[o, i, r, c]))}  (click to change)")

    def _clicked(self, o: int, i: int, r: int, c: int) -> None:
        if self.weight is None or not (0 <= r < self.weight.shape[2] and 0 <= c < self.weight.shape[3]):
            return
        value, ok = QtWidgets.QInputDialog.getDouble(
            self, "Weight", f"filter {o + 1}, input channel {i + 1}, row {r + 1}, column {c + 1}",
            float(self.weight[o, i, r, c]), -1000.0, 1000.0, 4)
        if ok:
            self.set_weight(o, i, r, c, value)

    def set_weight(self, o: int, i: int, r: int, c: int, value: float) -> None:
        self.editor.edit(lambda: editing.set_weight_value(self.editor.spec, self.index, o, i, r, c, value),
                         f"weight of filter {o + 1}", self.index)

    def apply_filter(self, out_channel: int | None) -> None:
        name = self.filter_combo.currentData()
        label = f"{name} on filter {out_channel + 1}" if out_channel is not None else f"{name} on every filter"
        self.editor.edit(lambda: editing.set_filter(self.editor.spec, self.index, name, out_channel), label,
                         self.index)

    def reinitialise(self) -> None:
        self.editor.edit(lambda: editing.reinitialise(self.editor.spec, self.index, self.seed.value()),
                         "re-initialise", self.index)

    def load_npy(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Weights for this layer", "", "NumPy array (*.npy)")
        if path:
            self.editor.edit(lambda: load_layer_weights(self.editor.spec, self.index, path), "load weights",
                             self.index)


__all__ = ["FilterEditor"]
