"""Guard against PySide6 6.12.0 on Python 3.11: every Python-side signal emit dropped a reference to
True, and pyqtgraph emits on every repaint, so the app aborted with 'bool_dealloc' after ~1000 frames.
If this fails, pin PySide6-Essentials below the broken release (see DEVELOPERS.md)."""

from __future__ import annotations

import sys

from PySide6 import QtCore


class Emitter(QtCore.QObject):
    fired = QtCore.Signal(bool)


def test_signal_emits_do_not_leak_references_to_true(qapp):
    emitter = Emitter()
    received = []
    emitter.fired.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(100):
        emitter.fired.emit(True)
    after = sys.getrefcount(True)
    assert len(received) == 100
    # 100 emits stored 100 Trues in `received`; a broken binding would also *lose* references
    assert after >= before, f"sys.getrefcount(True) fell from {before} to {after} over 100 emits"
