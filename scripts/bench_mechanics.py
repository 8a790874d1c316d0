"""How long one animation step of the mechanics views takes, at the first, middle and last step.

    .venv/bin/python scripts/bench_mechanics.py [--repeat 30]

Scrubbing must be immediate for any step of a big layer: work per step must not grow with the step
number. For a 224x224x3 layer (3x3 filter, pad 1: 50,176 steps) and the default webcam network at
640x480 (307,200 steps) this prints the median milliseconds of

- ``conv_step`` / ``pool_step`` alone (the core's dot product or pooling window), and
- a whole step of the Convolution / Pooling view (core + every overlay, numbers and the output map),
  offscreen, including Qt's painting of the view into a pixmap,

at steps 0, the middle and the last. Targets (reported, never asserted): the core under 1 ms at
every step; a whole view step under 40 ms (25 steps/s while playing) and the same at every step.
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
            window.presenter.enter()
            window.resize(*size)
        window.show_layout(layout)
        view = window.tabs.currentWidget()
        settle()
        last = view.playback.count - 1

        def step(s: int, view=view) -> None:
            view.playback.go(s)
            QtWidgets.QApplication.processEvents()
            view.grab()  # Qt paints the view: what the projector shows

        figures = []
        for s in (0, last // 2, last):
            other = s + 1 if s < last else s - 1  # alternate between two neighbouring steps
            figures.append(median_ms(lambda s=s, other=other: (step(s), step(other)), repeat) / 2)
        where = f"{size[0]}x{size[1]}" + (" presenter" if present else "")
        print(f"view {layout:11s} {spec.name[:42]:42s} {where:19s} ({last + 1:,} steps): first {figures[0]:.1f} ms, "
              f"middle {figures[1]:.1f} ms, last {figures[2]:.1f} ms")
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
