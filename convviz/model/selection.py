"""The one shared selection: which unit the user points at, which one is pinned, which layer is in focus.

Plain Python, no Qt (like napari's cursor model): every panel reads it and listens to its events
(``events.unit``: the hovered or pinned unit changed; ``events.focus``: another layer is in focus);
panels never talk to each other. Layer -1 is the input image; layer i is layer i's output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from convviz.model.events import Events


@dataclass(frozen=True)
class Unit:
    """One neuron: ``channel``, ``row``, ``col`` in the output of ``layer`` (-1: input pixel)."""

    layer: int
    channel: int
    row: int
    col: int


class SelectionModel:
    """Hover, pinned unit and focused layer. ``events.unit`` and ``events.focus`` carry the model."""

    def __init__(self) -> None:
        self.hover: Unit | None = None
        self.pinned: Unit | None = None
        self.focus_layer: int = 0
        self.events = Events("unit", "focus")

    @property
    def active(self) -> Unit | None:
        """What the panels should show: the unit under the pointer, else the pinned one."""
        return self.hover if self.hover is not None else self.pinned

    def listen(self, listener: Callable[[SelectionModel], object]) -> None:
        """Both events to one listener (most panels redraw the same way for either)."""
        self.events.unit.connect(listener)
        self.events.focus.connect(listener)

    def forget(self, listener: Callable[[SelectionModel], object]) -> None:
        self.events.unit.disconnect(listener)
        self.events.focus.disconnect(listener)

    def set_hover(self, unit: Unit | None) -> None:
        if unit != self.hover:
            self.hover = unit
            self.events.unit.emit(self)

    def pin(self, unit: Unit | None) -> None:
        """Click: pin a unit (clicking the pinned unit again unpins it)."""
        self.pinned = None if unit == self.pinned else unit
        self.events.unit.emit(self)

    def set_focus_layer(self, layer: int) -> None:
        if layer != self.focus_layer:
            self.focus_layer = layer
            self.events.focus.emit(self)

    def clear(self) -> None:
        """Forget units (e.g. after the network changed shape); keep the focused layer."""
        if self.hover is not None or self.pinned is not None:
            self.hover = self.pinned = None
            self.events.unit.emit(self)
