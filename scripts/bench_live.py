"""Benchmark the live pipeline the way a lecture uses it, and the bare work it wraps.

    .venv/bin/python scripts/bench_live.py [--frames 300] [--long 5000]

1. writes a 640x480 test video (moving shapes, MJPG) to a temporary folder;
2. runs ``convviz --video V --frames N --stats`` (the real app offscreen: source, network, every
   panel) for the default webcam network and for a heavier one;
3. times the bare work for the same frames in this process: OpenCV decode + torch forward, no GUI;
4. prints each run's figures and the overhead ratio (convviz frame time / bare frame time);
5. with --long N, runs N frames and compares memory after the first 500 with memory at the end.

Targets (reported, never asserted): >= 30 fps for the default network at 640x480 on a 2-core CPU,
frame time <= 1.3x bare, peak RSS < 1 GB, RSS growth < 50 MB over 5,000 frames.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

HEAVIER = {
    "name": "heavier: conv 3->16 5x5, conv 16->32, pool, conv 32->32, pool (640x480)",
    "input": {"channels": 3, "height": 480, "width": 640},
    "layers": [
        {"type": "conv2d", "out_channels": 16, "kernel_size": 5, "padding": 2, "seed": 1}, {"type": "relu"},
        {"type": "conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1, "seed": 2}, {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
        {"type": "conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1, "seed": 3}, {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
    ],
}


def write_video(path: Path, frames: int = 300, size: tuple[int, int] = (640, 480), fps: float = 30.0) -> None:
    """Moving shapes on a gradient: edges at many angles, so every filter has something to do."""
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    ramp = np.linspace(40, 200, width, dtype=np.uint8)[None, :, None].repeat(height, 0).repeat(3, 2)
    for i in range(frames):
        frame = ramp.copy()
        t = i / frames * 2 * np.pi
        cv2.circle(frame, (int(width / 2 + 200 * np.cos(t)), int(height / 2 + 120 * np.sin(t))), 60,
                   (0, 200, 255), -1, cv2.LINE_AA)
        box = cv2.boxPoints(((width / 2, height / 2), (180, 90), i * 3.0)).astype(np.int32)
        cv2.fillPoly(frame, [box], (255, 255, 255), cv2.LINE_AA)
        cv2.putText(frame, f"frame {i}", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20, 20, 20), 2, cv2.LINE_AA)
        writer.write(frame)
    writer.release()


def run_convviz(video: Path, net: str, frames: int) -> dict:
    command = [sys.executable, "-m", "convviz", "--video", str(video), "--net", net, "--frames", str(frames),
               "--stats"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"convviz failed:\n{done.stderr}")
    line = [text for text in done.stdout.splitlines() if text.startswith("{")][-1]
    return json.loads(line)


def run_bare(video: Path, net: str, frames: int) -> dict:
    """Decode + forward only, for the same frames: what any script would have to do at the least."""
    import torch

    from convviz.core.compute import build_module
    from convviz.core.presets import resolve_network

    spec = resolve_network(net)
    # the fastest plain torch: channels-last weights and input, every core (what convviz also uses)
    module = build_module(spec).eval().to(memory_format=torch.channels_last)
    capture = cv2.VideoCapture(str(video))
    times = []
    with torch.inference_mode():
        warm = torch.zeros(1, *spec.input.shape).contiguous(memory_format=torch.channels_last)
        module(warm)
        for _ in range(frames):
            start = time.perf_counter()
            ok, frame = capture.read()
            if not ok:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = capture.read()
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            x = torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0).float().div_(255.0)
            module(x)
            times.append(time.perf_counter() - start)
    capture.release()
    total = sum(times)
    return {"frames": frames, "seconds": round(total, 3), "fps": round(frames / total, 2),
            "frame_ms_median": round(statistics.median(times) * 1000, 3), "torch_threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--long", type=int, default=0, help="also run this many frames for the memory check")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="convviz-bench-") as folder:
        video = Path(folder) / "moving-shapes-640x480.avi"
        write_video(video)
        heavier = Path(folder) / "heavier.json"
        heavier.write_text(json.dumps(HEAVIER))
        for label, net in (("default webcam network", "webcam_default"), ("heavier network", str(heavier))):
            app = run_convviz(video, net, args.frames)
            bare = run_bare(video, net, args.frames)
            ratio = bare["fps"] / app["fps"] if app["fps"] else float("inf")
            print(f"\n== {label}")
            print(f"convviz : {app['fps']:.1f} fps over {app['frames']} frames  (medians: capture "
                  f"{app['capture_ms']:.1f} ms, forward {app['forward_ms']:.1f} ms, paint {app['paint_ms']:.1f} ms, "
                  f"draw {app['draw_ms']:.1f} ms; peak RSS {app['peak_rss_mb']:.0f} MB)")
            print(f"bare    : {bare['fps']:.1f} fps (decode + forward, {bare['torch_threads']} torch threads)")
            print(f"overhead: convviz frame time = {ratio:.2f} x bare")
            print("json:", json.dumps({"label": label, "convviz": app, "bare": bare, "ratio": round(ratio, 3)}))
        if args.long:
            app = run_convviz(video, "webcam_default", args.long)
            growth = app["rss_mb"] - (app["rss_mb_at_checkpoint"] or app["rss_mb"])
            print(f"\n== memory over {args.long} frames (default network)")
            print(f"RSS after {app['checkpoint_frames']} frames {app['rss_mb_at_checkpoint']} MB, at the end "
                  f"{app['rss_mb']} MB (growth {growth:+.1f} MB), peak {app['peak_rss_mb']} MB, {app['fps']} fps")
            print("json:", json.dumps({"label": "long run", "convviz": app, "growth_mb": round(growth, 1)}))


if __name__ == "__main__":
    main()
