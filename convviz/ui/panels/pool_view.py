"""Pooling, animated: the window sweeps one activation map; max pooling marks the winning cell and
carries it to the output, average pooling shows the mean."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.core.geometry import LayerGeometry
from convviz.core.mechanics import PoolStep, pool_step
from convviz.export.figure import mark_controls
from convviz.model.selection import SelectionModel
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.colour_scale import ScaleStrip, half_range
from convviz.ui.panels.grid_view import colour_cells
from convviz.ui.panels.numbers import add_up, fixed_text, number_text
from convviz.ui.panels.playback import PlaybackBar
from convviz.ui.panels.view_common import big_label, controls_row
from convviz.ui.panels.window_view import SlidingWindowView, most_active
from convviz.ui.theme import Theme


class PoolingView(SlidingWindowView):
    """One pooling layer's window over one map of the current frame."""

    no_layer_text = "This network has no pooling layer."

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(theme, selection, parent)
        self.detail: PoolStep | None = None
        top = QtWidgets.QHBoxLayout()
        self.channel_box = QtWidgets.QSpinBox()
        self.channel_box.setPrefix("map ")
        self.channel_box.valueChanged.connect(lambda value: self._load_channel())
        for widget in (QtWidgets.QLabel("Layer"), self.layer_box, self.channel_box, self.scale_box,
                       self.fixed_box):
            top.addWidget(widget)
            mark_controls(widget)  # left out of figure-only exports
        top.addStretch(1)
        self.input_title = big_label(theme, "Input", 0.8, bold=True)
        self.output_title = big_label(theme, "Output", 0.8, bold=True)
        self.explain = big_label(theme, "", 0.9)
        self.info = big_label(theme, "", 0.7, colour=theme.muted)
        left = QtWidgets.QVBoxLayout()
        left.addLayout(self._titled(self.input_title, self.input_scale))
        left.addWidget(self.input_view, 1)
        right = QtWidgets.QVBoxLayout()
        right.addLayout(self._titled(self.output_title, self.output_scale))
        right.addWidget(self.output_view, 2)
        self.overview_box = QtWidgets.QWidget()  # title + overview, shown only when the input is zoomed
        overview_layout = QtWidgets.QVBoxLayout(self.overview_box)
        overview_layout.setContentsMargins(0, 0, 0, 0)
        overview_layout.addWidget(self.overview_title)
        overview_layout.addWidget(self.overview, 1)
        self.overview_box.setVisible(False)
        right.addWidget(self.overview_box, 1)
        body = QtWidgets.QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 2)
        self.bar = PlaybackBar(self.playback, theme)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addWidget(controls_row(top))
        outer.addLayout(body, 1)
        outer.addWidget(self.explain)
        outer.addWidget(self.info)
        outer.addWidget(self.bar)

    @staticmethod
    def _titled(title: QtWidgets.QLabel, strip: ScaleStrip) -> QtWidgets.QHBoxLayout:
        """A title with the colour scale of its grid at its right."""
        row = QtWidgets.QHBoxLayout()
        row.addWidget(title, 1)
        row.addWidget(strip, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        return row

    def arrange(self) -> None:
        self.overview_box.setVisible(not self._whole_input)

    def input_text(self) -> str:
        return self.channel_box.text()

    def layers_for(self, result: FrameResult) -> list[LayerGeometry]:
        """Every layer the pooling view explains (its type says so)."""
        return [g for g in result.geometry.layers if g.kind.view == "pooling"]

    def output_channel(self) -> int:
        """The chosen map, 0-based (the box counts from 1, as a person does)."""
        return self.channel_box.value() - 1

    def set_output_channel(self, channel: int) -> None:
        self.channel_box.setValue(channel + 1)

    def show_message(self, text: str) -> None:
        self.explain.setText(text)

    def load_layer(self, index: int, keep_step: bool = False) -> None:
        result = self.result
        if result is None or index >= len(result.geometry.layers):
            return
        self.layer = result.geometry.layers[index]
        self.misfit = self.layer.misfit
        self.volume = result.input_of(index)
        first = self.first_look(index)
        with signals_blocked(self.channel_box):
            self.channel_box.setRange(1, self.layer.input_shape[0])
            self.channel_box.setSuffix(f" of {self.layer.input_shape[0]}")
            if first:  # open on the most active map, not on map 1 (often dead deep in a network)
                self.channel_box.setValue(most_active(self.volume) + 1)
        if self.layer.window is None:  # adaptive pooling whose windows differ in size
            self.show_message(f"{self.layer.label}: " + (self.layer.notes[0] if self.layer.notes else
                                                          "windows of different sizes") + "; see its maps (F2)")
            return
        self._load_channel(keep_step)

    def rescale(self) -> None:
        self._load_channel(keep_step=True)

    def _load_channel(self, keep_step: bool = True) -> None:
        layer, volume, result = self.layer, self.volume, self.result
        if layer is None or volume is None or result is None or layer.window is None:
            return
        channel = self.output_channel()
        window = layer.window
        self.output = np.asarray(result.outputs[layer.index][channel])
        top, left, bottom, right = window.padding
        padded_h, padded_w = window.padded_size
        kind = "max" if layer.kind.pooling == "max" else "average"
        # torch's padding: never picked by a max (no number), a 0 that counts in an average
        values = np.full((padded_h, padded_w), np.nan if kind == "max" else 0.0, np.float32)
        values[top:top + volume.shape[1], left:left + volume.shape[2]] = volume[channel]
        # one scale for the input and the output: the winner has one colour in both
        choice = self.scale_choice
        half = half_range(volume if choice.mode == "layer" else volume[channel], choice)
        self.input_scale.set_range(half)
        self.colour_output(self.output, half)
        rgba = colour_cells(np.nan_to_num(values), self._lut, half)
        pad = QtGui.QColor(self.theme.padding)
        padding = np.ones((padded_h, padded_w), bool)
        padding[top:top + volume.shape[1], left:left + volume.shape[2]] = False
        rgba[padding] = (pad.red(), pad.green(), pad.blue(), 255)
        self.show_input(values, rgba)
        padding_text = ""
        if top or left or bottom or right:
            padding_text = (f", padding {top} (never the max)" if kind == "max"
                            else f", zero padding {top} (counts in the mean, as in torch)")
        self.input_title.setText(f"Map {channel + 1}, {volume.shape[2]}x{volume.shape[1]}{padding_text}")
        formulas = layer.formulas() or ("", "")
        self.info.setText(f"{kind} pooling {window.kernel[0]}x{window.kernel[1]}, stride {window.stride[0]}: "
                          f"{formulas[0]} &nbsp; {formulas[1]}. Each map is pooled on its own; no parameters."
                          + (f"<br>{layer.notes[0]}" if layer.notes else ""))
        # the max's winner and the output cell it is carried to share a colour found nowhere in the maps
        self.current_colour = self.theme.field if kind == "max" else self.theme.accent
        self.playback.set_count(window.steps, keep_step=keep_step)
        self.draw_related(self.selection)

    def draw_step(self, step: int) -> None:
        layer, volume, output = self.layer, self.volume, self.output
        if layer is None or volume is None or output is None or layer.window is None or layer.window.steps == 0:
            return
        channel = self.output_channel()
        detail = pool_step(volume, layer, channel, step)
        self.detail = detail
        window = detail.window
        kernel_h, kernel_w = layer.window.kernel
        theme = self.theme
        # an outline only: the cells under the window keep their colours (the winner looks the same in
        # the input and in the output)
        self.input_view.rect("window", window.top, window.left, kernel_h, kernel_w, theme.window,
                             width_px=theme.line_px * 2, halo=True)
        if detail.winner_tap is not None:
            i, j = detail.winner_tap
            self.input_view.rect("winner", window.rows[i] + 0.08, window.cols[j] + 0.08, 0.84, 0.84,
                                 self.current_colour, width_px=theme.line_px * 2.5, halo=True)
        else:
            self.input_view.hide_rect("winner")
        self.focus_input(window.top, window.left, kernel_h, kernel_w)
        self.draw_output(step, window.out_row, window.out_col)
        height, width = output.shape
        self.output_title.setText(f"Output {width}x{height}, row {window.out_row + 1}, column {window.out_col + 1}")
        taken = [float(v) for v, pad in zip(detail.patch.ravel(), detail.in_padding.ravel())
                 if not pad or detail.kind == "avg"]
        value = number_text(detail.value)
        if detail.kind == "max":
            cells = [number_text(v) for v in taken]
            listing = ", ".join(cells[:16]) + (", ..." if len(cells) > 16 else "")
            self.explain.setText(f"max({listing}) = <b style='color:{self.current_colour}'>{value}</b> &nbsp; "
                                 f"(the winner, framed, goes to the output)")
        else:
            # the numbers as shown add up to the sum as shown; the mean is that sum over the count
            rounded = add_up(taken, total=float(detail.patch.sum(dtype=np.float64)))
            cells = rounded.term_texts()
            listing = " + ".join(cells[:16]) + (" + ..." if len(cells) > 16 else "")
            mean = fixed_text(rounded.total / detail.patch.size, rounded.decimals + 1)
            count = detail.patch.size
            self.explain.setText(f"mean = ({listing}) / {count} = {rounded.total_text} / {count} = "
                                 f"<b style='color:{theme.accent}'>{mean}</b>"
                                 + (" &nbsp; (padding counts as 0, as in torch)" if detail.in_padding.any() else ""))
