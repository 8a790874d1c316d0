"""One table of keys for the whole app: the help overlay (?) is generated from it, so it cannot lie.

Features register the commands they provide (``CommandRegistry.register("play", slot)``); a key whose
command is not registered (a feature that is not there) is simply not bound and not listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets


@dataclass(frozen=True)
class KeyBinding:
    """``command`` runs on any of ``keys`` (QKeySequence strings); ``text`` is what the help says."""

    command: str
    keys: tuple[str, ...]
    text: str
    group: str = "Lecture"


KEYMAP: tuple[KeyBinding, ...] = (
    KeyBinding("play", ("Space",), "play / pause the sliding window", "Animation"),
    KeyBinding("step_back", ("Left",), "one step back", "Animation"),
    KeyBinding("step_forward", ("Right",), "one step forward", "Animation"),
    KeyBinding("first_step", ("Home",), "first step", "Animation"),
    KeyBinding("last_step", ("End",), "last step", "Animation"),
    KeyBinding("freeze", ("F",), "freeze / unfreeze the live picture", "Input"),
    *(KeyBinding(f"layer_{n}", (str(n),), "layer 1-9 in focus (webcam classes open: capture into class 1-9)"
                 if n == 1 else "", "Layers") for n in range(1, 10)),
    KeyBinding("layout_network", ("F2",), "layout: whole network", "Layouts"),
    KeyBinding("layout_convolution", ("F3",), "layout: convolution", "Layouts"),
    KeyBinding("layout_pooling", ("F4",), "layout: pooling", "Layouts"),
    KeyBinding("layout_activation", ("F5",), "layout: activation function", "Layouts"),
    KeyBinding("layout_unit", ("F6",), "layout: what a unit looks for", "Layouts"),
    KeyBinding("save_frame", ("S",), "save the frame as PNG", "Slides"),
    KeyBinding("record", ("R",), "record / stop a clip", "Slides"),
    KeyBinding("presenter", ("F11",), "presenter mode on / off", "View"),
    KeyBinding("theme", ("T",), "light / dark projector theme", "View"),
    KeyBinding("editor", ("E",), "show / hide the network editor", "View"),
    KeyBinding("training", ("L",), "show / hide the training dock (learn)", "View"),
    KeyBinding("help", ("?", "F1"), "this help", "View"),
    KeyBinding("leave", ("Esc",), "close the help / leave presenter mode", "View"),
)


class CommandRegistry:
    """Named commands, bound to the keys of KEYMAP as window-wide QActions."""

    def __init__(self, window: QtWidgets.QWidget):
        self.window = window
        self.commands: dict[str, Callable[[], object]] = {}
        self.actions: dict[str, QtGui.QAction] = {}

    def register(self, command: str, slot: Callable[[], object]) -> None:
        self.commands[command] = slot
        binding = next((b for b in KEYMAP if b.command == command), None)
        if binding is None:
            raise KeyError(f"{command!r} is not in KEYMAP")
        action = QtGui.QAction(binding.text or command, self.window)
        action.setShortcuts([QtGui.QKeySequence(key) for key in binding.keys])
        # window-wide: works with the menu bar hidden (presenter mode) and whatever panel has focus
        action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda checked=False: slot())
        self.window.addAction(action)
        self.actions[command] = action

    def bindings(self) -> list[KeyBinding]:
        """The bindings that do something in this window, in table order."""
        return [b for b in KEYMAP if b.command in self.commands]
