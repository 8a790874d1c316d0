"""``convviz render``: the views' frames, headless, for batch-making slides.

    convviz render --net toy_7x7_stride2 --layer 1 --view conv --out frames/       # one PNG per step
    convviz render --net slide51_ten_5x5 --image cat.jpg --layer 3 --out pool.gif --scale 2

The same window as on screen, rendered offscreen; by default only the figure (the view's panels,
titles and formula, without its combo boxes and playback bar), ``--capture view`` or ``window`` for
more. A progress bar on the terminal. Nothing half-written: every PNG and clip is written beside its
target, decoded again and only then renamed over it; if that fails (a full disk) the old file stays
and the exit status is 2. A clip is encoded on a thread of its own while the next steps render.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from convviz.cli_support import fail, offscreen_platform, parse_size, progress
from convviz.core.budget import (
    BASE_BYTES,
    BudgetError,
    available_memory,
    check_network,
    human_bytes,
    total_memory,
)
from convviz.core.errors import ConvvizError
from convviz.core.geometry import analyze
from convviz.core.presets import DEFAULT_PRESET, resolve_network

VIEWS = ("conv", "pool", "activation", "maps")
LAYOUT_OF = {"conv": "convolution", "pool": "pooling", "activation": "activation", "maps": "network"}
MAX_STEPS = 400
CAPTURES = ("figure", "view", "window")
SCALE_RANGE = (0.25, 8.0)
FPS_RANGE = (0.1, 60.0)  # steps per second (a GIF shows a frame for at least 2/100 s: it plays at most 50)
MAX_FRAME_SIDE = 16_384  # pixels: as large as --size itself may be
# memory per pixel of the largest frame while it is rendered and written, measured with
# `/usr/bin/time -v convviz render --capture window --scale 4 --size 1600x1000` (25.6 million pixels):
# PNG frames 6 bytes (the picture, its conversion, the PNG encoder), clips 34 (GIF) and 41 (MP4: the
# recorder's queue of frames, the conversion, the encoder's own copies); with a margin
BYTES_PER_PIXEL = {"frames": 8, "clip": 48}
# names that look like a picture or a video file, not a folder for frames: --out frame.png is a mistake
FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".svg", ".webp", ".tif", ".tiff", ".avi", ".mov", ".mkv",
                 ".webm", ".mpg", ".mpeg", ".m4v", ".wmv", ".ogv")


def render_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convviz render", description=__doc__.split("\n\n")[0])
    parser.add_argument("--net", default=DEFAULT_PRESET, help="a preset name or a network .json file")
    parser.add_argument("--image", metavar="IMG", help="the input picture (default: the built-in test card)")
    parser.add_argument("--layer", type=int, default=1, metavar="N", help="the layer to show, 1-based")
    parser.add_argument("--view", choices=VIEWS, help="which view (default: by the layer's type)")
    parser.add_argument("--capture", choices=CAPTURES, default="figure",
                        help="figure: the view without its controls (default); view: with them; window: the "
                             "whole window")
    parser.add_argument("--out", required=True, metavar="DIR|FILE.gif|FILE.mp4",
                        help="a folder for PNG frames, or a .gif / .mp4 clip")
    parser.add_argument("--scale", type=float, default=1.0, help="resolution factor (2 or 4 for slides)")
    parser.add_argument("--steps", type=int, default=None, metavar="N",
                        help=f"at most N animation steps (default: all, up to {MAX_STEPS})")
    parser.add_argument("--fps", type=float, default=4.0, help="clip frame rate (steps per second)")
    parser.add_argument("--size", default="1600x1000", metavar="WxH", help="window size before scaling")
    parser.add_argument("--theme", choices=("dark", "light", "projector-dark", "projector-light"), default="dark")
    return parser


def _default_view(type_name: str) -> str:
    """The view that explains a layer of this type (its type says), else the maps."""
    from convviz.core.layers import layer_type

    view = layer_type(type_name).view
    return {"convolution": "conv", "pooling": "pool", "activation": "activation"}.get(view or "", "maps")


def check_numbers(args: argparse.Namespace) -> None:
    """ConvvizError for a scale, frame rate or step count that cannot make a clip (0, negative, NaN)."""
    low, high = SCALE_RANGE
    if not (math.isfinite(args.scale) and low <= args.scale <= high):
        raise ConvvizError(f"--scale must be a number from {low:g} to {high:g} (2 or 4 for slides), not {args.scale:g}")
    low, high = FPS_RANGE
    if not (math.isfinite(args.fps) and low <= args.fps <= high):
        raise ConvvizError(f"--fps must be a number of steps per second from {low:g} to {high:g}, not {args.fps:g}")
    if args.steps is not None and args.steps < 1:
        raise ConvvizError(f"--steps must be at least 1, not {args.steps}")


def output_kind(text: str) -> tuple[Path, bool]:
    """(--out as a path, whether it is a clip); ConvvizError for an empty name, a file where a folder of
    frames is meant, or a picture or video name that is not a clip."""
    if not text.strip():
        raise ConvvizError("--out needs a folder for PNG frames or a .gif / .mp4 file name")
    out = Path(text)
    if out.suffix.lower() in (".gif", ".mp4"):
        return out, True
    if out.suffix.lower() in FILE_SUFFIXES and not out.is_dir():
        raise ConvvizError(f"--out {out.name}: render writes a folder of PNG frames (give a folder name) or a "
                           f".gif / .mp4 clip, not a {out.suffix} file")
    if out.exists() and not out.is_dir():
        raise ConvvizError(f"--out {out} is a file; give a folder for PNG frames or a .gif / .mp4 name")
    return out, False


def check_frame_memory(size: tuple[int, int], scale: float, clip: bool) -> None:
    """BudgetError, before any window opens, if frames of the window's ``size`` (width, height) at
    ``scale`` would need more memory than is free, or are larger than any frame convviz makes."""
    width, height = round(size[0] * scale), round(size[1] * scale)
    pixels = width * height
    need = BASE_BYTES + pixels * BYTES_PER_PIXEL["clip" if clip else "frames"]
    free, total = available_memory(), total_memory()
    made = (f"--scale {scale:g} of a {size[0]}x{size[1]} window makes frames of {width}x{height} pixels "
            f"({pixels / 1e6:,.0f} million); {'a clip' if clip else 'PNG frames'} of them need{'s' if clip else ''} "
            f"{human_bytes(need)} to render and write")
    if need > free:
        raise BudgetError(f"{made}; this machine has {human_bytes(total)} ({human_bytes(free)} free). Use a smaller "
                          "--scale or --size.")
    if max(width, height) > MAX_FRAME_SIDE:
        raise BudgetError(f"{made}, and frames may be at most {MAX_FRAME_SIDE:,} pixels a side. Use a smaller "
                          "--scale or --size.")


def render_main(argv: Sequence[str]) -> int:
    args = render_parser().parse_args(argv)
    try:
        check_numbers(args)
        out, clip = output_kind(args.out)
        size = parse_size(args.size, what="--size")
        check_frame_memory(size, args.scale, clip)
        spec = resolve_network(args.net)
        if not 1 <= args.layer <= len(spec.layers):
            raise ConvvizError(f"--layer must be 1..{len(spec.layers)} for this network, not {args.layer}")
        check_network(analyze(spec), spec.name)
        source = None
        if args.image:
            from convviz.sources.image import ImageSource

            source = ImageSource(args.image)
    except ConvvizError as error:
        return fail(str(error))
    view_name = args.view or _default_view(spec.layers[args.layer - 1].type)
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = offscreen_platform(size)
    return _render(spec, source, args, size, out, clip, view_name)


def _render(spec, source, args, size, out: Path, clip: bool, view_name: str) -> int:
    from PySide6 import QtWidgets

    from convviz.ui.app import settle, window_with_first_frame

    window = window_with_first_frame(spec, source, args.theme, size)
    try:
        if window.result is None:
            print("convviz: the network produced no frame in time", file=sys.stderr)
            return 1
        if args.layer - 1 >= len(window.result.geometry.layers) and view_name != "conv":
            print(f"convviz: layer {args.layer} cannot run: {window.result.geometry.error}", file=sys.stderr)
            return 2
        window.focus_layer(args.layer - 1)
        window.show_layout(LAYOUT_OF[view_name])
        settle()
        view = window.tabs.currentWidget()
        playback = getattr(view, "playback", None) if view_name != "maps" else None
        steps = min(playback.count, args.steps or MAX_STEPS) if playback is not None else 1
        target = window if args.capture == "window" else view

        def show(step: int) -> None:
            if playback is not None:
                playback.go(step)
            QtWidgets.QApplication.processEvents()

        if clip:
            frames = _render_clip(target, args, out, steps, show)
            print(f"convviz: wrote {out} ({frames} frames)")
        else:
            written = _render_frames(target, args, out, steps, show)
            print(f"convviz: wrote {written} PNG frames to {out}")
    except ConvvizError as error:  # WriteError, ExportError: the message says what and why
        return fail(str(error))
    except OSError as error:
        from convviz.core.atomic import reason

        return fail(f"cannot write {out.name}: {reason(error)}")
    finally:
        window.document.history.mark_saved()  # nothing to ask about: render never edits
        window.close()
        QtWidgets.QApplication.processEvents()
    return 0


def _render_frames(target, args, out: Path, steps: int, show) -> int:
    """One checked, atomically written PNG per step."""
    from convviz.core.atomic import WriteError, reason
    from convviz.export.frames import capture_rect, render_widget, save_png

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(f"cannot make the folder {out}: {reason(error)}") from None
    figure = args.capture == "figure"
    rect = capture_rect(target, figure)  # one size for every frame
    for step in range(steps):
        show(step)
        save_png(render_widget(target, args.scale, figure, rect), out / f"frame_{step + 1:04d}.png")
        progress(step + 1, steps, "rendering")
    return steps


def _render_clip(target, args, out: Path, steps: int, show) -> int:
    """The steps as a clip: rendered here, encoded on the recorder's thread into a temporary file
    beside ``out``, decoded again, then renamed over ``out``. Returns the frames written."""
    from convviz.core.atomic import WriteError, replace_with_steps
    from convviz.export.checks import check_clip_steps
    from convviz.export.clips import check_clip_name, check_clip_size
    from convviz.export.frames import capture_rect, image_to_rgb, render_widget
    from convviz.export.recorder import ClipRecorder

    check_clip_name(out)
    figure = args.capture == "figure"
    rect = capture_rect(target, figure)  # one size for every frame
    check_clip_size(out, (max(1, round(rect.width() * args.scale)), max(1, round(rect.height() * args.scale))))
    finished = []

    def write(temporary: Path):
        recorder = ClipRecorder(temporary, fps=args.fps, name=out.name)
        try:
            for step in range(steps):
                show(step)
                recorder.put(image_to_rgb(render_widget(target, args.scale, figure, rect)))
                progress(step + 1, steps, "rendering")
            finished.append(recorder.finish(check=False))
        except WriteError as error:  # the encoder met a full disk: the temporary file goes
            raise WriteError(f"{error}; nothing was changed") from None
        finally:
            recorder.abort()  # stops the thread if rendering failed (no-op when finished)
        yield from ()

    def check(temporary: Path):
        clip = finished[0]
        for done, total in check_clip_steps(temporary, clip.frames, clip.size, out.name):
            progress(done, total, "checking ")
            yield

    for _ in replace_with_steps(out, write, check):
        pass
    return finished[0].frames
