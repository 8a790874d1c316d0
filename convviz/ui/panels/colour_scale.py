"""One colour means one value: the colour scales of the mechanics views, and the strip that shows one.

A value must look the same wherever it appears: 0.35 in the R slice and in the B slice, the pooling
winner in the input and in the output. So the views colour everything of one kind (the layer's
input and the window's numbers, the weights, the products, the output) on one scale, chosen by the
lecturer:

- ``layer``: one scale for the whole layer (every map of the input, every filter's weights, every
  output map): maps can be compared with each other;
- ``map``: one scale per map (the shown input map and its slice of the window, the chosen filter,
  the chosen output map): a quiet map still shows its pattern;
- ``fixed``: the same +-value for everything, as the lecturer set it.

Zero is always the colour map's middle, and every scale is drawn next to what it colours
(``ScaleStrip``), with its ends written out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.pipeline.display import nice_ceiling, robust_range
from convviz.ui.panels.numbers import number_text
from convviz.ui.theme import Theme

SCALE_MODES = {"layer": "scale: per layer", "map": "scale: per map", "fixed": "scale: fixed"}


@dataclass(frozen=True)
class ScaleChoice:
    """How the views colour numbers: ``mode`` is one of SCALE_MODES; ``fixed`` the half-range for
    'fixed' (values -fixed..fixed)."""

    mode: str = "layer"
    fixed: float = 1.0


def half_range(values: np.ndarray, choice: ScaleChoice) -> float:
    """The scale's half-width for ``values`` (any shape): fixed, or the robust largest magnitude
    rounded up to a value a class can read (1, 1.25, 1.5, 2, 2.5, ...)."""
    if choice.mode == "fixed":
        return float(choice.fixed)
    values = np.asarray(values)
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if finite.size == 0:
        return 1.0
    return nice_ceiling(robust_range(finite, float(finite.min()), float(finite.max())))


def map_or_layer(whole: np.ndarray, one: np.ndarray, choice: ScaleChoice) -> float:
    """The half-range for ``one`` map of ``whole`` (all maps of the layer): the layer's, the map's
    own or the fixed one."""
    return half_range(whole if choice.mode == "layer" else one, choice)


class ScaleStrip(QtWidgets.QWidget):
    """A horizontal colour ramp from -m to +m with its ends (and zero) written under it: the scale of
    the grid it sits beside. ``elided()`` is False when every label fits (tests ask)."""

    def __init__(self, theme: Theme, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.half = 1.0
        self._lut = theme.lut()
        font = self.font()
        font.setPointSizeF(theme.text_pt)
        self.setFont(font)
        self.setStyleSheet(f"font-size: {theme.text_pt:.2f}pt;")  # the window's style sheet would win
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setToolTip("the colour scale: this colour means this value, here and in the other grids on it")

    def set_range(self, half: float) -> None:
        if half != self.half:
            self.half = half
            self.updateGeometry()
            self.update()

    def labels(self) -> tuple[str, str, str]:
        return (number_text(-self.half), "0", number_text(self.half))

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt name)
        metrics = QtGui.QFontMetrics(self.font())
        low, zero, high = self.labels()
        ramp = max(metrics.height() * 3, 2.2 * max(metrics.horizontalAdvance(low), metrics.horizontalAdvance(high)))
        width = ramp + metrics.horizontalAdvance(low) // 2 + metrics.horizontalAdvance(high) // 2 + 8
        return QtCore.QSize(int(width), int(metrics.height() * 1.75))

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt name)
        return self.sizeHint()

    def elided(self) -> bool:
        """Whether a label would not fit the strip as it is now."""
        hint = self.sizeHint()
        return self.width() < hint.width() - 1 or self.height() < hint.height() - 1

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QtGui.QPainter(self)
        metrics = QtGui.QFontMetrics(self.font())
        low, zero, high = self.labels()
        inset = max(metrics.horizontalAdvance(low), metrics.horizontalAdvance(high)) // 2 + 2
        bar_h = max(6, int(metrics.height() * 0.7))
        ramp = QtCore.QRect(inset, 1, max(1, self.width() - 2 * inset), bar_h)
        gradient = QtGui.QLinearGradient(ramp.left(), 0, ramp.right(), 0)
        for k in range(0, 256, 15):
            r, g, b, _ = (int(v) for v in self._lut[k])
            gradient.setColorAt(k / 255.0, QtGui.QColor(r, g, b))
        r, g, b, _ = (int(v) for v in self._lut[255])
        gradient.setColorAt(1.0, QtGui.QColor(r, g, b))
        painter.fillRect(ramp, gradient)
        painter.setPen(QtGui.QPen(QtGui.QColor(self.theme.muted), 1))
        painter.drawRect(ramp.adjusted(0, 0, -1, -1))
        painter.setPen(QtGui.QColor(self.theme.foreground))
        baseline = ramp.bottom() + 2
        text_rect = QtCore.QRect(0, baseline, self.width(), self.height() - baseline)
        for text, x in ((low, ramp.left()), (zero, ramp.center().x()), (high, ramp.right())):
            width = metrics.horizontalAdvance(text)
            painter.drawText(QtCore.QRect(x - width // 2 - 1, text_rect.top(), width + 2, text_rect.height()),
                             QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignTop, text)
        painter.end()


__all__ = ["SCALE_MODES", "ScaleChoice", "ScaleStrip", "half_range", "map_or_layer"]
