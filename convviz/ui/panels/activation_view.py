"""The activation function of a layer, with where this frame's inputs actually fall: the curve, its
gradient on demand, a histogram of the pre-activation values on the same axis, and the share of
units in the saturated (sigmoid, tanh) or dead (ReLU) region."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from convviz.core.mechanics import activation_curve, activation_function, activation_stats, maxout_stats, prelu_alpha
from convviz.export.figure import mark_controls
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.view_common import LayerChooser, big_label
from convviz.ui.selection import SelectionModel
from convviz.ui.theme import Theme

POINTWISE = ("relu", "leaky_relu", "prelu", "sigmoid", "tanh", "elu")
SHOWN = (*POINTWISE, "maxout", "softmax")


class ActivationView(QtWidgets.QWidget):
    """One activation layer: f(x), optionally f'(x), and this frame's x values."""

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.selection = selection
        self.result: FrameResult | None = None
        self.stats = None
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
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        font = QtGui.QFont()
        font.setPointSizeF(theme.font_pt)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setTextPen(theme.foreground)
            axis.setStyle(tickFont=font)
        self.plot.setLabel("bottom", "x (the layer's input)", color=theme.foreground)
        self.plot.setLabel("left", "f(x)", color=theme.foreground)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextSize=f"{theme.font_pt:.0f}pt",
                                          labelTextColor=theme.foreground)
        self.title = big_label(theme, "", 0.9, bold=True)
        self.summary = big_label(theme, "", 0.8)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(self.title)
        outer.addWidget(self.plot, 1)
        outer.addWidget(self.summary)
        selection.connect(self._selection_changed)

    def show_result(self, result: FrameResult) -> None:
        new_spec = self.result is None or result.spec is not self.result.spec
        self.result = result
        if new_spec:
            layers = [g for g in result.geometry.layers if g.type in SHOWN]
            self.layer_box.fill(result.spec, layers)
            if not self.layer_box.choose(self.selection.focus_layer) and layers \
                    and self.layer_box.current_layer() is None:
                self.layer_box.choose(layers[0].index)
        self.redraw()

    def redraw(self) -> None:
        result = self.result
        index = self.layer_box.current_layer()
        self.plot.clear()
        self.legend.clear()
        if result is None or index is None or index >= len(result.outputs):
            self.title.setText("This network has no activation layer.")
            self.summary.setText("")
            return
        layer = result.spec.layers[index]
        pre = np.asarray(result.input_of(index))
        theme = self.theme
        if layer.type == "maxout":
            self._draw_maxout(pre, layer.params["pieces"])
            return
        if layer.type == "softmax":
            self._draw_histogram(pre, None, (float(pre.min()), float(pre.max())))
            self.title.setText(f"{index + 1}  softmax: e^x / \u03a3 e^x turns {pre.size} scores into probabilities")
            self.summary.setText(f"largest probability {float(result.outputs[index].max()):.3f} "
                                 f"for class {int(np.argmax(result.outputs[index]))}")
            return
        function = activation_function(layer)
        assert function is not None
        low, high = float(pre.min()), float(pre.max())
        span = (min(low, -6.0 if layer.type in ("sigmoid", "tanh") else -2.0),
                max(high, 6.0 if layer.type in ("sigmoid", "tanh") else 2.0))
        margin = 0.05 * (span[1] - span[0])
        span = (span[0] - margin, span[1] + margin)
        x = np.linspace(span[0], span[1], 600, dtype=np.float32)
        y, dy = activation_curve(layer, x)
        # the histogram as tall as most of the curve's range, so its shape reads next to the curve
        stats = self._draw_histogram(pre, function, span, height=max(1.0, 0.6 * float(y.max() - min(0.0, y.min()))))
        self._shade(function.quiet, span, y, (stats.low_fraction, stats.high_fraction), function.quiet_label)
        self.plot.plot(x, y, pen=pg.mkPen(theme.accent, width=theme.line_px * 2), name=f"f(x) = {function.formula}")
        if self.gradient_box.isChecked():
            self.plot.plot(x, dy, pen=pg.mkPen(theme.window, width=theme.line_px * 1.5,
                                               style=pg.QtCore.Qt.PenStyle.DashLine), name="f'(x), the gradient")
        self.plot.setXRange(*span, padding=0)
        alpha = ""
        if layer.type == "prelu":
            alphas = prelu_alpha(layer)
            alpha = f", learned alpha = {alphas[0]:g}" + (f" (first of {len(alphas)})" if len(alphas) > 1 else "")
        self.title.setText(html.escape(f"{index + 1}  {function.name}: f(x) = {function.formula}{alpha}"))
        share = f"{stats.quiet_fraction * 100:.1f}%"
        detail = ""
        if function.quiet[0] is not None and function.quiet[1] is not None:
            detail = (f" ({stats.low_fraction * 100:.1f}% below {function.quiet[0]:g}, "
                      f"{stats.high_fraction * 100:.1f}% above {function.quiet[1]:g})")
        self.summary.setText(f"<b style='color:{theme.error}'>{share}</b> of this frame's {stats.count:,} units fall "
                             f"in the shaded region, {html.escape(function.quiet_label)}{detail}. Inputs range "
                             f"{stats.minimum:.3g} to {stats.maximum:.3g}.")

    def _draw_histogram(self, values: np.ndarray, function, span: tuple[float, float], height: float = 1.0):
        stats = activation_stats(values, function, bins=60, span=span)
        self.stats = stats
        heights = stats.counts / max(1, stats.counts.max()) * height  # scaled to the plot: the shape matters
        centres = (stats.edges[:-1] + stats.edges[1:]) / 2
        width = stats.edges[1] - stats.edges[0]
        colour = QtGui.QColor(self.theme.muted)
        colour.setAlpha(140)
        bars = pg.BarGraphItem(x=centres, height=heights, width=width * 0.95, brush=colour, pen=None)
        self.plot.addItem(bars)
        self.legend.addItem(bars, "this frame's x (histogram, scaled)")
        return stats

    def _shade(self, quiet: tuple[float | None, float | None], span: tuple[float, float], y: np.ndarray,
               fractions: tuple[float, float], label: str) -> None:
        """The saturated / dead regions, each with the share of this frame's units that fall in it."""
        colour = QtGui.QColor(self.theme.error)
        colour.setAlpha(45)
        low, high = quiet
        name = label.split(" (")[0]  # "saturated", "dead side", ...
        regions = ([(span[0], low, fractions[0])] if low is not None else []) \
            + ([(high, span[1], fractions[1])] if high is not None else [])
        font = QtGui.QFont()
        font.setPointSizeF(self.theme.title_pt)
        font.setBold(True)
        for start, end, fraction in regions:
            if end <= start:
                continue
            region = pg.LinearRegionItem((start, end), movable=False, brush=colour, pen=pg.mkPen(None))
            region.setZValue(-10)
            self.plot.addItem(region)
            text = pg.TextItem(f"{name}: {fraction * 100:.1f}%", color=self.theme.error, anchor=(0.5, 0))
            text.setFont(font)
            text.setPos((start + end) / 2, float(y.max() + y.min()) / 2)  # half way up: clear of the curve
            self.plot.addItem(text)

    def _draw_maxout(self, pre: np.ndarray, pieces: int) -> None:
        stats = maxout_stats(pre, pieces)
        theme = self.theme
        colours = [theme.accent, theme.window, theme.field, theme.error]
        channels = pre.shape[0]
        grouped = pre.reshape(channels // pieces, pieces, -1)
        low, high = float(pre.min()), float(pre.max())
        for piece in range(pieces):
            counts, edges = np.histogram(grouped[:, piece].ravel(), bins=60, range=(low, high or low + 1))
            colour = QtGui.QColor(colours[piece % len(colours)])
            colour.setAlpha(120)
            centres = (edges[:-1] + edges[1:]) / 2
            bars = pg.BarGraphItem(x=centres, height=counts / max(1, counts.max()), width=(edges[1] - edges[0]) * 0.9,
                                   brush=colour, pen=None)
            self.plot.addItem(bars)
            self.legend.addItem(bars, f"piece {piece + 1}: w{piece + 1}\u1d40x + b{piece + 1} (wins "
                                f"{stats.win_fraction[piece] * 100:.0f}%)")
        self.title.setText(f"maxout over {pieces} pieces: max(w1\u1d40x + b1, w2\u1d40x + b2"
                           + (", ..." if pieces > 2 else "") + ")")
        self.summary.setText("Each output unit is the largest of its pieces: linear where it wins, never "
                             "saturating, never dead; it needs the pieces' parameters (the conv before it has "
                             f"{pieces}x the filters). Winning shares: "
                             + ", ".join(f"piece {i + 1} {f * 100:.0f}%" for i, f in enumerate(stats.win_fraction)))

    def _selection_changed(self, selection: SelectionModel) -> None:
        if self.result is not None and selection.focus_layer != self.layer_box.current_layer():
            self.layer_box.choose(selection.focus_layer)
