"""The activation function of a layer, with where this frame's inputs actually fall: the curve over the
range where its own shape shows (ELU's smooth negative side, leaky ReLU's small slope), its gradient
on demand, a histogram of the layer's inputs on the same axis, and the share of units in the region
where the function saturates, dies or leaks, shaded in that region's own colour.

The plot items are made once; a new frame only updates the histogram and the numbers. The curve and
its gradient come from the layer's own torch module (core.mechanics) and are computed again only when
the layer changes.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core.layers import layer_type
from convviz.core.mechanics import activation_curve, activation_function, activation_stats, maxout_stats
from convviz.export.figure import mark_controls
from convviz.model.selection import SelectionModel
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.view_common import LayerChooser, big_label, controls_row
from convviz.ui.theme import Theme

BINS = 60
MAX_PIECES = 6  # maxout pieces drawn as their own histograms


class ActivationView(QtWidgets.QWidget):
    """One activation layer: f(x), optionally f'(x), and this frame's x values."""

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.selection = selection
        self.result: FrameResult | None = None
        self.stats = None
        self._curve_key: tuple | None = None
        self._curve: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        top = QtWidgets.QHBoxLayout()
        self.layer_box = LayerChooser()
        self.layer_box.layerChosen.connect(lambda index: self.redraw())
        self.gradient_box = QtWidgets.QCheckBox("show the gradient f'(x)")
        self.gradient_box.toggled.connect(lambda checked: self.redraw())
        for widget in (QtWidgets.QLabel("Layer"), self.layer_box, self.gradient_box):
            top.addWidget(widget)
            mark_controls(widget)  # left out of figure-only exports
        top.addStretch(1)
        self.plot = pg.PlotWidget(background=theme.panel)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        font = QtGui.QFont()
        font.setPointSizeF(theme.font_pt)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setTextPen(theme.foreground)
            axis.setStyle(tickFont=font)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextSize=f"{theme.font_pt:.0f}pt",
                                          labelTextColor=theme.foreground)
        self._build_items()
        self.title = big_label(theme, "", 0.9, bold=True)
        self.summary = big_label(theme, "", 0.8)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addWidget(controls_row(top))
        outer.addWidget(self.title)
        outer.addWidget(self.plot, 1)
        outer.addWidget(self.summary)
        selection.listen(self._selection_changed)

    def _build_items(self) -> None:
        """Every item the view ever draws, made once and shown or hidden as the layer needs."""
        theme = self.theme
        muted = QtGui.QColor(theme.muted)
        muted.setAlpha(140)
        self.histogram = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0, brush=muted, pen=None)
        self.histogram.setZValue(-5)
        self.plot.addItem(self.histogram)
        self.regions: list[pg.LinearRegionItem] = []
        self.region_labels: list[pg.TextItem] = []
        label_font = QtGui.QFont()
        label_font.setPointSizeF(theme.title_pt * 0.85)
        label_font.setBold(True)
        for _ in range(2):
            region = pg.LinearRegionItem((0, 1), movable=False, pen=pg.mkPen(None))
            region.setZValue(-10)
            self.plot.addItem(region)
            self.regions.append(region)
            text = pg.TextItem("", anchor=(0.5, 0))
            text.setFont(label_font)
            self.plot.addItem(text)
            self.region_labels.append(text)
        self.curve = self.plot.plot([0.0], [0.0], pen=pg.mkPen(theme.accent, width=theme.line_px * 2))
        self.gradient = self.plot.plot([0.0], [0.0], pen=pg.mkPen(theme.window, width=theme.line_px * 1.5,
                                                                     style=QtCore.Qt.PenStyle.DashLine))
        colours = [theme.accent, theme.window, theme.field, theme.error, theme.warning, theme.padding]
        self.pieces: list[pg.BarGraphItem] = []
        for piece in range(MAX_PIECES):
            colour = QtGui.QColor(colours[piece % len(colours)])
            colour.setAlpha(120)
            bars = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0, brush=colour, pen=None)
            self.plot.addItem(bars)
            self.pieces.append(bars)
        self._legend_key: tuple | None = None

    def detach(self) -> None:
        self.selection.forget(self._selection_changed)

    def show_result(self, result: FrameResult) -> None:
        new_spec = self.result is None or result.spec is not self.result.spec
        self.result = result
        if new_spec:
            layers = [g for g in result.geometry.layers if g.kind.view == "activation"]
            self.layer_box.fill(result.spec, layers)
            if not self.layer_box.choose(self.selection.focus_layer) and layers \
                    and self.layer_box.current_layer() is None:
                self.layer_box.choose(layers[0].index)
        self.redraw()

    # ---- drawing ----------------------------------------------------------------------------------------
    def _show(self, *items: QtWidgets.QGraphicsItem) -> None:
        """Show exactly ``items`` of the ones this view owns."""
        owned = [self.histogram, *self.regions, *self.region_labels, self.curve, self.gradient, *self.pieces]
        for item in owned:
            item.setVisible(item in items)

    def _legend(self, entries: list[tuple[QtWidgets.QGraphicsItem, str]]) -> None:
        key = tuple(name for _, name in entries)
        if key != self._legend_key:
            self._legend_key = key
            self.legend.clear()
            for item, name in entries:
                self.legend.addItem(item, name)

    def redraw(self) -> None:
        result = self.result
        index = self.layer_box.current_layer()
        if result is None or index is None or index >= len(result.outputs):
            self._show()
            self._legend([])
            self.title.setText("This network has no activation layer.")
            self.summary.setText("")
            return
        layer = result.spec.layers[index]
        pre = np.asarray(result.input_of(index))
        explained = layer_type(layer.type).explained_as
        self.gradient_box.setEnabled(explained == "curve")
        if explained == "pieces":
            self._draw_maxout(index, pre, layer.params["pieces"])
        elif explained == "probabilities":
            self._draw_softmax(index, pre, np.asarray(result.outputs[index]))
        else:
            self._draw_curve(index, pre)

    def _histogram(self, values: np.ndarray, function, span: tuple[float, float], height: float):
        stats = activation_stats(values, function, bins=BINS, span=span)
        self.stats = stats
        centres = (stats.edges[:-1] + stats.edges[1:]) / 2
        width = float(stats.edges[1] - stats.edges[0])
        self.histogram.setOpts(x=centres, height=stats.counts / max(1, stats.counts.max()) * height,
                               width=width * 0.95)
        return stats

    def _draw_curve(self, index: int, pre: np.ndarray) -> None:
        result = self.result
        assert result is not None
        layer, geometry = result.spec.layers[index], result.geometry.layers[index]
        function = activation_function(layer)
        assert function is not None
        key = (id(layer), geometry.input_shape)
        if key != self._curve_key:  # the curve only changes with the layer: autograd once, not per frame
            x = np.linspace(function.span[0], function.span[1], 600, dtype=np.float32)
            y, dy = activation_curve(layer, geometry, x)
            self._curve, self._curve_key = (x, y, dy), key
        assert self._curve is not None
        x, y, dy = self._curve
        self.curve.setData(x, y)
        self.gradient.setData(x, dy)
        low, high = float(min(y.min(), 0.0)), float(y.max())
        stats = self._histogram(pre, function, function.span, height=max(0.5, 0.6 * (high - low)))
        colour = {"dead": self.theme.error, "saturated": self.theme.warning}.get(function.region, self.theme.window)
        fill = QtGui.QColor(colour)
        fill.setAlpha(50)
        shown: list[QtWidgets.QGraphicsItem] = [self.histogram, self.curve]
        if self.gradient_box.isChecked():
            shown.append(self.gradient)
        name = function.label.split(" (")[0]
        bounds = [(function.span[0], function.quiet[0], stats.low_fraction) if function.quiet[0] is not None else None,
                  (function.quiet[1], function.span[1], stats.high_fraction) if function.quiet[1] is not None else None]
        for slot, bound in enumerate(b for b in bounds if b is not None):
            start, end, fraction = bound
            if end <= start:
                continue
            region, text = self.regions[slot], self.region_labels[slot]
            region.setRegion((start, end))
            region.setBrush(fill)
            text.setText(f"{name}: {fraction * 100:.1f}%", colour)
            text.setPos((start + end) / 2, high - 0.02 * (high - low))  # near the top, inside the region
            shown += [region, text]
        self._show(*shown)
        entries = [(self.histogram, "this frame's x (histogram, scaled)"), (self.curve, f"f(x) = {function.formula}")]
        if self.gradient_box.isChecked():
            entries.append((self.gradient, "f'(x), the gradient"))
        self._legend(entries)
        self.plot.setLabel("bottom", "x (the layer's input)", color=self.theme.foreground)
        self.plot.setLabel("left", "f(x)", color=self.theme.foreground)
        self.plot.setXRange(*function.span, padding=0.02)
        self.plot.setYRange(low, high, padding=0.08)
        self.title.setText(html.escape(f"{index + 1}  {function.name}: f(x) = {function.formula}"))
        outside = np.count_nonzero((pre < function.span[0]) | (pre > function.span[1]))
        detail = ""
        if function.quiet[0] is not None and function.quiet[1] is not None:
            detail = (f" ({stats.low_fraction * 100:.1f}% below {function.quiet[0]:g}, "
                      f"{stats.high_fraction * 100:.1f}% above {function.quiet[1]:g})")
        range_note = ""
        if outside:
            range_note = (f" {outside / max(1, pre.size) * 100:.1f}% of the inputs lie beyond the range shown "
                          f"(they range {stats.minimum:.3g} to {stats.maximum:.3g}).")
        self.summary.setText(f"<b style='color:{colour}'>{stats.quiet_fraction * 100:.1f}%</b> of this frame's "
                             f"{stats.count:,} units fall in the shaded region, {html.escape(function.label)}"
                             f"{detail}.{range_note}")

    def _draw_softmax(self, index: int, pre: np.ndarray, out: np.ndarray) -> None:
        span = (float(pre.min()), float(pre.max()) if pre.max() > pre.min() else float(pre.min()) + 1.0)
        self._histogram(pre, None, span, 1.0)
        self._show(self.histogram)
        self._legend([(self.histogram, "the scores x (histogram)")])
        self.plot.setLabel("bottom", "score x (the layer's input)", color=self.theme.foreground)
        self.plot.setLabel("left", "share of scores", color=self.theme.foreground)
        self.plot.setXRange(*span, padding=0.05)
        self.plot.setYRange(0, 1, padding=0.05)
        self.title.setText(f"{index + 1}  softmax: e^x / \u03a3 e^x turns {pre.size} scores into probabilities")
        self.summary.setText(f"largest probability {float(out.max()):.3f} for class {int(np.argmax(out)) + 1}; "
                             "every probability depends on every score")

    def _draw_maxout(self, index: int, pre: np.ndarray, pieces: int) -> None:
        stats = maxout_stats(pre, pieces)
        channels = pre.shape[0]
        grouped = pre.reshape(channels // pieces, pieces, -1)
        low, high = float(pre.min()), float(pre.max())
        high = high if high > low else low + 1.0
        entries = []
        shown: list[QtWidgets.QGraphicsItem] = []
        for piece in range(min(pieces, MAX_PIECES)):
            counts, edges = np.histogram(grouped[:, piece].ravel(), bins=BINS, range=(low, high))
            bars = self.pieces[piece]
            bars.setOpts(x=(edges[:-1] + edges[1:]) / 2, height=counts / max(1, counts.max()),
                         width=(edges[1] - edges[0]) * 0.9)
            shown.append(bars)
            entries.append((bars, f"piece {piece + 1}: w{piece + 1}\u1d40x + b{piece + 1} (wins "
                                  f"{stats.win_fraction[piece] * 100:.0f}%)"))
        self._show(*shown)
        self._legend(entries)
        self.plot.setLabel("bottom", "value of a piece (w\u1d40x + b)", color=self.theme.foreground)
        self.plot.setLabel("left", "share of units (histogram)", color=self.theme.foreground)
        self.plot.setXRange(low, high, padding=0.02)
        self.plot.setYRange(0, 1, padding=0.05)
        self.title.setText(f"{index + 1}  maxout over {pieces} pieces: max(w1\u1d40x + b1, w2\u1d40x + b2"
                           + (", ..." if pieces > 2 else "") + ")")
        self.summary.setText("Each output unit is the largest of its pieces: linear where it wins, never "
                             "saturating, never dead; the gradient flows to the winning piece only. It needs the "
                             f"pieces' parameters (the conv before it has {pieces}x the filters). Winning shares: "
                             + ", ".join(f"piece {i + 1} {f * 100:.0f}%" for i, f in enumerate(stats.win_fraction)))

    def _selection_changed(self, selection: SelectionModel) -> None:
        if self.result is not None and selection.focus_layer != self.layer_box.current_layer():
            self.layer_box.choose(selection.focus_layer)
