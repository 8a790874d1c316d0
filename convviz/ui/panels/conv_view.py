"""The convolution, animated: the zero-padded input with the filter window on it, the output map
filling in cell by cell, and the dot product w^T x + b of the current position with every number.

Everything is read from the core (geometry, mechanics) for the current frame; the view only draws.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.core.geometry import LayerGeometry
from convviz.core.mechanics import ConvStep, conv_output_map, conv_step
from convviz.export.figure import mark_controls
from convviz.model.selection import SelectionModel
from convviz.pipeline.display import nice_ceiling, robust_range
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.contributions import ContributionsPlot
from convviz.ui.panels.grid_view import GridView, colour_cells, number_text, translucent
from convviz.ui.panels.playback import PlaybackBar
from convviz.ui.panels.view_common import big_label
from convviz.ui.panels.window_view import WHOLE_LIMIT, SlidingWindowView
from convviz.ui.theme import Theme


def channel_names(count: int, is_image: bool) -> list[str]:
    """How the view names the input channels: R, G, B for a colour picture, 'map k' otherwise."""
    if is_image and count == 3:
        return ["R", "G", "B"]
    if is_image and count == 1:
        return ["grey"]
    return [f"map {c + 1}" for c in range(count)]


class ConvolutionView(SlidingWindowView):
    """One conv layer's sliding window over the current frame."""

    no_layer_text = "This network has no convolution layer."

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(theme, selection, parent)
        self.weight: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self.detail: ConvStep | None = None
        self._build()

    # ---- layout --------------------------------------------------------------------------------------
    def _build(self) -> None:
        theme = self.theme
        top = QtWidgets.QHBoxLayout()
        self.filter_box = QtWidgets.QSpinBox()
        self.filter_box.setPrefix("filter ")
        self.filter_box.valueChanged.connect(lambda value: self._load_output())
        self.channel_box = QtWidgets.QComboBox()
        self.channel_box.currentIndexChanged.connect(lambda index: self._redraw_input())
        self.flip_box = QtWidgets.QCheckBox("true convolution (kernel flipped)")
        self.flip_box.setToolTip("torch computes cross-correlation; the lecture's f*g formula flips the kernel")
        self.flip_box.toggled.connect(lambda checked: self._load_output())
        for widget in (QtWidgets.QLabel("Layer"), self.layer_box, self.filter_box, QtWidgets.QLabel("input"),
                       self.channel_box, self.flip_box):
            top.addWidget(widget)
            mark_controls(widget)  # left out of figure-only exports
        top.addStretch(1)

        self.input_title = big_label(theme, "Input", 0.8, bold=True)
        self.output_title = big_label(theme, "Output", 0.8, bold=True)
        self.output_box = QtWidgets.QWidget()  # under the input (big filters) or over the dot product
        outputs = QtWidgets.QVBoxLayout(self.output_box)
        outputs.setContentsMargins(0, 0, 0, 0)
        outputs.addWidget(self.output_title)
        outputs.addWidget(self.output_view, 1)
        self.below = QtWidgets.QHBoxLayout()
        self.below.addWidget(self.overview_box, 1)
        self.left = left = QtWidgets.QVBoxLayout()
        left.addWidget(self.input_title)
        left.addWidget(self.input_view, 3)
        left.addLayout(self.below, 2)

        self.dot_title = big_label(theme, "w\u1d40x + b", 0.8, bold=True)
        self.dot_rows: list[tuple[QtWidgets.QWidget, QtWidgets.QLabel, GridView, GridView, GridView]] = []
        dot_box = QtWidgets.QVBoxLayout()
        self.over_dot = QtWidgets.QVBoxLayout()  # the output's place for small filters
        dot_box.addLayout(self.over_dot, 3)
        dot_box.addWidget(self.dot_title)
        name_width = QtGui.QFontMetrics(big_label(theme, "", 0.65, bold=True).font()).horizontalAdvance("-0.000")
        headers = QtWidgets.QHBoxLayout()
        headers.addSpacing(name_width)
        for text, stretch in (("x (the window)", 4), ("", 1), ("w (the filter)", 4), ("", 1),
                              ("x \u00b7 w", 4)):
            headers.addWidget(big_label(theme, text, 0.55, colour=theme.muted), stretch)
        dot_box.addLayout(headers)
        self.rows_box = QtWidgets.QWidget()  # the slices, one row per input channel shown
        rows_layout = QtWidgets.QVBoxLayout(self.rows_box)
        rows_layout.setContentsMargins(0, 0, 0, 0)
        self._name_width = name_width
        for _ in range(3):  # one row per input channel (up to 3: R, G, B), hidden when unused
            holder = QtWidgets.QWidget()
            row = QtWidgets.QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            name = big_label(theme, "", 0.65, bold=True)  # the channel and its sum, left of its slice
            name.setFixedWidth(name_width)
            row.addWidget(name)
            views = [GridView(theme) for _ in range(3)]
            for k, view in enumerate(views):
                view.min_cell_px = 24
                view.setMinimumSize(40, 40)
                row.addWidget(view, 4)
                if k < 2:  # x (times) w (is) x.w, elementwise
                    sign = big_label(theme, "\u00d7" if k == 0 else "=", 1.2, bold=True, colour=theme.muted)
                    sign.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
                    row.addWidget(sign, 1)
            rows_layout.addWidget(holder, 1)
            self.dot_rows.append((holder, name, *views))
        dot_box.addWidget(self.rows_box, 4)
        self.contributions = ContributionsPlot(theme)
        dot_box.addWidget(self.contributions, 1)
        self.sum_label = big_label(theme, "", 0.75)
        dot_box.addWidget(self.sum_label)

        self.body = body = QtWidgets.QHBoxLayout()
        body.addLayout(left, 10)
        body.addLayout(dot_box, 10)
        self.info = big_label(theme, "", 0.7)
        self.formula = big_label(theme, "", 0.7, colour=theme.muted)
        self.bar = PlaybackBar(self.playback, theme)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(body, 1)
        outer.addWidget(self.formula)
        outer.addWidget(self.info)
        outer.addWidget(self.bar)

    def _arrange(self, small_filter: bool) -> None:
        """A 3x3 filter's dot product is small: the output map goes over it and the input gets the
        whole left side; a 5x5 (or larger) filter's three grids of numbers take the whole right side
        and the output map goes under the input."""
        if small_filter:
            self.over_dot.addWidget(self.output_box)
        else:
            self.below.insertWidget(0, self.output_box, 2)
        self.body.setStretch(1, 10 if small_filter else 15)
        self._fit_below()

    def _fit_below(self) -> None:
        """The row under the input takes room only when it holds something (output or overview)."""
        used = self.below.indexOf(self.output_box) >= 0 or not self._whole_input
        self.left.setStretch(2, 2 if used else 0)

    def show_input(self, values: np.ndarray, rgba: np.ndarray, extra_columns: int = 0) -> None:
        super().show_input(values, rgba, extra_columns)
        self._fit_below()

    # ---- data -----------------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.info.setText(text)

    def output_channel(self) -> int:
        """The chosen filter, 0-based (the box counts from 1, as a person does)."""
        return self.filter_box.value() - 1

    def set_output_channel(self, channel: int) -> None:
        self.filter_box.setValue(channel + 1)

    def input_channel(self) -> int:
        channel = self.channel_box.currentData()
        return max(0, channel) if channel is not None else 0

    def layers_for(self, result: FrameResult) -> list[LayerGeometry]:
        """Every layer the convolution view explains (its type says so)."""
        return [g for g in result.geometry.layers if g.kind.view == "convolution"]

    def load_layer(self, index: int, keep_step: bool = False) -> None:
        result = self.result
        if result is None:
            return
        layers = {g.index: g for g in self.layers_for(result)}
        if index not in layers:
            return
        self.layer = layers[index]
        self.misfit = self.layer.misfit
        self.volume = result.input_of(index)
        tensors = result.tensors(index)  # the weights the running network holds (also while it trains)
        self.weight, self.bias = tensors["weight"], tensors.get("bias")
        out_channels = self.layer.output_shape[0]
        with signals_blocked(self.filter_box):
            self.filter_box.setRange(1, out_channels)
            self.filter_box.setSuffix(f" of {out_channels}")
        self._arrange(max(self.layer.window.kernel) <= 3)
        self._load_output(keep_step)

    def _load_output(self, keep_step: bool = True) -> None:
        """The chosen filter's output map (torch's, or with the kernel flipped) and the channel list."""
        layer, result = self.layer, self.result
        if layer is None or result is None or self.volume is None or self.weight is None:
            return
        out_channel = self.output_channel()
        flip = self.flip_box.isChecked()
        if flip:
            self.output = conv_output_map(self.volume, self.weight, self.bias, layer, out_channel, flip)
        else:
            self.output = np.asarray(result.outputs[layer.index][out_channel])
        self._output_range = nice_ceiling(robust_range(self.output, float(self.output.min()),
                                                       float(self.output.max())))
        channels = list(layer.input_channels_of(out_channel))
        names = channel_names(layer.input_shape[0], layer.index == 0)
        previous = self.channel_box.currentText()
        window = layer.window
        assert window is not None
        with signals_blocked(self.channel_box):
            self.channel_box.clear()
            if layer.index == 0 and layer.input_shape[0] == 3 and len(channels) == 3:
                self.channel_box.addItem("colour", -1)
            for c in channels:
                self.channel_box.addItem(names[c], c)
            found = self.channel_box.findText(previous)
            if found < 0:  # a big input is shown zoomed in: one channel, so its numbers can be read
                zoomed = max(window.padded_size) > WHOLE_LIMIT
                found = 1 if zoomed and self.channel_box.itemData(0) == -1 else 0
            self.channel_box.setCurrentIndex(found)
        self.playback.set_count(window.steps, keep_step=keep_step)
        self._redraw_input()
        self.draw_related(self.selection)

    def _redraw_input(self) -> None:
        """The padded input picture (once per frame/channel; the window moves over it)."""
        layer, volume = self.layer, self.volume
        if layer is None or volume is None:
            return
        window = layer.window
        assert window is not None
        top, left, bottom, right = window.padding
        channel = self.channel_box.currentData()
        if channel is None:
            channel = list(layer.input_channels_of(self.output_channel()))[0]
        padded_h, padded_w = window.padded_size
        values = np.zeros((padded_h, padded_w), np.float32)
        inner = (slice(top, top + volume.shape[1]), slice(left, left + volume.shape[2]))
        if channel == -1:  # the colour picture: three numbers per pixel, so only the padding's zeros
            values[inner] = np.nan
            rgba = np.zeros((padded_h, padded_w, 4), np.uint8)
            rgba[inner + (slice(0, 3),)] = (np.clip(np.asarray(volume).transpose(1, 2, 0), 0, 1) * 255).astype(np.uint8)
            rgba[..., 3] = 255
        else:
            values[inner] = volume[channel]
            half = nice_ceiling(robust_range(values[inner], float(values.min()), float(values.max())))
            rgba = colour_cells(values, self._lut, half)
        padding_colour = QtGui.QColor(self.theme.padding)
        mask = np.ones((padded_h, padded_w), bool)
        mask[inner] = False
        rgba[mask] = (padding_colour.red(), padding_colour.green(), padding_colour.blue(), 255)
        extra = max(0, window.overhanging_window(1).right - padded_w) if self.misfit else 0
        self.show_input(values, rgba, extra)
        names = channel_names(layer.input_shape[0], layer.index == 0)
        shown = "colour picture" if channel == -1 else names[channel]
        pad_text = (f"zero padding {top}" if top == bottom == left == right
                    else f"zero padding {top}/{left}/{bottom}/{right} (top/left/bottom/right)")
        self.input_title.setText(f"Input {volume.shape[2]}x{volume.shape[1]} ({shown}), {pad_text}")
        if top or left or bottom or right:
            self.input_view.rect("border", top, left, volume.shape[1], volume.shape[2], self.theme.padding,
                                 style=QtCore.Qt.PenStyle.DashLine, z=25)
        else:
            self.input_view.hide_rect("border")
        self._shade_unvisited(window, volume.shape[1:])
        self.draw_step(self.playback.step)

    def _shade_unvisited(self, window, size: tuple[int, int]) -> None:
        """A stride that does not fit: shade the input rows / columns torch's windows never read."""
        self.input_view.hide_rects("unvisited")
        fill = translucent(self.theme.warning, 70)
        for axis in window.misfit_axes:
            dropped = window.unvisited(axis)
            if len(dropped) == 0:
                continue
            if axis == 0:
                cells = (window.pad_before[0] + dropped.start, window.pad_before[1], len(dropped), size[1])
            else:
                cells = (window.pad_before[0], window.pad_before[1] + dropped.start, size[0], len(dropped))
            self.input_view.rect(f"unvisited_{axis}", *cells, self.theme.warning, width_px=self.theme.line_px,
                                 style=QtCore.Qt.PenStyle.DotLine, fill=fill, z=24)

    # ---- one step ---------------------------------------------------------------------------------------
    def draw_step(self, step: int) -> None:
        layer, volume, output = self.layer, self.volume, self.output
        if layer is None or volume is None or output is None or self.weight is None:
            return
        window_geometry = layer.window
        assert window_geometry is not None
        if window_geometry.steps == 0:
            return
        out_channel = self.output_channel()
        detail = conv_step(volume, self.weight, self.bias, layer, out_channel, step, self.flip_box.isChecked())
        self.detail = detail
        window = detail.window
        theme = self.theme
        ek_h, ek_w = window_geometry.effective_kernel
        self.input_view.rect("window", window.top, window.left, ek_h, ek_w, theme.window,
                             width_px=theme.line_px * 2, fill=translucent(theme.window, 40), halo=True)
        dilated = window_geometry.dilation != (1, 1)
        self.input_view.hide_rects("tap_")
        for i, row in enumerate(window.rows):
            for j, col in enumerate(window.cols):
                name = f"tap_{i}_{j}"
                if dilated:  # the taps of a dilated kernel, spaced out
                    self.input_view.rect(name, row + 0.12, col + 0.12, 0.76, 0.76, theme.window, width_px=theme.line_px)
        if self.misfit:
            axis = window_geometry.misfit_axes[-1]
            hanging = window_geometry.overhanging_window(axis)
            self.input_view.rect("overhang", hanging.top, hanging.left, ek_h, ek_w, theme.warning,
                                 width_px=theme.line_px * 2, style=QtCore.Qt.PenStyle.DashLine, halo=True)
        else:
            self.input_view.hide_rect("overhang")
        self.focus_input(window.top, window.left, ek_h, ek_w)
        self.draw_output(step, window.out_row, window.out_col)
        height, width = self.output.shape
        self.output_title.setText(f"Output {width}x{height} (filter {self.output_channel() + 1})")
        self._draw_dot_product(detail)
        self._write_text(detail, step)

    def _draw_dot_product(self, detail: ConvStep) -> None:
        layer = self.layer
        assert layer is not None
        names = channel_names(layer.input_shape[0], layer.index == 0)
        chosen = self.channel_box.currentData()
        rows = list(range(len(detail.in_channels)))
        if chosen in detail.in_channels:  # one channel chosen: its row alone, big enough for numbers
            rows = [detail.in_channels.index(chosen)]
        elif len(rows) > 3 or not self.slices_readable(len(rows), detail):
            rows = [0]  # every slice would be too small to read: the first, the others by 'input' above
        scale = max(float(np.abs(detail.kernel).max()), 1e-6)
        for slot, (holder, label, x_view, w_view, p_view) in enumerate(self.dot_rows):
            visible = slot < len(rows)
            holder.setVisible(visible)
            if not visible:
                continue
            k = rows[slot]
            channel = detail.in_channels[k]
            patch, kernel, products = detail.patch[k], detail.kernel[k], detail.products[k]
            patch_range = nice_ceiling(max(float(np.abs(patch).max()), 1e-6))
            patch_rgba = colour_cells(patch, self._lut, patch_range)
            padding_colour = QtGui.QColor(self.theme.padding)
            patch_rgba[detail.in_padding] = (padding_colour.red(), padding_colour.green(), padding_colour.blue(), 255)
            x_view.set_cells(patch, patch_rgba)
            w_view.set_cells(kernel, colour_cells(kernel, self._lut, scale))
            product_range = nice_ceiling(max(float(np.abs(products).max()), 1e-6))
            p_view.set_cells(products, colour_cells(products, self._lut, product_range))
            label.setText(f"{names[channel]}<br>\u03a3 {number_text(float(detail.channel_sums[k]))}")
        several = len(detail.in_channels) > 1
        self.contributions.setVisible(several)
        if several:
            self.contributions.show_sums([names[c] for c in detail.in_channels], detail.channel_sums, detail.bias,
                                         detail.value)

    def slices_readable(self, rows: int, detail: ConvStep) -> bool:
        """Whether, with ``rows`` slices shown, their cells would still be big enough for numbers."""
        height = self.rows_box.height() / max(1, rows)
        width = (self.rows_box.width() - self._name_width) * 4 / 14  # three grids (4) and two signs (1)
        cell = min(height, width) / max(detail.kernel.shape[1:])
        return cell >= self.dot_rows[0][2].min_cell_px

    def _write_text(self, detail: ConvStep, step: int) -> None:
        layer = self.layer
        assert layer is not None and layer.window is not None
        names = channel_names(layer.input_shape[0], layer.index == 0)
        window = detail.window
        terms = [f"{names[c]}: {number_text(float(s))}" for c, s in zip(detail.in_channels, detail.channel_sums)]
        if len(terms) > 6:
            terms = terms[:5] + [f"... ({len(terms)} channels)"]
        terms = [f"({term})" for term in terms]
        groups = ""
        if layer.groups > 1:
            first, last = detail.in_channels[0], detail.in_channels[-1]
            group = first // max(1, len(detail.in_channels))
            groups = (f"<br>groups={layer.groups}: filter {detail.out_channel + 1} sees only input channels "
                      f"{first + 1}-{last + 1} (group {group + 1} of {layer.groups})")
        value = number_text(detail.value)
        check = ""
        if not self.flip_box.isChecked() and self.output is not None:
            torch_value = float(self.output[window.out_row, window.out_col])
            check = f" &nbsp; (torch: {number_text(torch_value)})"
        self.sum_label.setText(" + ".join(terms) + f" + (bias: {number_text(detail.bias)}) = <b>{value}</b>{check}"
                               + groups)
        mode = "true convolution, kernel flipped" if detail.flipped else "cross-correlation, as torch computes"
        self.dot_title.setText(f"w\u1d40x + b at output row {window.out_row + 1}, column {window.out_col + 1} &nbsp; "
                               f"<span style='color:{self.theme.muted}'>({mode})</span>")
        stride = layer.window.stride
        rows = (f"rows {window.rows[0] + 1}-{window.rows[-1] + 1}, columns {window.cols[0] + 1}-{window.cols[-1] + 1} "
                "of the padded input")
        self.info.setText(f"Step {step + 1} of {layer.window.steps}: window at {rows}; it moves "
                          f"{stride[1]} column{'s' if stride[1] > 1 else ''} right, then {stride[0]} "
                          f"row{'s' if stride[0] > 1 else ''} down (the stride)")
        formulas = [f"H2 = {layer.window.formula(0)}", f"W2 = {layer.window.formula(1)}"]
        if self.misfit:
            self.formula.setStyleSheet(f"color: {self.theme.warning};")
            warning = html.escape(str(layer.warning).split(": ", 1)[-1]) if layer.warning else ""
            notes = "<br>".join(html.escape(note) for note in layer.notes)
            self.formula.setText(f"\u26a0 {warning}<br>{notes}. The dashed window would hang off the edge: "
                                 "torch never computes it (rounding the output size down); the shaded "
                                 "rows/columns are never read.")
        else:
            self.formula.setStyleSheet(f"color: {self.theme.muted};")
            self.formula.setText(" &nbsp;&nbsp; ".join(formulas))
