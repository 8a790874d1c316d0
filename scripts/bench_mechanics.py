"""How long one animation step of the mechanics views takes, at the first, middle and last step.

    .venv/bin/python scripts/bench_mechanics.py [--repeat 30]

Scrubbing must be immediate for any step of a big layer: work per step must not grow with the step
number. For a 224x224x3 layer (3x3 filter, pad 1: 50,176 steps) and the default webcam network at
640x480 (307,200 steps) this prints the median milliseconds of

- ``conv_step`` / ``pool_step`` alone (the core's dot product or pooling window), and
- a whole step of the Convolution / Pooling view on the GUI thread: the step drawn (core, every
  overlay, numbers, the output map) and Qt's painting of what changed, as the event loop does it
  while playing (offscreen), and
- the same plus painting the whole view into a pixmap again (``grab``: an exported frame),

at steps 0, the middle and the last, alternating with a neighbouring step. Targets (reported, never
asserted): the core under 1 ms at every step; one step of the 32x32x3 slide (slide 51, presenter
mode at 1920x1080, every number of the 5x5 slice drawn) at most 10 ms (30 steps/s play smoothly); a
224x224 or 640x480 layer's step in one frame (under 40 ms) at every step.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from convviz.core.compute import build_module  # noqa: E402
from convviz.core.geometry import check  # noqa: E402
from convviz.core.mechanics import conv_step, pool_step  # noqa: E402
from convviz.core.spec import NetworkSpec  # noqa: E402

BIG = {"name": "224x224x3, conv 3x3 pad 1, max pool 2x2", "input": {"channels": 3, "height": 224, "width": 224},
       "layers": [{"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
                  {"type": "maxpool2d", "kernel_size": 2}]}


def median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_core(repeat: int) -> None:
    spec = NetworkSpec.from_dict(BIG)
    geometry = check(spec)
    conv, pool = geometry.layers
    weight = build_module(spec)[0].weight.detach().numpy()
    volume = np.random.default_rng(0).random((3, 224, 224), dtype=np.float32)
    for name, layer, work in (("conv_step", conv, lambda s: conv_step(volume, weight, None, conv, 0, s)),
                              ("pool_step", pool, lambda s: pool_step(volume, pool, 0, s))):
        last = layer.window.steps - 1
        figures = [median_ms(lambda s=s, work=work: work(s), repeat) for s in (0, last // 2, last)]
        print(f"core {name:10s} 224x224 ({last + 1:,} steps): first {figures[0]:.3f} ms, middle "
              f"{figures[1]:.3f} ms, last {figures[2]:.3f} ms")


def bench_views(repeat: int) -> None:
    from PySide6 import QtWidgets

    from convviz.core.presets import load_preset
    from convviz.ui.app import settle, window_with_first_frame

    cases = (  # network, view, window size, presenter mode (projector theme)
        (NetworkSpec.from_dict(BIG), "convolution", (1600, 1000), False),
        (NetworkSpec.from_dict(BIG), "pooling", (1600, 1000), False),
        (load_preset("webcam_default"), "convolution", (1600, 1000), False),
        (load_preset("toy_7x7_stride2"), "convolution", (1600, 1000), False),
        # the lecture's 32x32x3 slide on the projector: every number of the 5x5x3 dot product drawn
        (load_preset("slide51_ten_5x5"), "convolution", (1920, 1080), True),
    )
    for spec, layout, size, present in cases:
        window = window_with_first_frame(spec, size=size)
        if present:
            try:
                window.presenter.enter(full_screen=False)  # the size asked for (offscreen "full screen" is 800x800)
            except TypeError:  # before presenter mode could keep the window's size
                window.presenter.enter()
                window.showNormal()
            window.resize(*size)
        window.show_layout(layout)
        settle()
        view = window.tabs.currentWidget()
        last = view.playback.count - 1

        def step(s: int, view=view, grab: bool = False) -> None:
            view.playback.go(s)
            QtWidgets.QApplication.processEvents()  # Qt paints what changed, as while playing
            if grab:
                view.grab()  # and the whole view once more: an exported frame

        where = f"{size[0]}x{size[1]}" + (" presenter" if present else "")
        for grab in (False, True):
            figures = []
            for s in (0, last // 2, last):
                other = s + 1 if s < last else s - 1  # alternate between two neighbouring steps
                pair = lambda s=s, other=other, grab=grab: (step(s, grab=grab), step(other, grab=grab))  # noqa: E731
                figures.append(median_ms(pair, repeat) / 2)
            what = "step+grab" if grab else "step"
            print(f"view {layout:11s} {what:9s} {spec.name[:34]:34s} {where:19s} ({last + 1:,} steps): "
                  f"first {figures[0]:.1f} ms, middle {figures[1]:.1f} ms, last {figures[2]:.1f} ms")
        window.document.history.mark_saved()
        window.bridge.stop()
        window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    bench_core(args.repeat * 10)
    bench_views(args.repeat)


if __name__ == "__main__":
    main()
