"""The convolution, animated: the zero-padded input with the filter window on it, the output map
filling in cell by cell, and the dot product w^T x + b of the current position with every number.

Everything is read from the core (geometry, mechanics) for the current frame; the view only draws.
Its parts are placed by hand (``arrange``) for the space there is: the dot product's grids get cells
that hold their numbers at the theme's smallest number size (20-pixel digits on a projector), as
many slices as fit that way; the output map keeps cells of at least 12 pixels or is zoomed; the
input takes what is left. Box layouts with stretch factors gave a 5x5 grid a tall empty box and the
output map 190 pixels.
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
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.colour_scale import ScaleStrip, half_range, map_or_layer
from convviz.ui.panels.contributions import ContributionsPlot
from convviz.ui.panels.grid_view import NUMBER_FILL, GridView, colour_cells, text_widths
from convviz.ui.panels.numbers import Rounded, add_up, number_text
from convviz.ui.panels.playback import PlaybackBar
from convviz.ui.panels.view_common import big_label, controls_row, style_label
from convviz.ui.panels.window_view import WHOLE_LIMIT, SlidingWindowView, most_active
from convviz.ui.theme import Theme

MAX_SLICES = 3  # rows of x, w and x.w shown at once (R, G, B)


def _span(name: str, first: int, last: int) -> str:
    """'rows 1-3', or 'row 6' for a 1x1 window (not 'rows 6-6')."""
    return f"{name} {first}" if first == last else f"{name}s {first}-{last}"


def channel_names(count: int, is_image: bool) -> list[str]:
    """How the view names the input channels: R, G, B for a colour picture, 'map k' otherwise."""
    if is_image and count == 3:
        return ["R", "G", "B"]
    if is_image and count == 1:
        return ["grey"]
    return [f"map {c + 1}" for c in range(count)]


class _Body(QtWidgets.QWidget):
    """The view's picture area; its parts are placed by the view whenever it changes size."""

    def __init__(self, arrange, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._arrange = arrange
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt name)
        return QtCore.QSize(800, 500)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt name)
        return QtCore.QSize(200, 150)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._arrange()


class DotRow:
    """One input channel's slice of the dot product: its name and sum, x, w and x.w."""

    def __init__(self, theme: Theme, parent: QtWidgets.QWidget):
        self.name = big_label(theme, "", 0.65, bold=True)
        self.name.setParent(parent)
        self.name.setWordWrap(False)
        self.x, self.w, self.products = (GridView(theme, title, parent) for title in (
            "x: the input under the window", "w: the filter", "x \u00b7 w: each pair multiplied"))
        self.signs = [big_label(theme, sign, 1.2, bold=True, colour=theme.muted) for sign in ("\u00d7", "=")]
        for sign in self.signs:
            sign.setParent(parent)
            sign.setWordWrap(False)
            sign.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)

    def widgets(self) -> list[QtWidgets.QWidget]:
        return [self.name, self.x, self.w, self.products, *self.signs]

    def set_visible(self, visible: bool) -> None:
        for widget in self.widgets():
            widget.setVisible(visible)


# the dot product's title at its longest (what its column is widened for, so it stays one line)
DOT_TITLE_SAMPLE = "w\u1d40x + b at output row 888, column 888   (true convolution, kernel flipped)"


