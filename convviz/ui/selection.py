"""The one shared selection: which unit the user points at, which one is pinned, which layer is in focus.

Plain Python, no Qt (like napari's cursor model): every panel reads it and listens to ``changed``;
panels never talk to each other. Layer -1 is the input image; layer i is layer i's output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """One neuron: ``channel``, ``row``, ``col`` in the output of ``layer`` (-1: input pixel)."""

    layer: int
    channel: int
    row: int
    col: int


Listener = Callable[["SelectionModel"], None]


class SelectionModel:
    """Hover, pinned unit and focused layer; tells every listener after each change."""

    def __init__(self) -> None:
        self.hover: Unit | None = None
        self.pinned: Unit | None = None
        self.focus_layer: int = 0
        self._listeners: list[Listener] = []

    @property
    def active(self) -> Unit | None:
        """What the panels should show: the unit under the pointer, else the pinned one."""
        return self.hover if self.hover is not None else self.pinned

    def connect(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def disconnect(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self) -> None:
        for listener in list(self._listeners):
            listener(self)

    def set_hover(self, unit: Unit | None) -> None:
        if unit != self.hover:
            self.hover = unit
            self._emit()

    def pin(self, unit: Unit | None) -> None:
        """Click: pin a unit (clicking the pinned unit again unpins it)."""
        self.pinned = None if unit == self.pinned else unit
        self._emit()

    def set_focus_layer(self, layer: int) -> None:
        if layer != self.focus_layer:
            self.focus_layer = layer
            self._emit()

    def clear(self) -> None:
        """Forget units (e.g. after the network changed shape); keep the focused layer."""
        if self.hover is not None or self.pinned is not None:
            self.hover = self.pinned = None
            self._emit()
