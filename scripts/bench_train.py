"""Training benchmark: prints its figures (never asserted in tests).

    .venv/bin/python scripts/bench_train.py [--quick]

1. Time to learn: the lecture's typical network on generated `shapes` at 32x32, on all cores (as
   `convviz train` runs it): held-out accuracy after each epoch and the seconds to reach 95%.
2. What the first layer learned: orientation selectivity of the `bars` network before and after.
3. Training in the window against a bare torch loop on the same data with the same thread count, in
   the same run: pictures per second each, their ratio; live frames per second of a video while the
   window trains; peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def time_to_learn(samples: int, epochs: int) -> dict:
    import torch

    from convviz.core.presets import load_preset
    from convviz.training.classifier import prepare_for_training
    from convviz.training.datasets import make_shapes
    from convviz.training.trainer import Trainer, TrainSettings

    torch.set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    data = make_shapes(samples, (32, 32), seed=0)
    made = time.perf_counter() - started
    spec, _ = prepare_for_training(load_preset("typical_convnet"), data.classes, data.images)
    trainer = Trainer(spec, data, TrainSettings(epochs=epochs, learning_rate=0.002))
    curve: list[tuple[int, float, float]] = []
    reached: list[float] = []

    def progress(p) -> None:
        if p.step % trainer.batches_per_epoch == 0 and p.held_out_accuracy is not None:
            curve.append((p.epoch, round(p.held_out_accuracy * 100, 1), round(p.seconds, 1)))
            if p.held_out_accuracy >= 0.95 and not reached:
                reached.append(p.seconds)

    result = trainer.run(on_progress=progress)
    return {"samples": samples, "data_seconds": round(made, 2), "epochs (epoch, held-out %, s)": curve,
            "seconds_to_95%": round(reached[0] + made, 1) if reached else None, "final": result.message}


def bars_selectivity() -> dict:
    from convviz.core.compute import layer_tensors
    from convviz.core.presets import load_preset
    from convviz.training.selectivity import orientation_selectivity

    spec = load_preset("bars_edges")
    start = spec
    for index, layer in enumerate(spec.layers):
        if "weight" in layer.params:
            start = start.with_layers([*start.layers[:index],
                                       layer.with_params(index, weight=None, bias=True),
                                       *start.layers[index + 1:]])
    before = orientation_selectivity(layer_tensors(start, 0)["weight"]).mean()
    after = orientation_selectivity(layer_tensors(spec, 0)["weight"]).mean()
    return {"bars_edges first layer selectivity (random start -> trained)": [round(float(before), 3),
                                                                            round(float(after), 3)]}


def bare_loop(steps: int, threads: int) -> float:
    """Pictures per second of a plain torch loop: the same network, data, batch size and optimiser."""
    import torch

    from convviz.core.compute import build_module
    from convviz.core.presets import load_preset
    from convviz.training.classifier import prepare_for_training
    from convviz.training.datasets import make_shapes
    from convviz.training.trainer import to_network_input

    torch.set_num_threads(threads)
    data = make_shapes(4000, (32, 32), seed=0)
    spec, _ = prepare_for_training(load_preset("typical_convnet"), data.classes, data.images)
    model = build_module(spec)[:-1].train()
    for p in model.parameters():
        p.data = p.data.clone()
    optimiser = torch.optim.AdamW(model.parameters(), lr=0.002, weight_decay=0.0)
    loss = torch.nn.CrossEntropyLoss()
    index = torch.randperm(len(data.labels))
    started = time.perf_counter()
    for step in range(steps):
        batch = index[(step * 64) % 3900:(step * 64) % 3900 + 64].numpy()
        x = to_network_input(data.images[batch], spec.input)
        y = torch.from_numpy(data.labels[batch])
        optimiser.zero_grad(set_to_none=True)
        loss(model(x), y).backward()
        optimiser.step()
    return steps * 64 / (time.perf_counter() - started)


def in_window(steps_wanted: int) -> dict:
    """Train in the real window (offscreen) on a video source; count live frames while it trains."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    from convviz.core.presets import load_preset
    from convviz.sources.video import VideoSource
    from convviz.ui.app import window_with_first_frame

    sys.path.insert(0, str(REPO / "scripts"))
    from bench_live import write_video

    QtWidgets.QMessageBox.question = lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Ok
    folder = Path(tempfile.mkdtemp(prefix="convviz-bench-train-"))
    video = folder / "live.avi"
    write_video(video, frames=120, size=(320, 240))
    window = window_with_first_frame(load_preset("typical_convnet"), VideoSource(video), "dark", (1600, 1000))
    window.training_dock.show()
    panel = window.training
    panel.data.setCurrentIndex(panel.data.findData("shapes"))
    panel.samples.setValue(4000)
    panel.epochs.setValue(max(1, steps_wanted // 50))
    frames: list[float] = []
    window.frameShown.connect(lambda sequence: frames.append(time.perf_counter()))
    rates: list[float] = []
    loop = QtCore.QEventLoop()
    state = {"start": None}

    def tick() -> None:
        run = panel.run
        if run is not None and run.latest is not None:
            rates.append(run.latest.samples_per_second)
            if state["start"] is None:
                state["start"] = (time.perf_counter(), len(frames))
        if run is None and panel.job is None and state["start"] is not None:
            state["end"] = (time.perf_counter(), len(frames))
            loop.quit()

    timer = QtCore.QTimer()
    timer.timeout.connect(tick)
    timer.start(100)
    panel.train_button.click()
    loop.exec()
    (t0, f0), (t1, f1) = state["start"], state["end"]
    window.document.history.mark_saved()
    window.close()
    return {"window_pictures_per_s": round(rates[-1], 1), "live_fps_while_training": round((f1 - f0) / (t1 - t0), 1),
            "result": panel.status.text()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer pictures and steps")
    args = parser.parse_args()
    figures: dict = {}
    figures["learn"] = time_to_learn(4000 if args.quick else 8000, 4 if args.quick else 8)
    figures.update(bars_selectivity())
    import torch

    window_threads = max(1, (os.cpu_count() or 2) - 1)  # what the window gives torch (one core for the GUI)
    figures["window"] = in_window(150 if args.quick else 400)
    bare = bare_loop(150 if args.quick else 400, window_threads)
    figures["bare_pictures_per_s (same threads)"] = round(bare, 1)
    figures["bare_pictures_per_s (all cores)"] = round(bare_loop(150 if args.quick else 400, os.cpu_count() or 1), 1)
    figures["window / bare (same threads)"] = round(figures["window"]["window_pictures_per_s"] / bare, 2)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["torch_threads_in_window"] = window_threads
    del torch
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
