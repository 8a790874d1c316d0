"""The window fixture the UI tests share: windows made on a preset, torn down without questions."""

from __future__ import annotations

import pytest

from convviz.core.presets import load_preset
from convviz.ui.main_window import MainWindow


@pytest.fixture
def make_window(qtbot):
    """``make_window(preset, source=None, size=None, show=True, wait=False, **kwargs)``: a MainWindow on
    ``preset``; ``wait`` until its first frame is shown. Afterwards each is marked saved (no "Save
    changes?"), its writing cancelled, closed and its pipeline stopped."""
    made: list[MainWindow] = []

    def make(preset: str = "slide51_ten_5x5", source=None, size: tuple[int, int] | None = None,
             show: bool = True, wait: bool = False, **kwargs) -> MainWindow:
        win = MainWindow(load_preset(preset), source, device="cpu", **kwargs)
        if size is not None:
            win.resize(*size)
        if show:
            win.show()
        made.append(win)
        if wait:
            qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
        return win

    yield make
    for win in made:
        win.document.history.mark_saved()
        win.exports.cancel_writing()
        win.close()
        win.bridge.stop()
