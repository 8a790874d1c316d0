"""View > Colour range: how activation values become colours in the maps panels.

Per layer (the default: each layer's own range, from the frame's values), per map (each map its own
range: faint maps become visible, but the same colour means different numbers in two tiles; the
colour bar says so and shows a tile's own range while the pointer is over it), or fixed (+-1, or a
typed value: a colour means the same number in every panel). The choice is remembered in the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtGui, QtWidgets

from convviz.pipeline.display import ColourScale

if TYPE_CHECKING:
    from convviz.ui.main_window import MainWindow

SETTINGS_KEY = "colour_range"


def scale_from_settings(value: object) -> ColourScale:
    """The remembered choice; the default (per layer) for anything that is not a valid one."""
    if isinstance(value, dict):
        try:
            return ColourScale(str(value.get("mode", "layer")), float(value.get("fixed", 1.0)))
        except (TypeError, ValueError, OverflowError):  # OverflowError: float() of a 400-digit integer
            pass
    return ColourScale()


class ColourRangeControls:
    """The View menu's "Colour range" entries, wired to the pipeline and the settings."""

    def __init__(self, window: MainWindow):
        self.window = window
        menu = window.menus["view"].addMenu("Colour &range")
        self.menu = menu
        group = QtGui.QActionGroup(window)
        group.setExclusive(True)
        self.actions: dict[str, QtGui.QAction] = {}
        entries = (("layer", "Per &layer (each layer its own range)", lambda: self.set_scale(ColourScale("layer"))),
                   ("map", "Per &map (each map its own range)", lambda: self.set_scale(ColourScale("map"))),
                   ("fixed1", "&Fixed \u00b11 (the same in every panel)",
                    lambda: self.set_scale(ColourScale("fixed", 1.0))),
                   ("fixed", "Fixed \u00b1&value...", self.ask_fixed))
        for key, text, slot in entries:
            action = window.add_action(menu, text, slot)
            action.setCheckable(True)
            group.addAction(action)
            self.actions[key] = action
        self.scale = scale_from_settings(window.settings.get(SETTINGS_KEY))
        self._apply(self.scale)

    def set_scale(self, scale: ColourScale, remember: bool = True) -> None:
        """Colour the maps this way from now on (the frame on screen is painted again at once)."""
        self.scale = scale
        self._apply(scale)
        if remember:
            self.window.settings.set(SETTINGS_KEY, {"mode": scale.mode, "fixed": scale.fixed})
        self.window.show_message(f"colour range: {scale.describe()}")

    def ask_fixed(self) -> None:
        value, ok = QtWidgets.QInputDialog.getDouble(
            self.window, "Fixed colour range", "Colours span -v .. +v, v =", self.scale.fixed, 1e-6, 1e9, 4)
        if ok:
            self.set_scale(ColourScale("fixed", value))
        else:
            self._check(self.scale)  # the menu keeps showing what is in use

    def _apply(self, scale: ColourScale) -> None:
        self.window.bridge.pipeline.set_colour_scale(scale)
        self._check(scale)

    def _check(self, scale: ColourScale) -> None:
        key = "fixed1" if scale.mode == "fixed" and scale.fixed == 1.0 else scale.mode
        self.actions[key].setChecked(True)
        self.actions["fixed"].setText(f"Fixed \u00b1&value ({scale.fixed:g})..." if key == "fixed"
                                      else "Fixed \u00b1&value...")
