"""Pieces the mechanics views share: a layer chooser that follows the focused layer, big labels."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.core.geometry import LayerGeometry
from convviz.core.spec import NetworkSpec
from convviz.core.summary import describe_layer
from convviz.ui.theme import Theme


class LayerChooser(QtWidgets.QComboBox):
    """The layers a view can show (e.g. every conv layer), by index; ``layerChosen(index)``."""

    layerChosen = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        # a fixed width whatever the layers' names (the full name is in the list): a long name must not
        # widen the view past the window (the docks would shrink under a recording)
        self.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(14)  # "12  conv 64 fil...": the number and the kind whole
        self.currentIndexChanged.connect(self._changed)
        self._indices: list[int] = []

    def fill(self, spec: NetworkSpec, layers: Iterable[LayerGeometry], extra: str = "") -> None:
        """List ``layers``; keep the current choice if it is still there."""
        current = self.current_layer()
        with signals_blocked(self):
            self.clear()
            self._indices = []
            for layer in layers:
                note = f"  ({extra})" if extra and layer.misfit else ""
                self.addItem(f"{layer.index + 1}  {describe_layer(spec.layers[layer.index])}{note}", layer.index)
                self._indices.append(layer.index)
            if current in self._indices:
                self.setCurrentIndex(self._indices.index(current))

    def current_layer(self) -> int | None:
        data = self.currentData()
        return int(data) if data is not None else None

    def choose(self, index: int) -> bool:
        if index in self._indices:
            self.setCurrentIndex(self._indices.index(index))
            return True
        return False

    def _changed(self, row: int) -> None:
        layer = self.current_layer()
        if layer is not None:
            self.layerChosen.emit(layer)


def big_label(theme: Theme, text: str = "", scale: float = 1.0, bold: bool = False,
              colour: str | None = None) -> QtWidgets.QLabel:
    """A label sized for the back row: ``scale`` times the title size, never below the theme's
    smallest figure text (on a projector every number it carries has 20-pixel digits)."""
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.TextFormat.RichText)
    style_label(label, colour or theme.foreground, max(theme.title_pt * scale, theme.text_pt), bold)
    label.setMinimumWidth(40)
    return label


def style_label(label: QtWidgets.QLabel, colour: str, size_pt: float | None = None,
                bold: bool | None = None) -> None:
    """A label's colour, size and weight in its own style sheet (remembered, so a new colour keeps
    the size). The window's style sheet gives every widget the controls' size, and a style sheet
    beats ``setFont``: a title set with ``setFont`` alone is drawn at the controls' size."""
    size_pt = float(label.property("figure_pt") or 0) if size_pt is None else size_pt
    bold = bool(label.property("figure_bold")) if bold is None else bold
    label.setProperty("figure_pt", size_pt)
    label.setProperty("figure_bold", bold)
    font = label.font()
    if size_pt:
        font.setPointSizeF(size_pt)
    font.setBold(bold)
    label.setFont(font)
    size = f" font-size: {size_pt:.2f}pt;" if size_pt else ""
    sheet = f"color: {colour};{size} font-weight: {'bold' if bold else 'normal'};"
    if sheet != label.styleSheet():  # a new style sheet polishes the label again: only when it changes
        label.setStyleSheet(sheet)


def text_overflows(label: QtWidgets.QLabel) -> bool:
    """Whether ``label``'s text does not fit its box as laid out now (cut at the right or the bottom):
    what a reader at the back would see as a clipped title. Rich and plain text, wrapped or not."""
    if not label.isVisible() or not label.text():
        return False
    box = label.contentsRect()
    indent = label.margin() * 2
    document = QtGui.QTextDocument()
    document.setDocumentMargin(0)
    document.setDefaultFont(label.font())
    rich = label.textFormat() == QtCore.Qt.TextFormat.RichText or (
        label.textFormat() == QtCore.Qt.TextFormat.AutoText and QtCore.Qt.mightBeRichText(label.text()))
    if rich:
        document.setHtml(label.text())
    else:
        document.setPlainText(label.text())
    if label.wordWrap():
        document.setTextWidth(max(1, box.width() - indent))
        too_wide = document.idealWidth() > box.width() - indent + 1
    else:
        too_wide = document.idealWidth() > box.width() - indent + 1
    too_tall = document.size().height() > box.height() - indent + 1
    return too_wide or too_tall


def controls_row(layout: QtWidgets.QLayout) -> QtWidgets.QWidget:
    """The row of a view's boxes as one widget that never sets the window's minimum width: its boxes
    grow with what they hold (a layer's name, 'filter 10 of 10'), and a view whose minimum grows
    while it loads pushes the docks about (a recording's frames would change size)."""
    row = QtWidgets.QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    row.setLayout(layout)
    row.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
    row.setMinimumWidth(200)
    return row
