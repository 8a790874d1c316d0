"""Render the README's screenshots of the mechanics views and of presenter mode (the real window,
offscreen).

    .venv/bin/python scripts/mechanics_screenshots.py [--out docs/screenshots] [--only NAME ...]

One PNG per lecture example: 7x7 input / 3x3 filter / stride 2, 32x32x3 with ten 5x5 filters and
pad 2, the stride-3 misfit, 2x2 max pooling, ReLU's dead side, a unit's receptive field lit in every
layer; and presenter mode as the back row sees it at 1920x1080: slide 51's dot product (dark), the
typical network (light), ELU's smooth negative side (dark), the 7x7 stride-2 example (light) and the
key help. Look at each one, at full size, after a change to the views.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from convviz.core.presets import load_preset  # noqa: E402
from convviz.model.selection import Unit  # noqa: E402
from convviz.ui.app import save_window_grab, settle, window_with_first_frame  # noqa: E402


@dataclass(frozen=True)
class Shot:
    """One screenshot: the preset, the layout, what to do once the first frame is shown, and how."""

    name: str
    preset: str
    layout: str
    action: Callable[[object], object]
    theme: str = "dark"
    size: tuple[int, int] = (1600, 1000)
    presenter: bool = False


def _activation(layer: int) -> Callable[[object], object]:
    def choose(window) -> None:
        window.activation_view.layer_box.choose(layer)
        window.activation_view.gradient_box.setChecked(True)
    return choose


PROJECTOR = (1920, 1080)
SHOTS = (
    Shot("convolution-7x7-stride2.png", "toy_7x7_stride2", "convolution", lambda w: w.conv_view.playback.go(4)),
    Shot("convolution-32x32x3-pad2.png", "slide51_ten_5x5", "convolution",
         lambda w: w.conv_view.playback.go(200)),
    Shot("convolution-stride3-does-not-fit.png", "toy_7x7_stride3", "convolution",
         lambda w: w.conv_view.playback.go(1)),
    Shot("max-pool-2x2.png", "max_pool_2x2", "pooling", lambda w: w.pool_view.playback.go(5)),
    Shot("activation-relu.png", "activation_functions", "activation", _activation(8)),  # conv, batch norm, ReLU
    Shot("linked-receptive-field.png", "typical_convnet", "network",
         lambda w: w.selection.set_hover(Unit(4, 3, 7, 9))),
    # presenter mode, as the back row sees it
    Shot("presenter-dark-convolution.png", "slide51_ten_5x5", "convolution", lambda w: w.conv_view.playback.go(200),
         "dark", PROJECTOR, True),
    Shot("presenter-light-network.png", "typical_convnet", "network",
         lambda w: w.selection.set_hover(Unit(4, 3, 7, 9)), "light", PROJECTOR, True),
    Shot("presenter-dark-activation-elu.png", "activation_functions", "activation", _activation(17), "dark",
         PROJECTOR, True),
    Shot("presenter-light-convolution-7x7.png", "toy_7x7_stride2", "convolution",
         lambda w: w.conv_view.playback.go(4), "light", PROJECTOR, True),
    Shot("presenter-help.png", "slide51_ten_5x5", "convolution", lambda w: w.help_overlay.toggle(), "dark",
         PROJECTOR, True),
)


def next_frame(window, timeout_ms: int = 5000) -> None:
    """Wait for the pipeline's next frame (the maps arranged for the panels' new size)."""
    from PySide6 import QtCore

    loop = QtCore.QEventLoop()
    window.frameShown.connect(lambda sequence: loop.quit())
    QtCore.QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def render(shot: Shot, folder: Path) -> Path:
    window = window_with_first_frame(load_preset(shot.preset), None, shot.theme, shot.size)
    if shot.presenter:
        window.presenter.enter(full_screen=False)  # the projector's size, not the offscreen 800x800 screen
        window.resize(*shot.size)
        settle()
        window.presenter.follow_size()
        next_frame(window)  # the projector theme's colours and the wider panels' mosaics
    window.show_layout(shot.layout)
    settle()
    shot.action(window)
    settle()
    path = folder / shot.name
    save_window_grab(window, path)
    window.document.history.mark_saved()
    window.bridge.stop()
    window.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--only", nargs="*", help="file names to render (default: all)")
    args = parser.parse_args()
    for shot in SHOTS:
        if args.only and shot.name not in args.only:
            continue
        print(f"saved {render(shot, args.out)}")


if __name__ == "__main__":
    main()
