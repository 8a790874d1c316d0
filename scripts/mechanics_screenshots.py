"""Render the README's screenshots of the mechanics views (the real window, offscreen).

    .venv/bin/python scripts/mechanics_screenshots.py [--out docs/screenshots]

One PNG per lecture example: 7x7 input / 3x3 filter / stride 2, 32x32x3 with ten 5x5 filters and
pad 2, the stride-3 misfit, 2x2 max pooling, ReLU's dead side, and a unit's receptive field lit in
every layer. Look at each one after a change to the views.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from convviz.core.presets import load_preset  # noqa: E402
from convviz.model.selection import Unit  # noqa: E402
from convviz.ui.app import save_window_grab, settle, window_with_first_frame  # noqa: E402

SHOTS = (
    # file, preset, layout, what to do once the first frame is shown
    ("convolution-7x7-stride2.png", "toy_7x7_stride2", "convolution", lambda w: w.conv_view.playback.go(4)),
    ("convolution-32x32x3-pad2.png", "slide51_ten_5x5", "convolution", lambda w: w.conv_view.playback.go(200)),
    ("convolution-stride3-does-not-fit.png", "toy_7x7_stride3", "convolution",
     lambda w: w.conv_view.playback.go(1)),
    ("max-pool-2x2.png", "max_pool_2x2", "pooling", lambda w: w.pool_view.playback.go(5)),
    ("activation-relu.png", "activation_functions", "activation",
     lambda w: (w.activation_view.layer_box.choose(5), w.activation_view.gradient_box.setChecked(True))),
    ("linked-receptive-field.png", "typical_convnet", "network", lambda w: w.selection.set_hover(Unit(4, 3, 7, 9))),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    for name, preset, layout, action in SHOTS:
        window = window_with_first_frame(load_preset(preset))
        window.show_layout(layout)
        settle()
        action(window)
        settle()
        save_window_grab(window, args.out / name)
        print(f"saved {args.out / name}")
        window.bridge.stop()
        window.close()


if __name__ == "__main__":
    main()
