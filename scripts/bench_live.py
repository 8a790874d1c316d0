"""Benchmark the live pipeline the way a lecture uses it, next to the bare work it wraps, in the same run.

    .venv/bin/python scripts/bench_live.py [--frames 300] [--repeat 3] [--nets default,heavier,alexnet]
                                           [--long 5000] [--compare OTHER_CHECKOUT]

1. writes a 640x480 test video (moving shapes, MJPG) to a temporary folder;
2. runs ``convviz --video V --frames N --stats`` (the real app offscreen: source, network, every
   panel) for each network: the default webcam network, a heavier one, AlexNet (the camera picture
   cropped to 224, random weights);
3. right after each, the bare work for the same frames in a fresh process: OpenCV decode (+ the
   network's resize, crop and normalisation) + torch forward, channels-last, no GUI; once with torch's
   default threads (every core) and once with one thread, and the faster of the two is "bare" (on a
   busy 2-core machine torch's two threads can be several times slower than one);
4. prints each round's figures and the overhead ratio (convviz frame time / bare frame time), then the
   range over the rounds. Rounds alternate app and bare runs so both see the same machine load;
5. with --compare DIR, also runs the convviz in another checkout (e.g. the commit before a change) in
   every round, for before/after figures from the same run;
6. with --long N, runs N frames and compares memory after the first 500 with memory at the end.

Every figure is a wall-clock median of frame times; ``cpu/frame`` is the CPU time of all the process's
threads per frame (what a frame costs the machine, less sensitive to what else runs on it).

Targets (reported, never asserted): default network <= 1.2x bare, the heavier one <= 1.0x with peak
RSS < 1 GB, AlexNet >= 10 fps with every panel, RSS growth < 50 MB over 5,000 frames.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]

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
NETS = {"default": ("default webcam network", "webcam_default"), "heavier": ("heavier network", None),
        "alexnet": ("AlexNet (640x480 camera cropped to 224, random weights)", "alexnet")}


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


def run_convviz(video: Path, net: str, frames: int, root: Path = REPO) -> dict:
    """The real app (offscreen) from checkout ``root``: one JSON line of medians and memory."""
    command = [sys.executable, "-m", "convviz", "--video", str(video), "--net", net, "--frames", str(frames),
               "--stats"]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=root, env=env)
    if done.returncode != 0:
        raise SystemExit(f"convviz failed:\n{done.stderr}")
    line = [text for text in done.stdout.splitlines() if text.startswith("{")][-1]
    return json.loads(line)


def run_bare_process(video: Path, net: str, frames: int, threads: int | None) -> dict:
    """``bare_main`` in a fresh process (its own memory and threads, like the app's run)."""
    command = [sys.executable, __file__, "--bare", net, "--video", str(video), "--frames", str(frames)]
    if threads:
        command += ["--threads", str(threads)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, env=env)
    if done.returncode != 0:
        raise SystemExit(f"bare run failed:\n{done.stderr}")
    return json.loads([text for text in done.stdout.splitlines() if text.startswith("{")][-1])


def bare_input(rgb: np.ndarray, input_spec) -> np.ndarray:
    """What a plain script does to a camera picture for this network: resize (and crop), scale to
    [0, 1], normalise; H x W x C float32."""
    height, width = input_spec.height, input_spec.width
    if input_spec.resize is not None:
        src_h, src_w = rgb.shape[:2]
        scale = input_spec.resize / min(src_h, src_w)
        size = (max(width, round(src_w * scale)), max(height, round(src_h * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        top, left = (size[1] - height) // 2, (size[0] - width) // 2
        rgb = rgb[top:top + height, left:left + width]
    elif rgb.shape[:2] != (height, width):
        rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    x = rgb.astype(np.float32) * np.float32(1 / 255)
    if input_spec.mean is not None:
        x -= np.asarray(input_spec.mean, np.float32)
        x /= np.asarray(input_spec.std, np.float32)
    return x


def bare_main(video: Path, net: str, frames: int, threads: int | None) -> None:
    """Decode + forward only, for the same frames: what any script would have to do at the least."""
    import torch

    from convviz.core.compute import build_module
    from convviz.core.presets import resolve_network

    if threads:
        torch.set_num_threads(threads)
    spec = resolve_network(net)
    # the fastest plain torch: channels-last weights and input (what convviz also uses)
    module = build_module(spec).eval().to(memory_format=torch.channels_last)
    capture = cv2.VideoCapture(str(video))
    times = []
    with torch.inference_mode():
        warm = torch.zeros(1, *spec.input.shape).contiguous(memory_format=torch.channels_last)
        module(warm)
        cpu_start = time.process_time()
        for _ in range(frames):
            start = time.perf_counter()
            ok, frame = capture.read()
            if not ok:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = capture.read()
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            x = torch.from_numpy(bare_input(rgb, spec.input)).permute(2, 0, 1).unsqueeze(0)
            module(x)
            times.append(time.perf_counter() - start)
        cpu = time.process_time() - cpu_start
    capture.release()
    total = sum(times)
    print(json.dumps({"frames": frames, "seconds": round(total, 3), "fps": round(frames / total, 2),
                      "frame_ms_median": round(statistics.median(times) * 1000, 3),
                      "cpu_ms_per_frame": round(cpu * 1000 / frames, 3), "torch_threads": torch.get_num_threads()}))


def frame_ms(run: dict) -> float:
    return 1000.0 / run["fps"] if run.get("fps") else float("inf")


def span(values: list[float], digits: int = 2) -> str:
    values = sorted(values)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values[0]:.{digits}f}-{values[-1]:.{digits}f} (median {statistics.median(values):.{digits}f})"


def describe_app(app: dict) -> str:
    extra = ""
    if "cpu_ms_per_frame" in app:
        extra = (f"; cpu/frame {app['cpu_ms_per_frame']:.1f} ms, {app.get('layers_painted', '?')} of "
                 f"{app.get('layer_panels', '?')} layers painted")
    return (f"{app['fps']:.1f} fps over {app['frames']} frames (medians: capture {app['capture_ms']:.1f} ms, "
            f"forward {app['forward_ms']:.1f} ms, paint {app['paint_ms']:.1f} ms, draw {app['draw_ms']:.1f} ms; "
            f"peak RSS {app['peak_rss_mb']:.0f} MB{extra})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (app, then bare) per network")
    parser.add_argument("--nets", default="default,heavier,alexnet", help=f"from {', '.join(NETS)}")
    parser.add_argument("--long", type=int, default=0, help="also run this many frames for the memory check")
    parser.add_argument("--compare", type=Path, help="another checkout whose convviz runs in every round too")
    parser.add_argument("--bare", help=argparse.SUPPRESS)  # internal: one bare run in this process
    parser.add_argument("--video", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_main(args.video, args.bare, args.frames, args.threads)
        return
    cores = os.cpu_count() or 2
    with tempfile.TemporaryDirectory(prefix="convviz-bench-") as folder:
        video = Path(folder) / "moving-shapes-640x480.avi"
        write_video(video)
        heavier = Path(folder) / "heavier.json"
        heavier.write_text(json.dumps(HEAVIER))
        for key in args.nets.split(","):
            label, net = NETS[key]
            net = net or str(heavier)
            rounds = []
            print(f"\n== {label}", flush=True)
            for number in range(args.repeat):
                app = run_convviz(video, net, args.frames)
                before = run_convviz(video, net, args.frames, args.compare) if args.compare else None
                bare_all = run_bare_process(video, net, args.frames, None)
                bare_one = run_bare_process(video, net, args.frames, 1) if cores > 1 else bare_all
                bare = min(bare_all, bare_one, key=frame_ms)
                ratio = frame_ms(app) / frame_ms(bare)
                rounds.append({"convviz": app, "before": before, "bare": bare, "bare_all_cores": bare_all,
                               "bare_one_thread": bare_one, "ratio": round(ratio, 3),
                               "ratio_before": round(frame_ms(before) / frame_ms(bare), 3) if before else None})
                print(f"round {number + 1}: convviz {describe_app(app)}")
                if before:
                    print(f"         before  {describe_app(before)}  ({frame_ms(before) / frame_ms(bare):.2f} x bare)")
                print(f"         bare    {bare['fps']:.1f} fps, cpu/frame {bare['cpu_ms_per_frame']:.1f} ms "
                      f"(decode + forward; {bare_all['fps']:.1f} fps with {bare_all['torch_threads']} torch "
                      f"threads, {bare_one['fps']:.1f} with 1)")
                print(f"         overhead: convviz frame time = {ratio:.2f} x bare", flush=True)
            print(f"-- {label}, {args.repeat} rounds of {args.frames} frames:")
            print(f"   convviz fps {span([r['convviz']['fps'] for r in rounds], 1)}; "
                  f"bare fps {span([r['bare']['fps'] for r in rounds], 1)}; "
                  f"ratio {span([r['ratio'] for r in rounds])}")
            if args.compare:
                print(f"   before  fps {span([r['before']['fps'] for r in rounds], 1)}; "
                      f"ratio {span([r['ratio_before'] for r in rounds])}")
            print(f"   peak RSS {span([r['convviz']['peak_rss_mb'] for r in rounds], 0)} MB")
            print("json:", json.dumps({"label": label, "rounds": rounds}), flush=True)
        if args.long:
            app = run_convviz(video, "webcam_default", args.long)
            growth = app["rss_mb"] - (app["rss_mb_at_checkpoint"] or app["rss_mb"])
            print(f"\n== memory over {args.long} frames (default network)")
            print(f"RSS after {app['checkpoint_frames']} frames {app['rss_mb_at_checkpoint']} MB, at the end "
                  f"{app['rss_mb']} MB (growth {growth:+.1f} MB), peak {app['peak_rss_mb']} MB, {app['fps']} fps")
            print("json:", json.dumps({"label": "long run", "convviz": app, "growth_mb": round(growth, 1)}))


if __name__ == "__main__":
    main()
