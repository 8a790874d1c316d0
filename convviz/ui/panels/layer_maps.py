"""One layer's activation maps: every map in a grid, coloured around zero, with a colour bar.

Flat outputs (after flatten: fully connected, softmax) are drawn as bars instead.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from convviz.core.connectivity import Related, related_region
from convviz.core.explain import lecture_shape_text
from convviz.core.geometry import NetworkGeometry
from convviz.core.summary import describe_layer, field_text
from convviz.model.selection import SelectionModel, Unit
from convviz.pipeline.display import MosaicLayout
from convviz.pipeline.engine import FrameResult
from convviz.sources.patterns import is_toy
from convviz.ui.panels.image_view import ImageView
from convviz.ui.theme import Theme

MAX_TILE_MARKS = 64  # rectangles drawn per layer (one per map the unit is connected to)


def make_title(text: str, theme: Theme, size: float | None = None, bold: bool = True,
               colour: str | None = None) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # names from files are text, never markup
    font = label.font()
    font.setPointSizeF(size or theme.title_pt)
    font.setBold(bold)
    label.setFont(font)
    label.setStyleSheet(f"color: {colour or theme.foreground};")
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.NoTextInteraction)
    # never let a long title widen its panel past the window: it is cut or wrapped instead
    label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(1)
    return label


class LayerMapsPanel(QtWidgets.QFrame):
    """Layer ``index``'s output: maps (C x H x W) as a mosaic, or a flat vector as bars. A layer of
    more maps than a page holds shows one page; ``pageRequested(index, first map)`` asks for another."""

    pageRequested = QtCore.Signal(int, int)

    def __init__(self, index: int, theme: Theme, selection: SelectionModel,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.theme = theme
        self.selection = selection
        self.layout_: MosaicLayout | None = None
        self.first_channel = 0  # the map in the mosaic's first tile (paging)
        self._requested: int | None = None  # the page asked for and not painted yet
        self._total = 0  # the layer's number of maps
        self.values: np.ndarray | None = None
        self.setObjectName("layerPanel")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"#layerPanel {{ background: {theme.panel}; border: 1px solid {theme.muted};"
                           " border-radius: 4px; }")
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(2)
        self.title = make_title(f"{index + 1}", theme)
        self.subtitle = make_title("", theme, theme.font_pt, bold=False, colour=theme.muted)
        self.subtitle.setWordWrap(True)
        box.addWidget(self.title)
        box.addWidget(self.subtitle)
        self.pager = QtWidgets.QWidget()
        pager_row = QtWidgets.QHBoxLayout(self.pager)
        pager_row.setContentsMargins(0, 0, 0, 0)
        self.page_back = QtWidgets.QToolButton()
        self.page_back.setText("\u25c0")
        self.page_next = QtWidgets.QToolButton()
        self.page_next.setText("\u25b6")
        self.page_label = make_title("", theme, theme.font_pt, bold=False, colour=theme.muted)
        self.page_back.clicked.connect(lambda: self._turn(-1))
        self.page_next.clicked.connect(lambda: self._turn(1))
        for widget in (self.page_back, self.page_label, self.page_next):
            pager_row.addWidget(widget)
        pager_row.setStretch(1, 1)
        self.pager.setVisible(False)
        box.addWidget(self.pager)
        self._box = box
        # the maps' view and the bars' plot are made when first needed on screen: a pyqtgraph plot costs
        # 40-90 ms to make, and a network of 1,000 layers made 1,000 of each (90 s of a frozen window)
        self._maps: ImageView | None = None
        self._bars: pg.PlotWidget | None = None
        self._bar_item: pg.BarGraphItem | None = None
        self._drawn_as = "maps"  # or "bars": what the layer's output is shown as
        self.on_screen = False  # set by the window: the panel lies in the visible part of the scroll area
        self._marks: list[QtWidgets.QGraphicsRectItem] = []
        self.related: Related | None = None
        self.network_geometry: NetworkGeometry | None = None
        self.setMinimumHeight(220)
        self.selection.listen(self._selection_changed)
        self.shown_sequence = -1

    @property
    def maps(self) -> ImageView:
        """The maps' view (made on first use)."""
        if self._maps is None:
            maps = ImageView(self.theme, colour_bar=True)
            maps.hovered.connect(self._hovered)
            maps.clicked.connect(self._clicked)
            maps.left.connect(lambda: self._leave())
            self._box.addWidget(maps, 1)  # a child first: shown without a parent it would be a window of its own
            maps.setVisible(self._drawn_as == "maps")
            self._maps = maps
        return self._maps

    @property
    def maps_made(self) -> bool:
        return self._maps is not None

    @property
    def bars(self) -> pg.PlotWidget:
        """The bar chart of a flat output (made on first use, with the values it has)."""
        if self._bars is None:
            theme = self.theme
            bars = pg.PlotWidget(background=theme.panel)
            bars.setMouseEnabled(False, False)
            bars.setMenuEnabled(False)
            bars.hideButtons()
            for axis in ("left", "bottom"):
                bars.getAxis(axis).setTextPen(theme.foreground)
            self._bar_item = pg.BarGraphItem(x=[], height=[], width=0.8, brush=theme.accent, pen=None)
            bars.addItem(self._bar_item)
            self._box.addWidget(bars, 1)
            bars.setVisible(self._drawn_as == "bars")
            self._bars = bars
            if self.values is not None and self.values.ndim == 1:
                self._draw_bars(self.values)
        return self._bars

    @property
    def bar_item(self) -> pg.BarGraphItem:
        self.bars  # noqa: B018 (made with its plot)
        assert self._bar_item is not None
        return self._bar_item

    def reuse(self) -> None:
        """The panel will show another network's layer of the same number: forget this one's picture."""
        self.layout_ = None
        self.values = None
        self.first_channel = 0
        self._requested = None
        self._total = 0
        self.pager.setVisible(False)
        self.shown_sequence = -1

    # ---- drawing --------------------------------------------------------------------------------
    def show_result(self, result: FrameResult) -> None:
        layer = result.spec.layers[self.index]
        self.network_geometry = result.geometry
        geometry = result.geometry.layers[self.index]
        shape = geometry.output_shape
        self.title.setText(f"{self.index + 1}  {describe_layer(layer)}  \u2192  {lecture_shape_text(shape)}")
        details = []
        formulas = geometry.formulas()
        if formulas:
            details.append(formulas[1])
        if geometry.params:
            details.append(f"{geometry.params:,} params")
        details.append(f"receptive field {field_text(geometry.receptive_field)}")
        self.subtitle.setText("   \u00b7   ".join(details))
        output = result.outputs[self.index]
        image = result.images[self.index]
        self.values = output
        made = self._maps is not None or self._bars is not None
        if output.ndim == 3:
            self._drawn_as = "maps"
            if self._bars is not None:
                self._bars.setVisible(False)
            if self._maps is not None:
                self._maps.setVisible(True)
            # None: not painted while off screen; the next frame brings it
            if image is not None:  # where the maps are (for the linked panels) even before there is a plot
                self.layout_ = image.layout
                self.first_channel = image.first_channel
                self._total = image.channels
                if self._requested == image.first_channel:
                    self._requested = None
            if image is not None and (self.on_screen or made):
                self.maps.setVisible(True)
                self.maps.set_image(image.rgba)
                self.maps.set_range(image.half_range)
                paged = image.channels > image.layout.channels or image.first_channel > 0
                self.pager.setVisible(paged)
                if paged:
                    last = image.first_channel + image.layout.channels
                    self.page_label.setText(f"maps {image.first_channel + 1}-{last} of {image.channels}")
                    self.page_back.setEnabled(image.first_channel > 0)
                    self.page_next.setEnabled(last < image.channels)
        else:
            self.layout_ = None
            self._drawn_as = "bars"
            self.pager.setVisible(False)
            if self._maps is not None:
                self._maps.setVisible(False)
            if self.on_screen or made:
                self.bars.setVisible(True)
                self._draw_bars(output)
        self.shown_sequence = result.sequence
        self._selection_changed(self.selection)

    def _draw_bars(self, output: np.ndarray) -> None:
        x = np.arange(len(output))
        brushes = [self.theme.accent if v >= 0 else self.theme.window for v in output]
        self.bar_item.setOpts(x=x, height=output, width=0.8, brushes=brushes)
        self.bars.setXRange(-0.7, len(output) - 0.3, padding=0)

    def _turn(self, direction: int) -> None:
        """The next or previous page (quick clicks add up before the repaint arrives)."""
        if self.layout_ is not None and self._total:
            from convviz.pipeline.engine import MAP_PAGE

            start = self._requested if self._requested is not None else self.first_channel
            wanted = max(0, min(start + direction * MAP_PAGE, (self._total - 1) // MAP_PAGE * MAP_PAGE))
            self._requested = wanted
            self.pageRequested.emit(self.index, wanted)

    # ---- pointer --------------------------------------------------------------------------------
    def _unit_at(self, y: float, x: float) -> Unit | None:
        if self.layout_ is None:
            return None
        found = self.layout_.locate(y, x)
        if found is None:
            return None
        channel, row, col = found
        return Unit(self.index, channel + self.first_channel, row, col)

    def _hovered(self, y: float, x: float) -> None:
        self.selection.set_hover(self._unit_at(y, x))

    def _clicked(self, y: float, x: float) -> None:
        unit = self._unit_at(y, x)
        if unit is not None:
            self.selection.pin(unit)

    def _leave(self) -> None:
        if self.selection.hover is not None and self.selection.hover.layer == self.index:
            self.selection.set_hover(None)

    def _selection_changed(self, selection: SelectionModel) -> None:
        """Show how the chosen unit relates to this layer: itself, its receptive field here, or the
        units here that see it (the geometry comes from the core)."""
        unit = selection.active
        self.related = None
        if unit is not None and self.layout_ is not None and self.network_geometry is not None \
                and unit.layer < len(self.network_geometry.layers):
            self.related = related_region(self.network_geometry, unit.layer, unit.channel, unit.row, unit.col,
                                          self.index)
        related, layout = self.related, self.layout_
        used = 0
        empty = related is not None and (related.box[2] <= related.box[0] or related.box[3] <= related.box[1])
        if related is not None and layout is not None and not empty:
            colour = {"unit": self.theme.accent, "field": self.theme.field, "reach": self.theme.window,
                      "whole": self.theme.field}[related.kind]
            top, left, bottom, right = related.box
            shown = [c - self.first_channel for c in related.channels
                     if 0 <= c - self.first_channel < layout.channels]
            for channel in shown[:MAX_TILE_MARKS] if self._maps is not None else ():  # no plot, no marks
                y, x, h, w = layout.map_rect(channel, top, left, bottom, right)
                item = self._mark(used, colour)
                item.setRect(QtCore.QRectF(x, y, max(w, 1.0), max(h, 1.0)))
                used += 1
        for item in self._marks[used:]:
            item.setVisible(False)

    def _mark(self, index: int, colour: str) -> QtWidgets.QGraphicsRectItem:
        while len(self._marks) <= index:
            item = QtWidgets.QGraphicsRectItem()
            item.setZValue(10)
            self.maps.view.addItem(item)
            self._marks.append(item)
        item = self._marks[index]
        pen = pg.mkPen(colour, width=self.theme.line_px * 1.5)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setVisible(True)
        return item

    def detach(self) -> None:
        """Stop listening to the shared selection (before the panel is thrown away)."""
        self.selection.forget(self._selection_changed)

    def value_at(self, unit: Unit) -> float | None:
        if self.values is None:
            return None
        try:
            if self.values.ndim == 3:
                return float(self.values[unit.channel, unit.row, unit.col])
            return float(self.values[unit.channel])
        except IndexError:
            return None


class InputPanel(QtWidgets.QFrame):
    """The network's input as it sees it (after resizing and colour adaptation)."""

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.selection = selection
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        self.title = make_title("Input", theme)
        self.subtitle = make_title("", theme, theme.font_pt, bold=False, colour=theme.muted)
        self.subtitle.setWordWrap(True)
        self.view = ImageView(theme)
        box.addWidget(self.title)
        box.addWidget(self.subtitle)
        box.addWidget(self.view, 1)
        self.view.hovered.connect(self._hovered)
        self.view.clicked.connect(self._clicked)
        self.view.left.connect(self._leave)
        self.marker = QtWidgets.QGraphicsRectItem()
        self.marker.setPen(pg.mkPen(theme.accent, width=theme.line_px))
        self.marker.setZValue(10)
        self.marker.setVisible(False)
        self.view.view.addItem(self.marker)
        self.padding_marker = QtWidgets.QGraphicsRectItem()
        dashed = pg.mkPen(theme.field, width=theme.line_px, style=QtCore.Qt.PenStyle.DashLine)
        dashed.setCosmetic(True)
        self.padding_marker.setPen(dashed)
        self.padding_marker.setZValue(9)
        self.padding_marker.setVisible(False)
        self.view.view.addItem(self.padding_marker)
        self.related: Related | None = None
        self.network_geometry: NetworkGeometry | None = None
        self.selection.listen(self._selection_changed)
        self.image: np.ndarray | None = None

    def show_result(self, result: FrameResult) -> None:
        prepared = result.prepared
        channels, height, width = result.geometry.input_shape
        self.title.setText(f"Input  {width}x{height}x{channels}")
        source = result.source_name or "input"
        scale = f"scaled x{prepared.scale:.3g}" if prepared.scale != 1 else "actual size"
        if is_toy(prepared):  # the built-in input on a tiny network: a pattern with round numbers
            self.subtitle.setText(f"toy pattern {width}x{height} with round numbers (instead of the {source})")
        else:
            self.subtitle.setText(f"{source} ({prepared.source_size[1]}x{prepared.source_size[0]}, {scale})")
        self.image = prepared.tensor
        self.network_geometry = result.geometry
        self.view.set_image(prepared.display)

    def detach(self) -> None:
        self.selection.forget(self._selection_changed)

    def _unit(self, y: float, x: float) -> Unit:
        return Unit(-1, 0, int(y), int(x))

    def _hovered(self, y: float, x: float) -> None:
        self.selection.set_hover(self._unit(y, x))

    def _clicked(self, y: float, x: float) -> None:
        self.selection.pin(self._unit(y, x))

    def _leave(self) -> None:
        if self.selection.hover is not None and self.selection.hover.layer == -1:
            self.selection.set_hover(None)

    def _selection_changed(self, selection: SelectionModel) -> None:
        """The chosen unit's receptive field in the input (solid: the pixels it sees; dashed: the
        part that lies in the zero padding), or the chosen pixel itself."""
        unit = selection.active
        self.related = None
        if unit is not None and self.network_geometry is not None and unit.layer < len(self.network_geometry.layers):
            self.related = related_region(self.network_geometry, unit.layer, unit.channel, unit.row, unit.col, -1)
        related = self.related
        if related is None:
            self.marker.setVisible(False)
            self.padding_marker.setVisible(False)
            return
        top, left, bottom, right = related.box
        colour = self.theme.accent if related.kind == "unit" else self.theme.field
        pen = pg.mkPen(colour, width=self.theme.line_px * 1.5)
        pen.setCosmetic(True)
        self.marker.setPen(pen)
        self.marker.setRect(QtCore.QRectF(left, top, right - left, bottom - top))
        self.marker.setVisible(bottom > top and right > left)  # empty: the unit sees only zero padding
        if related.unclipped is not None and related.unclipped != related.box:
            u_top, u_left, u_bottom, u_right = related.unclipped
            self.padding_marker.setRect(QtCore.QRectF(u_left, u_top, u_right - u_left, u_bottom - u_top))
            self.padding_marker.setVisible(True)
        else:
            self.padding_marker.setVisible(False)


__all__ = ["InputPanel", "LayerMapsPanel", "make_title"]