class ConvolutionView(SlidingWindowView):
    """One conv layer's sliding window over the current frame."""

    no_layer_text = "This network has no convolution layer."

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(theme, selection, parent)
        self.weight: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self.detail: ConvStep | None = None
        self.rounded: Rounded | None = None  # the channel sums and bias as shown, adding up to the total
        self.shown_rows: list[int] = []  # which of the filter's input channels have a row now
        self._input_ranges: dict[int, float] = {}
        # widths (in the number font's ems) of the dot product's longest numbers and of the output map's,
        # measured when the frame, filter or scale changes: arrange() reads them at every step
        self._need_em = text_widths(["-0.00"])
        self._output_em = 0.0
        self._weight_range = 1.0
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
        self.flip_box = QtWidgets.QCheckBox("true convolution (flipped)")
        self.flip_box.setToolTip("torch computes cross-correlation; the lecture's f*g formula flips the kernel")
        self.flip_box.toggled.connect(lambda checked: self._load_output())
        for widget in (QtWidgets.QLabel("Layer"), self.layer_box, self.filter_box, QtWidgets.QLabel("input"),
                       self.channel_box, self.scale_box, self.fixed_box, self.flip_box):
            top.addWidget(widget)
            mark_controls(widget)  # left out of figure-only exports
        top.addStretch(1)

        self.body = body = _Body(self.arrange)
        self.input_title = big_label(theme, "Input", 0.8, bold=True)
        self.output_title = big_label(theme, "Output", 0.8, bold=True)
        self.dot_title = big_label(theme, "w\u1d40x + b", 0.8, bold=True)
        self.headers = [big_label(theme, text, 0.55, colour=theme.muted)
                        for text in ("x (the window)", "w (the filter)", "x \u00b7 w")]
        self.header_scales = [ScaleStrip(theme) for _ in range(3)]
        self.contributions = ContributionsPlot(theme)
        self.sum_label = big_label(theme, "", 0.75)
        self.dot_rows = [DotRow(theme, body) for _ in range(MAX_SLICES)]
        for header in self.headers:
            header.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
            header.setWordWrap(False)
        for widget in (self.input_title, self.input_scale, self.input_view, self.overview_title, self.overview,
                       self.output_title, self.output_scale, self.output_view, self.dot_title, *self.headers,
                       *self.header_scales, self.contributions, self.sum_label):
            widget.setParent(body)
        self.overview_title.setVisible(False)
        self.overview.setVisible(False)

        self.info = big_label(theme, "", 0.7)
        self.formula = big_label(theme, "", 0.7, colour=theme.muted)
        self.bar = PlaybackBar(self.playback, theme)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addWidget(controls_row(top))
        outer.addWidget(body, 1)
        outer.addWidget(self.formula)
        outer.addWidget(self.info)
        outer.addWidget(self.bar)

    def _dot_cell_need(self) -> float:
        """The smallest cell that holds the dot product's numbers at the smallest number size: the
        longest the numbers of this filter can be (its weights, the input's range, their products),
        so the arrangement does not change from step to step."""
        # (+3% and 4 pixels: the grid's own margins, so the cells on screen still hold the numbers)
        base = max(self.theme.number_px * self._need_em / NUMBER_FILL + 2, self.theme.number_px * 2 + 2)
        return base * 1.03 + 4

    def _longest_numbers(self) -> list[str]:
        texts = ["-0.0"]
        volume, weight = self.volume, self.weight
        if volume is None or weight is None:
            return texts
        small = np.asarray(volume).size <= 20_000  # the lecture's inputs; a webcam's are estimated below
        xs = np.unique(np.asarray(volume, dtype=np.float64)) if small else np.empty(0)
        ws = np.unique(weight[self.output_channel()]) if small else np.empty(0)
        xs, ws = xs[np.isfinite(xs)], ws[np.isfinite(ws)]
        if xs.size and ws.size and xs.size * ws.size <= 20_000:
            # few distinct values (the lecture's toy inputs and hand-made filters): every number a step can
            # show, exactly; the cells fit them and no more, which leaves room for the output's numbers
            xs = np.append(xs, 0.0)  # zero padding
            products = np.unique(np.outer(xs, ws))
            texts += {number_text(float(v)) for v in np.concatenate([xs, ws, products])}
            longest = max(len(text) for text in texts)
            return [text for text in texts if len(text) >= longest - 1]  # measured at every step: the few widest
        largest_x = float(np.nanmax(np.abs(volume))) if np.asarray(volume).size else 0.0
        largest_w = float(np.abs(weight[self.output_channel()]).max()) if weight.size else 0.0
        for value in (largest_x, largest_w, largest_x * largest_w):
            texts += [number_text(-value), number_text(-value / 3)]  # '-12.5' is longer than '-8.3'
        return texts

    def _rows_wanted(self) -> list[int]:
        """Indices into the filter's input channels that should get a row (before checking they fit)."""
        detail = self.detail
        if detail is None:
            return [0]
        chosen = self.channel_box.currentData()
        if chosen in detail.in_channels:  # one channel chosen: its row alone, as big as it can be
            return [detail.in_channels.index(chosen)]
        return list(range(min(MAX_SLICES, len(detail.in_channels))))

    def arrange(self) -> None:
        """Place every part of the picture for the body's size (see the module's docstring)."""
        body, layer = self.body, self.layer
        width, height = body.width(), body.height()
        if layer is None or layer.window is None or width < 50 or height < 50:
            return
        theme = self.theme
        gap = max(4, round(8 * theme.scale))
        kernel_h, kernel_w = (int(k) for k in layer.window.kernel)
        small_filter = max(kernel_h, kernel_w) <= 3
        several = self.detail is not None and len(self.detail.in_channels) > 1
        need = self._dot_cell_need()
        wanted = self._rows_wanted()
        # one input channel: its row needs no name line (the sum under it says "(grey: 1.6) + (bias: 0)")
        named = self.detail is None or len(self.detail.in_channels) > 1
        name_h = self.dot_rows[0].name.sizeHint().height() if named else 0
        sign_w = max(sign.sizeHint().width() for sign in self.dot_rows[0].signs) + gap

        def row_width(cell: float) -> float:
            return 2 * sign_w + 3 * kernel_w * cell + 2 * gap

        # the left column keeps what the input and (for big filters) the output need; the dot product
        # takes the rest up to what its numbers need (a whole output map only when that leaves the
        # dot product its numbers; else it is zoomed)
        left_min = max(0.22 * width, min(0.45 * width, 240 * theme.scale))
        if not small_filter and self.output is not None and max(self.output.shape) <= WHOLE_LIMIT:
            whole_output = self.output.shape[1] * (theme.output_cell_px + 0.5) + 12
            left_min = max(left_min, min(whole_output, width - row_width(need) - gap))
        many = self.detail is not None and len(self.detail.in_channels) > MAX_SLICES  # a waterfall of many bars
        right_w = int(max((0.5 if many else 0.34) * width, min(row_width(need * 1.3), width - left_min - gap)))
        # the dot product's title on one line when the left column can spare it (a second line is height
        # the output map and the slices need)
        title_w = self.dot_title.fontMetrics().horizontalAdvance(DOT_TITLE_SAMPLE) * 1.12 + 8
        right_w = int(max(right_w, min(title_w, width - left_min - gap)))
        left_w = width - right_w - gap
        # ---- the right column: [output], dot title, headers, slices, [waterfall], sum --------------
        # by priority: the titles and one readable slice, the sum, the waterfall, more slices, room
        dot_title_h = self.dot_title.heightForWidth(right_w)
        header_h = max(h.sizeHint().height() for h in self.headers)
        strip_h = self.header_scales[0].sizeHint().height()
        # a header and its colour scale side by side over a wide grid (a 5x5 slice), else one over the other
        paired_w = max(h.sizeHint().width() + strip.sizeHint().width() + 8
                       for h, strip in zip(self.headers, self.header_scales))
        # side by side when the three fit the column (a line of height the slices and the output need)
        beside = need * kernel_w >= paired_w or 3 * paired_w + 2 * sign_w <= right_w
        headers_h = max(header_h, strip_h) if beside else header_h + strip_h
        sum_h = self.sum_label.heightForWidth(right_w) if self.sum_label.text() else 0
        output_title_h = self._titled_height(self.output_title, self.output_scale, right_w)
        output_min = (output_title_h + gap + self._output_min_height()) if small_filter else 0
        fixed = dot_title_h + headers_h + sum_h + 5 * gap
        one_row = name_h + gap + kernel_h * need
        waterfall_min = int(max(120 * theme.scale, 4.6 * QtGui.QFontMetrics(self.sum_label.font()).height(),
                                self.contributions.minimumHeight()))  # (less, and it grew over the sum below)
        # a small filter's output map over the dot product: at least a few rows of the zoomed map
        output_least = (output_title_h + gap + int(4 * 2 * theme.output_cell_px)) if small_filter else 0
        if several and height - fixed - output_least - one_row < waterfall_min:
            several = False  # no room for the chart: the sum below says the same in numbers
        room = height - fixed - one_row - (waterfall_min + gap if several else 0)
        # the output map always keeps a few rows: the slices shrink first (their numbers may go)
        output_min = max(output_least, min(output_min, room)) if small_filter else 0
        rows_room = max(0, height - fixed - output_min - (waterfall_min + gap if several else 0))
        cell_by_width = (right_w - 2 * sign_w - 2 * gap) / (3 * kernel_w)

        def cell_for(rows: int) -> float:
            return min(cell_by_width, (rows_room - rows * (name_h + gap) - (rows - 1) * gap) / (rows * kernel_h))

        rows = len(wanted)
        while rows > 1 and cell_for(rows) < need:
            rows -= 1  # fewer slices, each readable
        if several and rows < len(wanted):
            # every slice readable without the chart? then the slices: the chart only sums them up
            rows_room += waterfall_min + gap
            if cell_for(len(wanted)) >= need:
                rows, several = len(wanted), False
            else:
                rows_room -= waterfall_min + gap
        self.shown_rows = wanted[:rows]
        cell = max(4.0, min(cell_for(rows), need * 2.0, 160 * theme.scale))
        grid_w, grid_h = int(cell * kernel_w) + 2, int(cell * kernel_h) + 2
        used_rows = rows * (grid_h + name_h + gap) + (rows - 1) * gap
        spare = max(0, rows_room - used_rows)
        y = 0
        if small_filter:
            output_h = max(0, output_min - output_title_h - gap) + spare * (0.6 if several else 1.0)
            self._place_titled(self.output_title, self.output_scale, 0, y, right_w, output_title_h)
            y += output_title_h + gap
            self.output_view.setGeometry(width - right_w, y, right_w, max(1, int(output_h)))
            y += int(output_h) + gap
            spare = spare * 0.4 if several else 0
        x0 = width - right_w
        self.dot_title.setGeometry(x0, y, right_w, dot_title_h)
        y += dot_title_h + gap
        # each column as wide as its grid, its header and its colour scale (a 1x1 filter's grid is narrow)
        column_w = max(grid_w, *(h.sizeHint().width() for h in self.headers),
                       *(strip.sizeHint().width() for strip in self.header_scales), paired_w if beside else 0)
        row_w = 3 * column_w + 2 * sign_w
        start = x0 + max(0, (right_w - row_w) / 2)
        columns = [int(start + k * (column_w + sign_w) + (column_w - grid_w) / 2) for k in range(3)]
        for header, strip, column in zip(self.headers, self.header_scales, columns):
            centre = column + grid_w // 2
            strip_w = min(strip.sizeHint().width(), column_w)
            if beside:
                label_w = header.sizeHint().width()
                left = centre - (label_w + 8 + strip_w) // 2
                header.setGeometry(left, y, label_w, header_h)
                strip.setGeometry(left + label_w + 8, y, strip_w, strip_h)
            else:
                header.setGeometry(centre - column_w // 2, y, column_w, header_h)
                strip.setGeometry(centre - strip_w // 2, y + header_h, strip_w, strip_h)
        y += headers_h + gap
        for slot, row in enumerate(self.dot_rows):
            visible = slot < rows
            row.set_visible(visible)
            if not visible:
                continue
            row.name.setGeometry(columns[0], y, columns[2] + grid_w - columns[0], name_h)
            row.name.setVisible(named)
            y += name_h
            for view, column in zip((row.x, row.w, row.products), columns):
                view.setGeometry(column, y, grid_w, grid_h)
            for sign, left, right in zip(row.signs, columns[:2], columns[1:]):
                sign.setGeometry(left + grid_w, y, max(sign_w, right - left - grid_w), grid_h)
            y += grid_h + gap
        self.contributions.setVisible(several)
        if several:
            waterfall_h = int(waterfall_min + spare)
            self.contributions.setGeometry(x0, y, right_w, waterfall_h)
            y += waterfall_h + gap
        self.sum_label.setGeometry(x0, y, right_w, max(sum_h, 1))
        # ---- the left column: input, [output], [overview] ----------------------------------------
        input_title_h = self._titled_height(self.input_title, self.input_scale, left_w)
        self._place_titled(self.input_title, self.input_scale, None, 0, left_w, input_title_h)
        room = height - input_title_h - gap
        below_items = ([] if small_filter else ["output"]) + ([] if self._whole_input else ["overview"])
        self.overview.setVisible(not self._whole_input)
        self.overview_title.setVisible(not self._whole_input)
        if below_items:
            share_w = (left_w - gap * (len(below_items) - 1)) // len(below_items)
            title_h = max(self._titled_height(self.output_title, self.output_scale, share_w),
                          self.overview_title.heightForWidth(max(1, share_w)))
            below_h = int(max(room * 0.42, self._output_min_height() if "output" in below_items else 0))
            below_h = min(below_h, int(room * 0.62))
            input_h = room - below_h - title_h - gap
            self.input_view.setGeometry(0, input_title_h + gap, left_w, max(40, input_h))
            y = input_title_h + gap + input_h + gap
            share = (left_w - gap * (len(below_items) - 1)) // len(below_items)
            for k, item in enumerate(below_items):
                x = k * (share + gap)
                if item == "output":
                    self._place_titled(self.output_title, self.output_scale, None, y, share, title_h, x=x)
                    self.output_view.setGeometry(x, y + title_h, share, below_h)
                else:
                    self.overview_title.setGeometry(x, y, share, title_h)
                    self.overview.setGeometry(x, y + title_h, share, below_h)
        else:
            self.input_view.setGeometry(0, input_title_h + gap, left_w, max(40, room))

    @staticmethod
    def _stacked(title: QtWidgets.QLabel, strip: ScaleStrip, width: int) -> bool:
        """Whether a title's colour scale goes under it: when beside it the title would wrap into
        more lines than on its own, or the scale would take more than half the width."""
        strip_w = strip.sizeHint().width()
        return strip_w > width // 2 or title.heightForWidth(max(1, width - strip_w - 4)) > title.heightForWidth(width)

    def _titled_height(self, title: QtWidgets.QLabel, strip: ScaleStrip, width: int) -> int:
        """The height of a title with its colour scale beside it, or under it in a narrow column."""
        if not strip.isVisibleTo(self):
            return title.heightForWidth(max(1, width))
        hint = strip.sizeHint()
        if self._stacked(title, strip, width):
            return title.heightForWidth(max(1, width)) + hint.height()
        return max(title.heightForWidth(max(1, width - hint.width() - 4)), hint.height())

    def _place_titled(self, title: QtWidgets.QLabel, strip: ScaleStrip, right_edge: int | None, y: int, width: int,
                      height: int, x: int | None = None) -> None:
        """A title with its colour scale at its right (under it in a narrow column), in a box ``width``
        wide (at the body's right edge when ``right_edge`` is given, else at ``x``, default 0)."""
        left = (self.body.width() - width) if right_edge is not None else (x or 0)
        hint = strip.sizeHint()
        if not strip.isVisibleTo(self):
            title.setGeometry(left, y, width, height)
        elif self._stacked(title, strip, width):
            title.setGeometry(left, y, width, height - hint.height())
            strip.setGeometry(left + width - min(hint.width(), width), y + height - hint.height(),
                              min(hint.width(), width), hint.height())
        else:
            title.setGeometry(left, y, width - hint.width() - 4, height)
            strip.setGeometry(left + width - hint.width(), y, hint.width(), hint.height())

    def _output_min_height(self) -> int:
        """The output map's height for cells of the theme's least size (or a zoomed block of readable
        cells)."""
        if self.output is None:
            return 120
        rows, cols = self.output.shape
        zoomed = int(max(self.body.height() * 0.34, 4 * self.theme.output_cell_px * 2))
        if max(rows, cols) > WHOLE_LIMIT:
            return zoomed
        whole = int(max(rows * (self.theme.output_cell_px + 1) + 8, min(rows, 3) * self.readable_cell))
        if self._output_em:  # the lecture's 5x5 and 3x3: whole, with its numbers, if the room is there
            cell = max(self.theme.number_px * self._output_em / NUMBER_FILL + 2, 2 * self.theme.number_px + 2)
            with_numbers = int(rows * cell * 1.05) + 8
            if with_numbers <= self.body.height() * 0.45:
                whole = max(whole, with_numbers)
        return whole if whole <= self.body.height() * 0.6 else zoomed

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

    def input_text(self) -> str:
        return self.channel_box.currentText()

    def set_input_text(self, text: str) -> None:
        found = self.channel_box.findText(text)
        if found >= 0:
            self.channel_box.setCurrentIndex(found)

    def extra_state(self) -> tuple:
        return (self.flip_box.isChecked(),)

    def restore_extra(self, extra: tuple) -> None:
        if extra:
            with signals_blocked(self.flip_box):
                self.flip_box.setChecked(bool(extra[0]))

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
        first = self.first_look(index)
        with signals_blocked(self.filter_box):
            self.filter_box.setRange(1, out_channels)
            self.filter_box.setSuffix(f" of {out_channels}")
            if first:  # open on the most active map, not on map 1 (often dead deep in a network)
                self.filter_box.setValue(most_active(result.outputs[index]) + 1)
        self._load_output(keep_step, choose_input=first)

    def rescale(self) -> None:
        self._load_output(keep_step=True)

    def _load_output(self, keep_step: bool = True, choose_input: bool = False) -> None:
        """The chosen filter's output map (torch's, or with the kernel flipped), the colour scales and
        the channel list."""
        layer, result = self.layer, self.result
        if layer is None or result is None or self.volume is None or self.weight is None:
            return
        out_channel = self.output_channel()
        flip = self.flip_box.isChecked()
        if flip:
            output = conv_output_map(self.volume, self.weight, self.bias, layer, out_channel, flip)
        else:
            output = np.asarray(result.outputs[layer.index][out_channel])
        choice = self.scale_choice
        outputs = np.asarray(result.outputs[layer.index])
        self.colour_output(output, map_or_layer(outputs, output, choice) if not flip else half_range(output, choice))
        volume = np.asarray(self.volume)
        self._input_ranges = {} if choice.mode == "map" else {-1: half_range(volume, choice)}
        self._need_em = text_widths(self._longest_numbers())
        small = self.output is not None and self.output.size <= 100  # the lecture's 5x5 and 3x3
        self._output_em = text_widths([number_text(float(v)) for v in self.output.flat]) if small else 0.0
        self._weight_range = map_or_layer(self.weight, self.weight[out_channel], choice)
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
            found = -1 if choose_input else self.channel_box.findText(previous)
            if found < 0:
                zoomed = max(window.padded_size) > WHOLE_LIMIT
                if self.channel_box.itemData(0) == -1:  # a picture: in colour, or one channel to read when big
                    found = 1 if zoomed else 0
                else:  # a deeper layer: its most active map, not a dead one
                    found = self.channel_box.findData(most_active(volume, channels))
            self.channel_box.setCurrentIndex(max(0, found))
        self.playback.set_count(window.steps, keep_step=keep_step)
        self._redraw_input()
        self.draw_related(self.selection)

    def input_range(self, channel: int) -> float:
        """The colour scale's half-range of input channel ``channel`` (the layer's, the map's or fixed)."""
        if -1 in self._input_ranges:
            return self._input_ranges[-1]
        if channel not in self._input_ranges and self.volume is not None:
            self._input_ranges[channel] = half_range(np.asarray(self.volume[channel]), self.scale_choice)
        return self._input_ranges.get(channel, 1.0)

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
            self.input_scale.setVisible(False)  # a picture's own colours: no scale
        else:
            values[inner] = volume[channel]
            half = self.input_range(channel)
            rgba = colour_cells(values, self._lut, half)
            self.input_scale.set_range(half)
            self.input_scale.setVisible(True)
        padding_colour = QtGui.QColor(self.theme.padding)
        mask = np.ones((padded_h, padded_w), bool)
        mask[inner] = False
        rgba[mask] = (padding_colour.red(), padding_colour.green(), padding_colour.blue(), 255)
        extra = max(0, window.overhanging_window(1).right - padded_w) if self.misfit else 0
        names = channel_names(layer.input_shape[0], layer.index == 0)
        shown = "colour picture" if channel == -1 else names[channel]
        pad_text = (f"zero padding {top}" if top == bottom == left == right
                    else f"zero padding {top}/{left}/{bottom}/{right} (top/left/bottom/right)")
        self.input_title.setText(f"Input {volume.shape[2]}x{volume.shape[1]} ({shown}), {pad_text}")
        self.show_input(values, rgba, extra)
        if top or left or bottom or right:
            # where the real input ends: one unbroken line in the text colour (a dashed line in the padding's
            # colour showed the cells' colours through its gaps, a ragged edge from the back of the hall)
            self.input_view.rect("border", top, left, volume.shape[1], volume.shape[2], self.theme.foreground,
                                 width_px=self.theme.line_px * 1.5, z=25)
        else:
            self.input_view.hide_rect("border")
        self._shade_unvisited(window, volume.shape[1:])
        self.draw_step(self.playback.step)

    def _shade_unvisited(self, window, size: tuple[int, int]) -> None:
        """A stride that does not fit: shade the input rows / columns torch's windows never read."""
        from convviz.ui.panels.grid_view import translucent

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
        dilated = window_geometry.dilation != (1, 1)
        # an outline only: the cells under the window keep their colours (one colour, one value)
        self.input_view.rect("window", window.top, window.left, ek_h, ek_w, theme.window,
                             width_px=theme.line_px * (1 if dilated else 2), halo=not dilated,
                             style=QtCore.Qt.PenStyle.DashLine if dilated else QtCore.Qt.PenStyle.SolidLine)
        self.input_view.hide_rects("tap_")
        if dilated:  # the taps of a dilated kernel framed, the pixels it steps over left alone
            for i, row in enumerate(window.rows):
                for j, col in enumerate(window.cols):
                    self.input_view.rect(f"tap_{i}_{j}", row + 0.1, col + 0.1, 0.8, 0.8, theme.window,
                                         width_px=theme.line_px * 1.5, halo=True)
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
        self._write_text(detail, step)
        self.arrange()  # the rows and texts decide how much room each part gets (shown_rows too)
        self._draw_dot_product(detail)

    def _draw_dot_product(self, detail: ConvStep) -> None:
        layer, rounded = self.layer, self.rounded
        assert layer is not None and rounded is not None
        names = channel_names(layer.input_shape[0], layer.index == 0)
        shown = self.shown_rows or [0]
        choice = self.scale_choice
        if choice.mode == "fixed":
            product_range = choice.fixed
        else:  # the products of this position, on one scale for every slice shown
            product_range = half_range(detail.products[shown], choice) if choice.mode == "layer" else None
        padding_colour = QtGui.QColor(self.theme.padding)
        for slot, row in enumerate(self.dot_rows):
            if slot >= len(shown):
                continue
            k = shown[slot]
            channel = detail.in_channels[k]
            patch, kernel, products = detail.patch[k], detail.kernel[k], detail.products[k]
            patch_rgba = colour_cells(patch, self._lut, self.input_range(channel))
            patch_rgba[detail.in_padding] = (padding_colour.red(), padding_colour.green(), padding_colour.blue(), 255)
            row.x.set_cells(patch, patch_rgba)
            row.w.set_cells(kernel, colour_cells(kernel, self._lut, self._weight_range))
            # the products as shown add up to the channel's sum as shown (each within one unit)
            adding = add_up(products.ravel(), total=rounded.terms[k], decimals=rounded.decimals)
            shown_products = np.asarray(adding.terms, dtype=np.float32).reshape(products.shape)
            row_range = product_range if product_range is not None else half_range(products, choice)
            row.products.set_cells(shown_products, colour_cells(products, self._lut, row_range))
            row.name.setText(f"{html.escape(names[channel])}: &nbsp;\u03a3 x \u00b7 w = {rounded.term_texts()[k]}")
        strips = (self.input_range(detail.in_channels[shown[0]]), self._weight_range,
                  product_range if product_range is not None else half_range(detail.products[shown[0]], choice))
        for strip, value in zip(self.header_scales, strips):
            strip.set_range(value)
        if len(detail.in_channels) > 1:
            self.contributions.show_sums([names[c] for c in detail.in_channels], detail.channel_sums, detail.bias,
                                         detail.value)

    def _write_text(self, detail: ConvStep, step: int) -> None:
        layer = self.layer
        assert layer is not None and layer.window is not None
        names = channel_names(layer.input_shape[0], layer.index == 0)
        window = detail.window
        # the sums as shown add up to the total as shown; the bias keeps its own rounding
        rounded = add_up([*detail.channel_sums.tolist(), detail.bias], total=detail.value, fixed=1)
        self.rounded = rounded
        texts = rounded.term_texts()
        terms = [f"{html.escape(names[c])}: {text}" for c, text in zip(detail.in_channels, texts)]
        if len(terms) > 6:
            rest = add_up(rounded.terms[5:-1], decimals=rounded.decimals)
            terms = terms[:5] + [f"maps {detail.in_channels[5] + 1}-{detail.in_channels[-1] + 1}: {rest.total_text}"]
        terms = [f"({term})" for term in terms]
        groups = ""
        if layer.groups > 1:
            first, last = detail.in_channels[0], detail.in_channels[-1]
            group = first // max(1, len(detail.in_channels))
            seen = f"input channel {first + 1}" if first == last else f"input channels {first + 1}-{last + 1}"
            groups = (f"<br>groups={layer.groups}: filter {detail.out_channel + 1} sees only {seen} "
                      f"(group {group + 1} of {layer.groups})")
        check = ""
        if not self.flip_box.isChecked() and self.output is not None:
            torch_value = float(self.output[window.out_row, window.out_col])
            check = f" &nbsp; (torch: {number_text(torch_value)})"
        note = ""
        if rounded.adjusted:
            unit = 10.0 ** -rounded.decimals
            note = (f"<br><span style='color:{self.theme.muted}'>rounded so that the terms add up "
                    f"(each within {unit:g} of its value)</span>")
        self.sum_label.setText(" + ".join(terms) + f" + (bias: {texts[-1]}) = <b>{rounded.total_text}</b>{check}"
                               + groups + note)
        mode = "true convolution, kernel flipped" if detail.flipped else "cross-correlation, as torch computes"
        self.dot_title.setText(f"w\u1d40x + b at output row {window.out_row + 1}, column {window.out_col + 1} &nbsp; "
                               f"<span style='color:{self.theme.muted}'>({mode})</span>")
        stride = layer.window.stride
        rows = (f"{_span('row', window.rows[0] + 1, window.rows[-1] + 1)}, "
                f"{_span('column', window.cols[0] + 1, window.cols[-1] + 1)} of the padded input")
        self.info.setText(f"Step {step + 1} of {layer.window.steps}: window at {rows}; it moves "
                          f"{stride[1]} column{'s' if stride[1] > 1 else ''} right, then {stride[0]} "
                          f"row{'s' if stride[0] > 1 else ''} down (the stride)")
        formulas = [f"H2 = {layer.window.formula(0)}", f"W2 = {layer.window.formula(1)}"]
        if self.misfit:
            style_label(self.formula, self.theme.warning)
            warning = html.escape(str(layer.warning).split(": ", 1)[-1]) if layer.warning else ""
            notes = "<br>".join(html.escape(note) for note in layer.notes)
            self.formula.setText(f"\u26a0 {warning}<br>{notes}. The dashed window would hang off the edge: "
                                 "torch never computes it (rounding the output size down); the shaded "
                                 "rows/columns are never read.")
        else:
            style_label(self.formula, self.theme.muted)
            self.formula.setText(" &nbsp;&nbsp; ".join(formulas))
