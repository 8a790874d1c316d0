"""What a lecturer points at while a network learns: the loss and accuracy curves (training batches and
the held-out pictures), and the first layer's filters as pictures, changing as they learn."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.training.trainer import Progress
from convviz.ui.panels.view_common import style_label
from convviz.ui.theme import Theme


def _plot(theme: Theme, title: str, unit: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background=theme.panel)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.2)
    _style(plot, theme, title, unit)
    return plot


def _style(plot: pg.PlotWidget, theme: Theme, title: str, unit: str) -> None:
    """Colours and sizes of a plot for ``theme``: its numbers and labels at the theme's figure text size
    (20-pixel digits on a projector), the title at the title size."""
    plot.setBackground(theme.panel)
    font = QtGui.QFont()
    font.setPointSizeF(theme.text_pt)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTextPen(theme.foreground)
        axis.setStyle(tickFont=font)
    plot.setTitle(title, color=theme.foreground, size=f"{theme.title_pt:.0f}pt")
    size = {"font-size": f"{theme.text_pt:.0f}pt"}
    plot.setLabel("bottom", "step", color=theme.muted, **size)
    plot.setLabel("left", unit, color=theme.muted, **size)


class Curves(QtWidgets.QWidget):
    """Loss and accuracy against the step, for the training batches and the held-out pictures."""

    def __init__(self, theme: Theme, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # one key for both plots, above them: a legend inside a plot covered its curves on a projector
        self.key = QtWidgets.QLabel()
        self.key.setTextFormat(QtCore.Qt.TextFormat.RichText)
        outer.addWidget(self.key)
        box = QtWidgets.QHBoxLayout()
        outer.addLayout(box, 1)
        self.loss = _plot(theme, "loss", "cross entropy")
        self.accuracy = _plot(theme, "accuracy", "%")
        self.accuracy.setYRange(0, 100, padding=0.02)
        self.train_loss = self.loss.plot([], [])
        self.held_loss = self.loss.plot([], [], symbol="o")
        self.train_accuracy = self.accuracy.plot([], [])
        self.held_accuracy = self.accuracy.plot([], [], symbol="o")
        self._pens(theme)
        box.addWidget(self.loss)
        box.addWidget(self.accuracy)
        self.clear()

    def _pens(self, theme: Theme) -> None:
        self.key.setText(f"<span style='color:{theme.accent}'>\u2501\u2501 training batches</span>&nbsp;&nbsp;&nbsp;"
                         f"<span style='color:{theme.field}'>\u2501\u25cf\u2501 held-out pictures</span>")
        style_label(self.key, theme.foreground, theme.text_pt)
        width = theme.line_px
        held = pg.mkPen(theme.field, width=width * 1.5)
        for train, held_out in ((self.train_loss, self.held_loss), (self.train_accuracy, self.held_accuracy)):
            train.setPen(pg.mkPen(theme.accent, width=width))
            held_out.setPen(held)
            held_out.setSymbolBrush(theme.field)
            held_out.setSymbolSize(max(5, 2.5 * width))

    def set_theme(self, theme: Theme) -> None:
        """Presenter mode or T: the same curves in the new colours and sizes."""
        self.theme = theme
        _style(self.loss, theme, "loss", "cross entropy")
        _style(self.accuracy, theme, "accuracy", "%")
        self._pens(theme)

    def clear(self) -> None:
        self.steps: list[int] = []
        self.values: dict[str, list[float]] = {"train_loss": [], "train_accuracy": []}
        self.held: dict[str, list[tuple[int, float]]] = {"loss": [], "accuracy": []}
        for curve in (self.train_loss, self.held_loss, self.train_accuracy, self.held_accuracy):
            curve.setData([], [])

    def add(self, progress: Progress) -> None:
        """Remember one step (drawn by ``draw``, a few times a second)."""
        self.steps.append(progress.step)
        self.values["train_loss"].append(progress.train_loss)
        self.values["train_accuracy"].append(progress.train_accuracy * 100)
        if progress.held_out_loss is not None and (not self.held["loss"] or
                                                   self.held["loss"][-1][1] != progress.held_out_loss):
            self.held["loss"].append((progress.step, progress.held_out_loss))
            self.held["accuracy"].append((progress.step, (progress.held_out_accuracy or 0.0) * 100))

    def draw(self) -> None:
        steps = np.asarray(self.steps)
        self.train_loss.setData(steps, np.asarray(self.values["train_loss"]))
        self.train_accuracy.setData(steps, np.asarray(self.values["train_accuracy"]))
        for curve, key in ((self.held_loss, "loss"), (self.held_accuracy, "accuracy")):
            points = np.asarray(self.held[key]).reshape(-1, 2)
            curve.setData(points[:, 0], points[:, 1])


class FilterGrid(pg.GraphicsLayoutWidget):
    """A conv layer's filters as small pictures: colour when they read a colour picture (each filter's
    R, G, B weights, grey at 0), grey otherwise; one mosaic, redrawn when the weights change."""

    def __init__(self, theme: Theme, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent=parent)
        self.theme = theme
        self.setBackground(theme.panel)
        self.view = self.addViewBox()
        self.view.setAspectLocked(True)
        self.view.invertY(True)
        self.view.setMouseEnabled(False, False)
        self.view.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.view.addItem(self.image)
        self.mosaic: np.ndarray | None = None
        self.setMinimumHeight(120)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackground(theme.panel)

    def show_weights(self, weight: np.ndarray) -> None:
        """``weight`` (filters, in_channels, kh, kw): each filter scaled by its own largest |value|."""
        self.mosaic = filter_mosaic(weight)
        self.image.setImage(self.mosaic, autoLevels=False, levels=(0, 255))
        self.view.autoRange(padding=0.02)


def filter_mosaic(weight: np.ndarray, scale: int = 6, columns: int | None = None) -> np.ndarray:
    """(rows*cell, cols*cell, 3) uint8 picture of conv filters: zero is mid grey; RGB for 3 input
    channels, the channel mean otherwise; each filter stretched to its own largest |weight|."""
    weight = np.asarray(weight, dtype=np.float32)
    count, channels, height, width = weight.shape
    columns = columns or max(1, int(np.ceil(np.sqrt(count * 1.6))))
    rows = int(np.ceil(count / columns))
    cell_h, cell_w = height * scale, width * scale
    gap = max(2, scale // 2)
    mosaic = np.full((rows * (cell_h + gap) - gap, columns * (cell_w + gap) - gap, 3), 40, np.uint8)
    for k in range(count):
        kernel = weight[k].transpose(1, 2, 0) if channels == 3 else weight[k].mean(axis=0)[:, :, None].repeat(3, 2)
        peak = float(np.abs(kernel).max()) or 1.0
        picture = np.clip(127.5 + kernel / peak * 127.5, 0, 255).astype(np.uint8)
        picture = np.repeat(np.repeat(picture, scale, axis=0), scale, axis=1)
        row, col = divmod(k, columns)
        top, left = row * (cell_h + gap), col * (cell_w + gap)
        mosaic[top:top + cell_h, left:left + cell_w] = picture
    return mosaic


__all__ = ["Curves", "FilterGrid", "filter_mosaic"]
