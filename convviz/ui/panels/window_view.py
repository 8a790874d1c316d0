"""What the convolution and pooling views share: a sliding window over one layer's input and an output
map filling in step by step, a layer chooser that follows the focused layer, playback, and the pointer
talking to the shared selection."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from convviz.core.geometry import LayerGeometry
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.grid_view import GridView, colour_cells
from convviz.ui.panels.playback import Playback
from convviz.ui.panels.view_common import LayerChooser
from convviz.ui.selection import SelectionModel, Unit
from convviz.ui.theme import Theme

WHOLE_LIMIT = 64  # maps up to this many cells a side are shown whole (numbers appear when cells are big)
NEIGHBOURHOOD = 6  # cells shown around the window in a bigger map


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
        self.misfit = False  # the layer is the one whose stride does not fit
        self.volume: np.ndarray | None = None
        self.output: np.ndarray | None = None
        self._output_range = 1.0
        self._whole_input = True
        self._lut = theme.lut()
        self.layer_box = LayerChooser()
        self.layer_box.layerChosen.connect(lambda index: self.load_layer(index))
        self.input_view = GridView(theme, "the layer's input")
        self.output_view = GridView(theme, "the output map, filling in")
        self.output_view.cellClicked.connect(self._output_clicked)
        self.output_view.cellHovered.connect(self._output_hovered)
        self.input_view.cellHovered.connect(self._input_hovered)
        for view in (self.output_view, self.input_view):
            view.left.connect(self._pointer_left)
        self.playback.stepChanged.connect(self.draw_step)
        selection.connect(self._selection_changed)

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

    def show_message(self, text: str) -> None:
        """Where a view says it has nothing to show."""

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
        index = self.layer_box.current_layer()
        if index is None:
            self.layer = None
            self.show_message(self.no_layer_text)
            return
        self.load_layer(index, keep_step=not new_spec)

    def draw_output(self, step: int, out_row: int, out_col: int) -> None:
        """The output map computed up to ``step`` (later cells empty), the current cell framed."""
        output = self.output
        assert output is not None
        height, width = output.shape
        shown = output.astype(np.float32).copy()
        shown.reshape(-1)[step + 1:] = np.nan  # not computed yet: no colour, no number
        rgba = colour_cells(shown, self._lut, self._output_range)
        rgba.reshape(-1, 4)[step + 1:, 3] = 0
        self.output_view.set_cells(shown, rgba)
        self.output_view.rect("current", out_row, out_col, 1, 1, self.theme.accent, width_px=self.theme.line_px * 2)
        if max(height, width) > WHOLE_LIMIT:
            self.output_view.focus(out_row - 8, out_col - 8, out_row + 9, out_col + 9)

    def focus_input(self, top: int, left: int, height: int, width: int) -> None:
        """Show the window's neighbourhood when the input is too big to show whole."""
        if not self._whole_input:
            self.input_view.focus(top - NEIGHBOURHOOD, left - NEIGHBOURHOOD, top + height + NEIGHBOURHOOD,
                                  left + width + NEIGHBOURHOOD)

    def _output_clicked(self, row: int, col: int) -> None:
        if self.output is None or self.layer is None:
            return
        height, width = self.output.shape
        if 0 <= row < height and 0 <= col < width:
            self.playback.pause()
            self.playback.go(row * width + col)
            if not self.misfit:
                self.selection.pin(Unit(self.layer.index, self.output_channel(), row, col))

    def _output_hovered(self, row: int, col: int) -> None:
        if self.layer is not None and not self.misfit:
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
        """Follow the focused layer; jump to a unit pinned in this layer (clicked anywhere)."""
        if self.result is None:
            return
        if selection.focus_layer != self.layer_box.current_layer():
            self.layer_box.choose(selection.focus_layer)
        pinned = selection.pinned
        if pinned is None or self.layer is None or pinned.layer != self.layer.index or self.output is None:
            return
        if pinned.channel != self.output_channel():
            self.set_output_channel(pinned.channel)
        height, width = self.output.shape
        if 0 <= pinned.row < height and 0 <= pinned.col < width:
            self.playback.go(pinned.row * width + pinned.col)
