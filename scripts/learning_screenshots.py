"""Render the README's screenshots of learning and looking inside: training in the window, a trained
unit's top patches and the picture it wants, Grad-CAM on the input (the real window, offscreen).

    .venv/bin/python scripts/learning_screenshots.py [--out docs/screenshots] [--size 1920x1080] [--present]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait(condition, timeout_s: float = 120.0) -> None:
    from PySide6 import QtCore

    loop = QtCore.QEventLoop()
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: loop.quit() if condition() else None)
    timer.start(50)
    QtCore.QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--present", action="store_true", help="presenter mode (projector theme, big fonts)")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    from PySide6 import QtWidgets

    from convviz.core.presets import load_preset
    from convviz.export.frames import render_widget
    from convviz.model.selection import Unit
    from convviz.ui.app import settle, window_with_first_frame

    QtWidgets.QMessageBox.question = lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Ok
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-present" if args.present else ""

    def shoot(window, name: str) -> None:
        settle()
        path = args.out / f"{name}{suffix}.png"
        render_widget(window, 1.0).save(str(path))
        print(f"saved {path}")

    window = window_with_first_frame(load_preset("typical_convnet"), None, "dark", size)
    if args.present:
        window.presenter.enter()
    window.training_dock.show()
    panel = window.training
    panel.data.setCurrentIndex(panel.data.findData("shapes"))
    panel.train_button.click()
    wait(lambda: panel.run is not None and panel.run.latest is not None and panel.run.latest.step >= 360)
    shoot(window, "training-shapes")
    panel.stop()
    wait(lambda: panel.run is None)
    window.document.history.mark_saved()
    window.close()

    for preset, layer, channel in (("typical_shapes", 5, 7), ("bars_edges", 3, 2)):
        window = window_with_first_frame(load_preset(preset), None, "dark", size)
        if args.present:
            window.presenter.enter()
        window.show_layout("unit")
        view = window.unit_view
        view.data_box.setCurrentIndex(view.data_box.findData("shapes" if "shapes" in preset else "bars"))
        window.selection.pin(Unit(layer, channel, 0, 0))
        view.scan()
        wait(lambda v=view: v.scan_job is None and bool(v.found))
        view.climb()
        wait(lambda v=view: not v._climbing)
        view.cam_box.setChecked(True)
        window.document.request_source(window.document.source)
        wait(lambda w=window: w.input_panel.heat.isVisible(), 30)
        shoot(window, f"unit-{preset}")
        window.document.history.mark_saved()
        window.close()


if __name__ == "__main__":
    main()
