"""Starting the Qt application: the window, and the --snapshot mode that saves a grab and exits."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from convviz.core.errors import ConvvizError
from convviz.core.spec import NetworkSpec
from convviz.sources.base import FrameSource
from convviz.ui.theme import THEMES

SNAPSHOT_TIMEOUT_MS = 120_000


def application() -> QtWidgets.QApplication:
    """The QApplication (created once), with a font size readable on a projector."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1])
        app.setApplicationName("convviz")
        app.setOrganizationName("convviz")
    return app  # type: ignore[return-value]


def save_window_grab(window: QtWidgets.QWidget, path: Path) -> None:
    """Render the window into a PNG (works offscreen: Qt paints the widgets into the pixmap).

    Written beside ``path``, decoded again and then renamed over it: a full disk or an unwritable
    folder raises WriteError with the reason and leaves an existing ``path`` as it was.
    """
    from convviz.core.atomic import WriteError, reason
    from convviz.export.frames import save_image

    image = window.grab().toImage()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(f"cannot save {path.name}: {reason(error)}") from None
    save_image(image, path)


def window_with_first_frame(spec: NetworkSpec, source: FrameSource | None = None, theme_name: str = "dark",
                            size: tuple[int, int] = (1600, 1000), timeout_ms: int = SNAPSHOT_TIMEOUT_MS):
    """A shown window (offscreen when headless) that has drawn its first frame, for headless
    rendering and scripts; ``window.result`` is None if no frame came within the timeout."""
    from convviz.ui.main_window import MainWindow

    application()
    window = MainWindow(spec, source, device="auto", theme=THEMES[theme_name])
    window.resize(*size)
    window.show()
    loop = QtCore.QEventLoop()
    window.frameShown.connect(lambda sequence: loop.quit())
    QtCore.QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return window


def settle() -> None:
    """Let Qt lay out and paint what changed (after switching a view or a step), before a grab."""
    for _ in range(5):
        QtWidgets.QApplication.processEvents()


def run_window(spec: NetworkSpec, source: FrameSource | None = None, device: str = "auto",
               theme_name: str = "dark", size: tuple[int, int] = (1600, 1000), snapshot: Path | None = None,
               network_path: Path | None = None, present: bool = False, stats_frames: int | None = None,
               restore: bool = False, preset: str | None = None, messages: tuple[str, ...] = ()) -> int:
    """Open the window; ``messages`` (e.g. "random weights: ...", a remembered file that is gone) are
    shown in its status bar once it is up."""
    from convviz.ui.main_window import MainWindow

    app = application()
    window = MainWindow(spec, source, device=device, theme=THEMES[theme_name], network_path=network_path,
                        preset=preset)
    if messages:
        window.show_message("; ".join(messages), 20000)
    window.resize(*size)
    if restore:
        window.restore_arrangement()
        window.persist = True
    window.show()
    if present:  # a snapshot keeps the size asked for (offscreen, "full screen" is the platform's 800x800)
        window.presenter.enter(full_screen=snapshot is None)
    if stats_frames is not None:
        from convviz.ui.stats import StatsRun

        run = StatsRun(window, stats_frames)
        app.exec()
        return 0 if run.summary is not None else 1
    if snapshot is None:
        return app.exec()

    status = {"code": 1}
    # presenter mode arranges itself for the projector theme once the first frame is shown (the maps'
    # mosaics follow the wider panels with the next frame): shoot the frame after that one
    waiting = {"frames": 2 if present else 1}

    def shoot(sequence: int) -> None:
        waiting["frames"] -= 1
        if waiting["frames"] > 0:
            QtCore.QTimer.singleShot(3000, lambda: shoot(-1) if waiting["frames"] > 0 else None)
            return
        if waiting["frames"] < 0:
            return
        window.frameShown.disconnect(shoot)
        QtWidgets.QApplication.processEvents()
        try:
            save_window_grab(window, snapshot)
            print(f"convviz: saved {snapshot}")
            status["code"] = 0
        except (OSError, ConvvizError) as error:
            print(f"convviz: {error}", file=sys.stderr)
            status["code"] = 2
        window.close()
        app.quit()

    def too_slow() -> None:
        print("convviz: no frame was drawn in time; no snapshot saved", file=sys.stderr)
        window.close()
        app.quit()

    window.frameShown.connect(shoot)
    QtCore.QTimer.singleShot(SNAPSHOT_TIMEOUT_MS, too_slow)
    app.exec()
    return status["code"]


__all__ = ["application", "run_window", "save_window_grab"]
