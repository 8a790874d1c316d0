"""Command line: ``convviz`` opens the window; subcommands print, predict, render and install.

    convviz [--net NET] [--image F | --video F | --camera [N]] [--snapshot OUT.png] ...
    convviz info --net NET [--input CxHxW] [--json] [--strict]
    convviz predict --net NET [--weights FILE] --image IMG [--top K] [--json]
    convviz train --net NET --data shapes|bars|FOLDER [--epochs N] [--out trained.json]   (convviz.training)
    convviz render ...          (convviz.ui.render)
    convviz desktop-entry       (convviz.desktop)

Bad input (a network that does not work, an unreadable image) ends with a clear message on stderr
and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from convviz import __version__
from convviz.cli_support import check_window_memory, fail, has_display, offscreen_platform, parse_size
from convviz.core.budget import check_network
from convviz.core.errors import ConvvizError
from convviz.core.geometry import analyze
from convviz.core.presets import DEFAULT_PRESET, open_network, preset_names
from convviz.core.spec import InputSpec
from convviz.core.summary import format_table, summary_dict


def _net_argument(parser: argparse.ArgumentParser, default: str | None = DEFAULT_PRESET) -> None:
    parser.add_argument("--net", default=default,
                        help=f"a preset name or a network .json file (presets: {', '.join(preset_names())})")


def info_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="convviz info", description="Print a network's layers: output shapes, parameters, receptive fields.")
    _net_argument(parser)
    parser.add_argument("--input", metavar="CxHxW", help="input size instead of the network's own, e.g. 3x32x32")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--strict", action="store_true",
                        help="a stride that does not fit is an error (exit 2), as in the lecture's exercise; "
                             "without it, convviz runs it as torch does (rounding down) and warns")
    args = parser.parse_args(argv)
    try:
        spec = open_network(args.net).spec
        if args.input:
            spec = spec.with_input(spec.input.with_shape(*InputSpec.parse(args.input).shape))
    except ConvvizError as error:
        return fail(str(error))
    geometry = analyze(spec, strict=args.strict)
    if args.json:
        print(json.dumps(summary_dict(spec, geometry), indent=2))
    else:
        print(format_table(spec, geometry))
    if geometry.error is not None:
        return fail(str(geometry.error))
    for warning in geometry.warnings:
        print(f"convviz: warning: {warning} (torch runs it, rounding down; --strict makes this an error)",
              file=sys.stderr)
    try:
        check_network(geometry, spec.name)
    except ConvvizError as error:
        return fail(str(error))
    return 0


def predict_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="convviz predict",
                                     description="The top classes a network gives a picture (for scripts and checks).")
    _net_argument(parser, default=None)
    parser.add_argument("--weights", metavar="FILE", help="trained weights: a state dict (.pth/.pt) or .safetensors")
    parser.add_argument("--image", metavar="IMG", required=True, help="the picture")
    parser.add_argument("--top", type=int, default=5, metavar="K", help="how many classes to list (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    args = parser.parse_args(argv)
    if not args.net:
        return fail("--net is needed: the network that classifies (a preset name or a .json file)")
    if not 1 <= args.top <= 10_000:
        return fail(f"--top must be from 1 to 10,000, not {args.top}")
    try:
        from convviz.core.classes import is_classifier, scores
        from convviz.core.compute import Runner
        from convviz.core.preprocess import prepare
        from convviz.core.weights_io import load_state_dict
        from convviz.sources.image import ImageSource

        opened = open_network(args.net)
        spec, notes = opened.spec, list(opened.notes)
        if args.weights:
            spec = load_state_dict(spec, args.weights)
            notes = [n for n in notes if not n.startswith("random weights")] + [f"weights from {args.weights}"]
        geometry = analyze(spec)
        if geometry.error is not None:
            raise geometry.error
        if not is_classifier(geometry):
            raise ConvvizError(f"{spec.name} does not end in a classifier (its output is "
                               f"{'x'.join(map(str, geometry.output_shape))}, not a vector of class scores)")
        check_network(geometry, spec.name)
        source = ImageSource(args.image)
        source.open()
        prepared = prepare(source.read().image, spec.input)
        runner = Runner(spec, args.device, geometry)
        if runner.device_choice.message:
            notes.append(runner.device_choice.message)
        result = scores(spec, geometry, runner.run(prepared.tensor).outputs[-1])
    except ConvvizError as error:
        return fail(str(error))
    top = result.top(min(args.top, len(result.names)))
    for note in notes:
        print(f"convviz: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps({"network": spec.name, "image": str(args.image), "softmax_applied": not result.from_softmax,
                          "top": [{"rank": p.rank, "index": p.index, "name": p.name,
                                   "probability": round(p.probability, 6)} for p in top]}, indent=2))
    else:
        width = max(len(p.name) for p in top)
        for p in top:
            print(f"{p.rank:>2}  {p.probability * 100:6.2f}%  {p.name:<{width}}  (class {p.index})")
    return 0


def gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convviz",
        description="Make a convolutional neural network visible. Subcommands: 'convviz info --help', "
                    "'convviz predict --help', 'convviz train --help', 'convviz render --help', "
                    "'convviz desktop-entry --help'.")
    parser.add_argument("--version", action="version", version=f"convviz {__version__}")
    parser.add_argument("--net", help="a preset name or a network .json file (default: the last one used, "
                                      f"else {DEFAULT_PRESET})")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--image", metavar="FILE", help="start on this image instead of the test card")
    source.add_argument("--video", metavar="FILE", help="a video file as the input (it loops)")
    source.add_argument("--camera", metavar="INDEX", nargs="?", const="0",
                        help="a webcam as the input (default index 0)")
    parser.add_argument("--camera-size", metavar="WxH", default="640x480", help="camera resolution to ask for")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where the network runs (auto: CUDA if there is one)")
    parser.add_argument("--theme", choices=("dark", "light"), help="colours (default: the last used, else dark)")
    parser.add_argument("--size", metavar="WxH", help="window size in pixels (default: as last time, else "
                                                       "1600x1000)")
    parser.add_argument("--present", action="store_true",
                        help="start in presenter mode: full screen, projector theme, big fonts")
    parser.add_argument("--frames", type=int, metavar="N",
                        help="with --stats: run N frames through source, network and every panel, then exit")
    parser.add_argument("--stats", action="store_true",
                        help="print one JSON line of timings (medians) and memory after --frames N, and exit")
    parser.add_argument("--snapshot", metavar="OUT.png",
                        help="open the window, wait until the first frame has gone through every panel, "
                             "save a picture of the window and exit")
    return parser


def _source_from_args(args: argparse.Namespace):
    """The input the command line asks for (None: the test card). Images, videos and cameras are
    checked now, so a broken file or a missing camera fails here with a clear message (exit 2)."""
    if args.image:
        from convviz.sources.image import ImageSource

        return ImageSource(args.image)
    if args.video:
        from convviz.sources.files import source_for_path
        from convviz.sources.video import VideoSource

        source_for_path(args.video)  # a folder or a missing file: say so now
        source = VideoSource(args.video, paced=not args.stats)
        source.open()  # undecodable: say so now, exit 2
        return source
    if args.camera is not None:
        from convviz.sources.camera import CameraSource, parse_camera_index, parse_camera_size

        source = CameraSource(parse_camera_index(args.camera), parse_camera_size(args.camera_size))
        source.open()  # missing or busy: say so now (within a second), exit 2
        return source
    return None


def gui_main(argv: Sequence[str]) -> int:
    from convviz.pipeline.live import passive_threads

    passive_threads()  # before anything can import torch
    args = gui_parser().parse_args(argv)
    args.size_given = args.size is not None
    args.size = args.size or "1600x1000"
    if args.snapshot is not None and not args.snapshot.strip():
        return fail("--snapshot needs a file name, e.g. --snapshot out.png")
    if args.frames is not None and not 1 <= args.frames <= 1_000_000:
        return fail(f"--frames must be from 1 to 1,000,000, not {args.frames}")
    interactive = not (args.snapshot or args.stats)
    notes: tuple[str, ...] = ()
    try:
        size = parse_size(args.size, what="--size")
        check_window_memory(size)
        source = _source_from_args(args)
        if args.net:
            opened = open_network(args.net)
            spec, notes = opened.spec, opened.notes
            network_path = Path(args.net) if Path(args.net).is_file() else None
            preset = None if network_path else args.net
        else:
            spec, network_path, preset = None, None, DEFAULT_PRESET
        theme = args.theme
        skipped: list[str] = []
        if interactive:  # what the command line leaves open comes from the last run
            from convviz.ui.session import restore_network, restore_source
            from convviz.ui.settings import Settings

            settings = Settings()
            if settings.problem:
                skipped.append(settings.problem)
            if spec is None:
                spec, network_path, preset, notes = restore_network(settings.get("network"), skipped)
            if source is None and not args.net:
                source = restore_source(settings.get("source"), skipped)
            theme = theme or settings.get("theme")
        if spec is None:
            opened = open_network(DEFAULT_PRESET)
            spec, notes = opened.spec, opened.notes
        check_network(analyze(spec), spec.name)
    except ConvvizError as error:
        return fail(str(error))
    theme = theme if theme in ("dark", "light") else "dark"
    if args.stats and not args.frames:
        args.frames = 300
    if not os.environ.get("QT_QPA_PLATFORM") and not has_display():
        if interactive:
            return fail("no display found (DISPLAY and WAYLAND_DISPLAY are not set). Run convviz on a desktop, "
                        "under a virtual screen (xvfb-run convviz), or save a picture with --snapshot OUT.png")
        os.environ["QT_QPA_PLATFORM"] = offscreen_platform(size)
    from convviz.pipeline.live import reuse_freed_memory

    reuse_freed_memory()  # before Qt's and the pipeline's threads start (see its docstring)
    from convviz.ui.app import run_window

    return run_window(spec, source=source, device=args.device, theme_name=theme, size=size,
                      snapshot=Path(args.snapshot) if args.snapshot else None, network_path=network_path,
                      present=args.present, stats_frames=args.frames if args.stats else None,
                      restore=interactive and not args.size_given, preset=preset,
                      messages=tuple(notes) + tuple(skipped))


def _render(argv: Sequence[str]) -> int:
    from convviz.ui.render import render_main

    return render_main(argv)


def _desktop(argv: Sequence[str]) -> int:
    from convviz.desktop import desktop_main

    return desktop_main(argv)


def _train(argv: Sequence[str]) -> int:
    from convviz.training.command import train_main

    return train_main(argv)


SUBCOMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "info": info_main, "predict": predict_main, "train": _train, "render": _render, "desktop-entry": _desktop}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        return SUBCOMMANDS[argv[0]](argv[1:])
    return gui_main(argv)
