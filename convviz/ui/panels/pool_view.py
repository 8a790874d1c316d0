"""Pooling, animated: the window sweeps one activation map; max pooling marks the winning cell and
carries it to the output, average pooling shows the mean."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets

from convviz.core.geometry import LayerGeometry
from convviz.core.mechanics import PoolStep, pool_step
from convviz.pipeline.display import nice_ceiling, robust_range
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.grid_view import GridView, colour_cells, number_text
from convviz.ui.panels.playback import Playback, PlaybackBar
from convviz.ui.panels.view_common import LayerChooser, big_label
from convviz.ui.selection import SelectionModel, Unit
from convviz.ui.theme import Theme

WHOLE_LIMIT = 64
NEIGHBOURHOOD = 6


class PoolingView(QtWidgets.QWidget):
    """One pooling layer's window over one map of the current frame."""

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.selection = selection
        self.playback = Playback(self)
        self.result: FrameResult | None = None
        self.layer: LayerGeometry | None = None
        self.volume: np.ndarray | None = None
        self.output: np.ndarray | None = None
        self.detail: PoolStep | None = None
        self._range = 1.0
        self._whole = True
        self._lut = theme.lut()
        top = QtWidgets.QHBoxLayout()
        self.layer_box = LayerChooser()
        self.layer_box.layerChosen.connect(lambda index: self._load_layer(index))
        self.channel_box = QtWidgets.QSpinBox()
        self.channel_box.setPrefix("map ")
        self.channel_box.valueChanged.connect(lambda value: self._load_channel())
        for widget in (QtWidgets.QLabel("Layer"), self.layer_box, self.channel_box):
            top.addWidget(widget)
        top.addStretch(1)
        self.input_view = GridView(theme, "the map being pooled")
        self.output_view = GridView(theme, "the pooled map, filling in")
        self.input_title = big_label(theme, "Input", 0.8, bold=True)
        self.output_title = big_label(theme, "Output", 0.8, bold=True)
        self.explain = big_label(theme, "", 0.9)
        self.info = big_label(theme, "", 0.7, colour=theme.muted)
        left = QtWidgets.QVBoxLayout()
        left.addWidget(self.input_title)
        left.addWidget(self.input_view, 1)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.output_title)
        right.addWidget(self.output_view, 1)
        body = QtWidgets.QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        self.bar = PlaybackBar(self.playback, theme)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(body, 1)
        outer.addWidget(self.explain)
        outer.addWidget(self.info)
        outer.addWidget(self.bar)
        self.playback.stepChanged.connect(self.draw_step)
        self.output_view.cellClicked.connect(self._output_clicked)
        self.output_view.cellHovered.connect(self._output_hovered)
        self.input_view.cellHovered.connect(self._input_hovered)
        for view in (self.input_view, self.output_view):
            view.left.connect(lambda: self.selection.set_hover(None))
        selection.connect(self._selection_changed)

    def show_result(self, result: FrameResult) -> None:
        new_spec = self.result is None or result.spec is not self.result.spec
        self.result = result
        layers = [g for g in result.geometry.layers if g.type in ("maxpool2d", "avgpool2d")]
        if new_spec:
            self.layer_box.fill(result.spec, layers)
            if not self.layer_box.choose(self.selection.focus_layer) and layers \
                    and self.layer_box.current_layer() is None:
                self.layer_box.choose(layers[0].index)
        index = self.layer_box.current_layer()
        if index is None:
            self.layer = None
            self.explain.setText("This network has no pooling layer.")
            return
        self._load_layer(index, keep_step=not new_spec)

    def _load_layer(self, index: int, keep_step: bool = False) -> None:
        result = self.result
        if result is None or index >= len(result.geometry.layers):
            return
        self.layer = result.geometry.layers[index]
        self.volume = result.input_of(index)
        self.channel_box.blockSignals(True)
        self.channel_box.setRange(0, self.layer.input_shape[0] - 1)
        self.channel_box.setSuffix(f" of {self.layer.input_shape[0]}")
        self.channel_box.blockSignals(False)
        self._load_channel(keep_step)

    def _load_channel(self, keep_step: bool = True) -> None:
        layer, volume, result = self.layer, self.volume, self.result
        if layer is None or volume is None or result is None or layer.window is None:
            return
        channel = self.channel_box.value()
        window = layer.window
        self.output = np.asarray(result.outputs[layer.index][channel])
        top, left, bottom, right = window.padding
        padded_h, padded_w = window.padded_size
        values = np.full((padded_h, padded_w), np.nan, np.float32)  # padding: no number
        values[top:top + volume.shape[1], left:left + volume.shape[2]] = volume[channel]
        inner = values[top:top + volume.shape[1], left:left + volume.shape[2]]
        self._range = nice_ceiling(robust_range(inner, float(inner.min()), float(inner.max())))
        rgba = colour_cells(np.nan_to_num(values), self._lut, self._range)
        pad = QtGui.QColor(self.theme.padding)
        rgba[np.isnan(values)] = (pad.red(), pad.green(), pad.blue(), 255)
        self.input_view.set_cells(values, rgba)
        kind = "max" if layer.type == "maxpool2d" else "average"
        self.input_title.setText(f"Map {channel}, {volume.shape[2]}x{volume.shape[1]}"
                                 + (f", padding {top}" if top or left else ""))
        self._whole = max(padded_h, padded_w) <= WHOLE_LIMIT
        if self._whole:
            self.input_view.show_all()
        formulas = layer.formulas() or ("", "")
        self.info.setText(f"{kind} pooling {window.kernel[0]}x{window.kernel[1]}, stride {window.stride[0]}: "
                          f"{formulas[0]} &nbsp; {formulas[1]}. Each map is pooled on its own; no parameters."
                          + (f"<br>{layer.notes[0]}" if layer.notes else ""))
        self.playback.set_count(window.steps, keep_step=keep_step)

    def draw_step(self, step: int) -> None:
        layer, volume, output = self.layer, self.volume, self.output
        if layer is None or volume is None or output is None or layer.window is None or layer.window.steps == 0:
            return
        channel = self.channel_box.value()
        detail = pool_step(volume, layer, channel, step)
        self.detail = detail
        window = detail.window
        kernel_h, kernel_w = layer.window.kernel
        theme = self.theme
        self.input_view.rect("window", window.top, window.left, kernel_h, kernel_w, theme.window,
                             width_px=theme.line_px * 2, fill=QtGui.QColor(0, 229, 255, 35))
        if detail.winner_tap is not None:
            i, j = detail.winner_tap
            self.input_view.rect("winner", window.rows[i] + 0.08, window.cols[j] + 0.08, 0.84, 0.84, theme.accent,
                                 width_px=theme.line_px * 2.5)
        else:
            self.input_view.hide_rect("winner")
        if not self._whole:
            self.input_view.focus(window.top - NEIGHBOURHOOD, window.left - NEIGHBOURHOOD,
                                  window.top + kernel_h + NEIGHBOURHOOD, window.left + kernel_w + NEIGHBOURHOOD)
        height, width = output.shape
        shown = output.astype(np.float32).copy()
        shown.reshape(-1)[step + 1:] = np.nan
        rgba = colour_cells(shown, self._lut, self._range)
        rgba.reshape(-1, 4)[step + 1:, 3] = 0
        self.output_view.set_cells(shown, rgba)
        self.output_view.rect("current", window.out_row, window.out_col, 1, 1, theme.accent,
                              width_px=theme.line_px * 2)
        if max(height, width) > WHOLE_LIMIT:
            self.output_view.focus(window.out_row - 8, window.out_col - 8, window.out_row + 9, window.out_col + 9)
        self.output_title.setText(f"Output {width}x{height}, cell ({window.out_row}, {window.out_col})")
        cells = [number_text(float(v)) for v, pad in zip(detail.patch.ravel(), detail.in_padding.ravel())
                 if not pad or detail.kind == "avg"]
        listing = ", ".join(cells[:16]) + (", ..." if len(cells) > 16 else "")
        value = number_text(detail.value)
        if detail.kind == "max":
            self.explain.setText(f"max({listing}) = <b style='color:{theme.accent}'>{value}</b> &nbsp; "
                                 f"(the winner, framed, goes to the output)")
        else:
            self.explain.setText(f"mean({listing}) = ({number_text(float(detail.patch.sum()))}) / "
                                 f"{detail.patch.size} = <b style='color:{theme.accent}'>{value}</b>"
                                 + (" &nbsp; (padding counts as 0, as in torch)" if detail.in_padding.any() else ""))

    def _output_clicked(self, row: int, col: int) -> None:
        if self.output is None or self.layer is None:
            return
        height, width = self.output.shape
        if 0 <= row < height and 0 <= col < width:
            self.playback.pause()
            self.playback.go(row * width + col)
            self.selection.pin(Unit(self.layer.index, self.channel_box.value(), row, col))

    def _output_hovered(self, row: int, col: int) -> None:
        if self.layer is not None:
            self.selection.set_hover(Unit(self.layer.index, self.channel_box.value(), row, col))

    def _input_hovered(self, row: int, col: int) -> None:
        layer = self.layer
        if layer is None or layer.window is None or self.volume is None:
            return
        r, c = row - layer.window.pad_before[0], col - layer.window.pad_before[1]
        if 0 <= r < self.volume.shape[1] and 0 <= c < self.volume.shape[2]:
            self.selection.set_hover(Unit(layer.index - 1, self.channel_box.value(), r, c))

    def _selection_changed(self, selection: SelectionModel) -> None:
        if self.result is None:
            return
        if selection.focus_layer != self.layer_box.current_layer():
            self.layer_box.choose(selection.focus_layer)
        pinned = selection.pinned
        if pinned is None or self.layer is None or pinned.layer != self.layer.index or self.output is None:
            return
        if pinned.channel != self.channel_box.value():
            self.channel_box.setValue(pinned.channel)
        height, width = self.output.shape
        if 0 <= pinned.row < height and 0 <= pinned.col < width:
            self.playback.go(pinned.row * width + pinned.col)


__all__ = ["PoolingView"]
