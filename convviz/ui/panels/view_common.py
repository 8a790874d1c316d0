"""Pieces the mechanics views share: a layer chooser that follows the focused layer, big labels."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6 import QtCore, QtWidgets
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
        self.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
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
    """A label sized for the back row."""
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.TextFormat.RichText)
    font = label.font()
    font.setPointSizeF(theme.title_pt * scale)
    font.setBold(bold)
    label.setFont(font)
    label.setStyleSheet(f"color: {colour or theme.foreground};")
    label.setMinimumWidth(40)
    return label
