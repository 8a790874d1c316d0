"""What the convolution and pooling views share: a sliding window over one layer's input and an output
map filling in step by step, a layer chooser that follows the focused layer, the colour scale,
playback, and the pointer talking to the shared selection."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.core.connectivity import related_region
from convviz.core.geometry import LayerGeometry
from convviz.export.figure import mark_controls
from convviz.model.selection import SelectionModel, Unit
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.colour_scale import SCALE_MODES, ScaleChoice, ScaleStrip
from convviz.ui.panels.grid_view import GridView, colour_cells, readable_cell_px
from convviz.ui.panels.playback import Playback
from convviz.ui.panels.view_common import LayerChooser, big_label
from convviz.ui.theme import Theme

WHOLE_LIMIT = 64  # inputs up to this many cells a side are shown whole (numbers appear when cells are big)


def most_active(maps: np.ndarray, channels: list[int] | None = None) -> int:
    """The map (of ``channels``, default all) with the largest mean magnitude: where a deep layer's
    view opens, instead of map 1, which is often dead (0 x w = 0 at every step)."""
    maps = np.asarray(maps)
    candidates = list(range(maps.shape[0])) if channels is None else list(channels)
    if not candidates:
        return 0
    activity = [float(np.nanmean(np.abs(maps[c]))) if maps[c].size else 0.0 for c in candidates]
    return candidates[int(np.argmax(activity))]


@dataclass(frozen=True)
class ViewState:
    """What a lecturer set up in a view, kept when the view is made again (a new theme): the layer,
    the output map, the input channel shown, the step, whether it plays, the colour scale."""

    layer: int | None
    channel: int
    input_text: str
    step: int
    playing: bool
    scale: ScaleChoice
    extra: tuple = ()


class SlidingWindowView(QtWidgets.QWidget):
    """Base of the convolution and pooling views. Subclasses say which layers they show
    (``layers_for``), load one (``load_layer``), draw a step (``draw_step``) and which channels the
    pointer means (``output_channel``, ``input_channel``)."""

    no_layer_text = "This network has no such layer."

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.selection = selection
        self.playback = Playback(self)
        self.result: FrameResult | None = None
        self.layer: LayerGeometry | None = None
        self.misfit = False  # the layer's stride does not fit (torch rounds down; the view shows what it drops)
        self.volume: np.ndarray | None = None
        self.output: np.ndarray | None = None
        self._output_whole = False
        self._whole_input = True
        self._lut = theme.lut()
        self._pending_state: ViewState | None = None
        self._loaded: tuple[int, int] | None = None  # (id of the spec, layer) whose maps were chosen
        self.readable_cell = readable_cell_px(theme)  # a cell that holds '-0.00' in the smallest number font
        self.current_colour = theme.accent  # the frame of the output cell being computed
        self.layer_box = LayerChooser()
        self.layer_box.layerChosen.connect(lambda index: self.load_layer(index))
        self.scale_choice = ScaleChoice()
        self.scale_box = QtWidgets.QComboBox()
        for mode, text in SCALE_MODES.items():
            self.scale_box.addItem(text, mode)
        self.scale_box.setToolTip("colour scale: one for the whole layer, one per map, or a fixed range; one colour "
                                  "means one value in every grid on the same scale")
        self.scale_box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scale_box.setMinimumContentsLength(max(len(text) for text in SCALE_MODES.values()))  # never cut
        self.fixed_box = QtWidgets.QDoubleSpinBox()
        self.fixed_box.setRange(0.01, 1000.0)
        self.fixed_box.setDecimals(2)
        self.fixed_box.setValue(1.0)
        self.fixed_box.setPrefix("\u00b1")
        self.fixed_box.setVisible(False)
        self.scale_box.currentIndexChanged.connect(lambda index: self._scale_changed())
        self.fixed_box.valueChanged.connect(lambda value: self._scale_changed())
        mark_controls(self.scale_box, self.fixed_box)
        self.input_view = GridView(theme, "the layer's input")
        self.output_view = GridView(theme, "the output map, filling in")
        self.input_scale = ScaleStrip(theme)
        self.output_scale = ScaleStrip(theme)
        self.overview = GridView(theme, "the whole input: the box is the part shown big")
        self.overview.show_numbers = False
        self.overview_title = big_label(theme, "Where: the whole input", 0.6, colour=theme.muted)
        self.overview.cellClicked.connect(self._overview_clicked)
        self.output_view.cellClicked.connect(self._output_clicked)
        self.output_view.cellHovered.connect(self._output_hovered)
        self.input_view.cellHovered.connect(self._input_hovered)
        for view in (self.output_view, self.input_view):
            view.left.connect(self._pointer_left)
        self.playback.stepChanged.connect(self.draw_step)
        selection.listen(self._selection_changed)

    # ---- for subclasses -------------------------------------------------------------------------------
    def layers_for(self, result: FrameResult) -> list[LayerGeometry]:
        raise NotImplementedError

    def load_layer(self, index: int, keep_step: bool = False) -> None:
        raise NotImplementedError

    def draw_step(self, step: int) -> None:
        raise NotImplementedError

    def output_channel(self) -> int:
        raise NotImplementedError

    def set_output_channel(self, channel: int) -> None:
        raise NotImplementedError

    def input_channel(self) -> int:
        return self.output_channel()

    def input_text(self) -> str:
        """The input channel chosen, as its box says it ('' when the view has no such box)."""
        return ""

    def set_input_text(self, text: str) -> None:
        """Choose the input channel by what its box says."""

    def rescale(self) -> None:
        """Colour again with the current scale choice (same step)."""

    def show_message(self, text: str) -> None:
        """Where a view says it has nothing to show."""

    def detach(self) -> None:
        """Stop listening to the shared selection (before the view is thrown away)."""
        self.selection.forget(self._selection_changed)

    # ---- state kept across a new theme ---------------------------------------------------------------
    def state(self) -> ViewState | None:
        """What the lecturer set up here (None: the view has not shown a layer yet)."""
        if self.layer is None or self.result is None:
            return None
        return ViewState(self.layer_box.current_layer(), self.output_channel() if self.layer is not None else 0,
                         self.input_text(), self.playback.step, self.playback.playing, self.scale_choice,
                         self.extra_state())

    def extra_state(self) -> tuple:
        return ()

    def restore_extra(self, extra: tuple) -> None:
        """Put back what ``extra_state`` returned."""

    def restore(self, state: ViewState | None) -> None:
        """Take over ``state`` (from the view this one replaces); applied with the first frame."""
        if state is None:
            return
        self._pending_state = state
        with signals_blocked(self.scale_box), signals_blocked(self.fixed_box):
            self.scale_box.setCurrentIndex(max(0, self.scale_box.findData(state.scale.mode)))
            self.fixed_box.setValue(state.scale.fixed)
            self.fixed_box.setVisible(state.scale.mode == "fixed")
        self.scale_choice = state.scale
        self.playback.speed = self.playback.speed  # the bar shows the playback's own speed
        if self.result is not None:
            self._apply_pending()

    def _apply_pending(self) -> None:
        state, self._pending_state = self._pending_state, None
        if state is None or self.result is None:
            return
        if state.layer is not None:
            self.layer_box.choose(state.layer)
        index = self.layer_box.current_layer()
        if index is None:
            return
        self._loaded = (id(self.result.spec), index)  # the maps are the lecturer's, not the most active
        self.restore_extra(state.extra)
        self.load_layer(index, keep_step=True)
        if self.layer is None:
            return
        self.set_output_channel(state.channel)
        if state.input_text:
            self.set_input_text(state.input_text)
        self.playback.go(state.step, force=True)
        if state.playing:
            self.playback.play()

    # ---- shared ---------------------------------------------------------------------------------------
    def show_result(self, result: FrameResult) -> None:
        """A new frame (or network): keep the layer and the step if the network is the same, redraw."""
        new_spec = self.result is None or result.spec is not self.result.spec
        self.result = result
        if new_spec:
            layers = self.layers_for(result)
            self.layer_box.fill(result.spec, layers, extra="does not fit")
            if not self.layer_box.choose(self.selection.focus_layer) and layers \
                    and self.layer_box.current_layer() is None:
                self.layer_box.choose(layers[0].index)
        if self._pending_state is not None:
            self._apply_pending()
            return
        index = self.layer_box.current_layer()
        if index is None:
            self.layer = None
            self.show_message(self.no_layer_text)
            return
        self.load_layer(index, keep_step=not new_spec)

    def first_look(self, index: int) -> bool:
        """True the first time layer ``index`` of this network is loaded: the view then opens on its
        most active maps (and never again overrides the lecturer's choice)."""
        key = (id(self.result.spec) if self.result is not None else 0, index)
        if key == self._loaded:
            return False
        self._loaded = key
        return True

    def _scale_changed(self) -> None:
        mode = self.scale_box.currentData() or "layer"
        self.fixed_box.setVisible(mode == "fixed")
        self.scale_choice = ScaleChoice(mode, float(self.fixed_box.value()))
        self.rescale()

    def colour_output(self, output: np.ndarray, half: float) -> None:
        """The output map and its colours, once per frame, filter and scale (a step only shows more
        of it)."""
        self.output = output
        self.output_scale.set_range(half)
        self.output_view.filled = 0
        self.output_view.set_cells(np.asarray(output, dtype=np.float32), colour_cells(output, self._lut, half))

    def draw_output(self, step: int, out_row: int, out_col: int) -> None:
        """The output map computed up to ``step`` (later cells empty), the current cell framed; whole
        when its cells are at least the theme's ``output_cell_px`` (12 on a projector), else zoomed on
        the current cell with cells big enough for their numbers."""
        output = self.output
        assert output is not None
        height, width = output.shape
        view = self.output_view
        view.set_filled(step + 1)  # not computed yet: no colour, no number
        least = self.theme.output_cell_px
        if max(height, width) <= WHOLE_LIMIT and view.fits_whole(least):
            if view.block is not None or not self._output_whole:
                view.show_all()
            self._output_whole = True
        else:
            self._output_whole = False
            # cells for numbers when that still shows the filling in (6 rows), else smaller, never below
            # twice the least size: the current cell and its neighbourhood matter more than its number
            view.zoom_to(out_row, out_col, 1, 1, max(least * 2, min(self.readable_cell, view.height() / 6)))
        view.rect("current", out_row, out_col, 1, 1, self.current_colour, width_px=self.theme.line_px * 2,
                  halo=True)
        # the map's extent, so the part still to be computed shows as the empty cells of a map
        view.rect("extent", 0, 0, height, width, self.theme.muted, width_px=max(1.0, self.theme.line_px / 2), z=19)

    def current_cell_px(self) -> float:
        """How many pixels the output's current cell takes on screen now (what the back row sees)."""
        return self.output_view.cell_pixels() if self.output_view.isVisible() else 0.0

    def show_input(self, values: np.ndarray, rgba: np.ndarray, extra_columns: int = 0) -> None:
        """The (padded) input map, whole if it is small enough to read, else zoomed in on the window's
        neighbourhood with an overview of the whole map next to it. ``extra_columns`` leaves room on
        the right (for a window hanging off the edge)."""
        self.input_view.set_cells(values, rgba)
        padded_h, padded_w = values.shape
        self._whole_input = max(padded_h, padded_w) <= WHOLE_LIMIT
        if self._whole_input:
            self.input_view.show_all(extra_columns, padding=0.03)
        else:
            self.overview.set_cells(values, rgba)
            self.overview.show_all()
        self.arrange()

    def arrange(self) -> None:
        """Place the view's parts for its size and content (subclasses)."""

    def focus_input(self, top: int, left: int, height: int, width: int) -> None:
        """Show the window's neighbourhood when the input is too big to show whole, and mark on the
        overview which part that is."""
        if self._whole_input:
            return
        self.input_view.zoom_to(top, left, height, width, self.readable_cell)
        block = self.input_view.block
        if block is None:
            return
        shown_top, shown_left, shown_bottom, shown_right = block
        rows, cols = self.overview.values.shape if self.overview.values is not None else (1, 1)
        # the part shown big, framed on the overview (at least a few percent of it, to be seen)
        mark_h = max(shown_bottom - shown_top, rows * 0.12)
        mark_w = max(shown_right - shown_left, cols * 0.12)
        centre_y, centre_x = (shown_top + shown_bottom) / 2, (shown_left + shown_right) / 2
        self.overview.rect("shown", centre_y - mark_h / 2, centre_x - mark_w / 2, mark_h, mark_w, self.theme.accent,
                           width_px=self.theme.line_px * 2, halo=True)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt name)
        """Redraw at the new size (once the layouts have settled): a zoomed map keeps its cells
        readable, the dot product shows as many slices as can be read."""
        super().resizeEvent(event)
        if self.layer is not None:
            QtCore.QTimer.singleShot(0, self, self._redraw_after_resize)

    def _redraw_after_resize(self) -> None:
        if self.layer is not None:
            self.arrange()
            self.draw_step(self.playback.step)

    def _overview_clicked(self, row: int, col: int) -> None:
        """Jump to the output cell whose window lies nearest to a clicked point of the overview."""
        layer = self.layer
        if layer is None or layer.window is None or self.output is None:
            return
        window = layer.window
        out_h, out_w = window.output_size
        centre_h, centre_w = (window.effective_kernel[0] - 1) / 2, (window.effective_kernel[1] - 1) / 2
        out_row = int(np.clip(round((row - centre_h) / window.stride[0]), 0, out_h - 1))
        out_col = int(np.clip(round((col - centre_w) / window.stride[1]), 0, out_w - 1))
        self.playback.pause()
        self.playback.go(out_row * out_w + out_col)

    def _output_clicked(self, row: int, col: int) -> None:
        if self.output is None or self.layer is None:
            return
        height, width = self.output.shape
        if 0 <= row < height and 0 <= col < width:
            self.playback.pause()
            self.playback.go(row * width + col)
            self.selection.pin(Unit(self.layer.index, self.output_channel(), row, col))

    def _output_hovered(self, row: int, col: int) -> None:
        if self.layer is not None:
            self.selection.set_hover(Unit(self.layer.index, self.output_channel(), row, col))

    def _input_hovered(self, row: int, col: int) -> None:
        layer = self.layer
        if layer is None or layer.window is None or self.volume is None:
            return
        r, c = row - layer.window.pad_before[0], col - layer.window.pad_before[1]
        if 0 <= r < self.volume.shape[1] and 0 <= c < self.volume.shape[2]:
            self.selection.set_hover(Unit(layer.index - 1, self.input_channel(), r, c))

    def _pointer_left(self) -> None:
        if self.selection.hover is not None:
            self.selection.set_hover(None)

    def _selection_changed(self, selection: SelectionModel) -> None:
        """Follow the focused layer; show how the unit pointed at anywhere relates to this layer's
        input and output; jump to a unit pinned in this layer (clicked anywhere)."""
        if self.result is None:
            return
        if selection.focus_layer != self.layer_box.current_layer():
            self.layer_box.choose(selection.focus_layer)
        self.draw_related(selection)
        pinned = selection.pinned
        if pinned is None or self.layer is None or pinned.layer != self.layer.index or self.output is None:
            return
        if pinned.channel != self.output_channel():
            self.set_output_channel(pinned.channel)
        height, width = self.output.shape
        if 0 <= pinned.row < height and 0 <= pinned.col < width:
            self.playback.go(pinned.row * width + pinned.col)

    def draw_related(self, selection: SelectionModel) -> None:
        """The chosen unit's relation to this view's maps (from the core): its receptive field in the
        layer's input, or the output units that see a chosen pixel; dotted, in the field colour."""
        layer, result = self.layer, self.result
        unit = selection.active
        shown = False
        if layer is not None and result is not None and unit is not None \
                and unit.layer < len(result.geometry.layers) and layer.window is not None:
            for view, target, offset, channel in (
                    (self.input_view, layer.index - 1, layer.window.pad_before, self.input_channel()),
                    (self.output_view, layer.index, (0, 0), self.output_channel())):
                related = related_region(result.geometry, unit.layer, unit.channel, unit.row, unit.col, target)
                name = "related"
                pixel = related is not None and related.kind == "unit" and unit.layer == -1  # every colour
                if related is None or related.kind == "whole" or (channel not in related.channels and not pixel):
                    view.hide_rect(name)
                    continue
                top, left, bottom, right = related.box
                if bottom <= top or right <= left:
                    view.hide_rect(name)
                    continue
                colour = self.theme.accent if related.kind == "unit" else self.theme.field
                view.rect(name, top + offset[0], left + offset[1], bottom - top, right - left, colour,
                          width_px=self.theme.line_px * 1.5, style=QtCore.Qt.PenStyle.DotLine, z=28)
                shown = True
        if not shown:
            self.input_view.hide_rect("related")
            self.output_view.hide_rect("related")
