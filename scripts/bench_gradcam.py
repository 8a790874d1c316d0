"""Live frames per second with the Grad-CAM overlay off and on (the real window, offscreen, a 640x480
video as the camera), for the trained shapes network and AlexNet; prints one JSON object.

    .venv/bin/python scripts/bench_gradcam.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def measure(window, seconds: float) -> float:
    from PySide6 import QtCore

    times: list[float] = []
    window.frameShown.connect(lambda sequence: times.append(time.perf_counter()))
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    from bench_live import write_video

    from convviz.core.presets import load_preset
    from convviz.sources.video import VideoSource
    from convviz.ui.app import window_with_first_frame

    video = Path(tempfile.mkdtemp(prefix="convviz-gradcam-")) / "camera.avi"
    write_video(video, frames=300, size=(640, 480))
    figures = {}
    for preset in ("typical_shapes", "alexnet"):
        window = window_with_first_frame(load_preset(preset), VideoSource(video), "dark", (1600, 1000))
        off = measure(window, args.seconds)
        window.grad_cam.set_enabled(True)
        start = window.grad_cam.computed
        on = measure(window, args.seconds)
        explained = (window.grad_cam.computed - start) / args.seconds
        figures[preset] = {"fps_overlay_off": round(off, 1), "fps_overlay_on": round(on, 1),
                           "heat_maps_per_s": round(explained, 1)}
        window.document.history.mark_saved()
        window.close()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
