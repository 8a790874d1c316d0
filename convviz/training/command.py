"""``convviz train``: train a network headless, with a progress bar, and save it with its weights.

    convviz train --net typical_convnet --data shapes --epochs 8 --out typical_shapes.json
    convviz train --net mine.json --data ~/pictures/fruit --epochs 20
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from convviz.cli_support import fail, progress
from convviz.core.budget import available_memory, human_bytes
from convviz.core.errors import ConvvizError
from convviz.training.datasets import GENERATED

DEFAULT_SAMPLES = {"shapes": 8000, "bars": 6000}


def train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convviz train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--net", required=True, help="a preset name or a network .json file")
    parser.add_argument("--data", required=True, metavar="shapes|bars|FOLDER",
                        help="a generated data set, or a folder with one subfolder of pictures per class")
    parser.add_argument("--samples", type=int, help="pictures to generate (shapes 8000, bars 6000)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.002, help="learning rate (default 0.002)")
    parser.add_argument("--optimiser", choices=("adam", "sgd"), default="adam")
    parser.add_argument("--weight-decay", type=float, default=0.0,
                        help="shrinks weights a little every step: 1.0 turns the first layer's filters into clean "
                             "edge detectors on the bars (default 0)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--name", help="the trained network's name (default: '<network> trained on <data>')")
    parser.add_argument("--out", metavar="FILE.json", help="where to save it (default: <network>-<data>.json)")
    return parser


def load_data(source: str, size: tuple[int, int], samples: int | None, seed: int):
    from convviz.training.datasets import generated, load_folder

    if source in GENERATED:
        count = samples or DEFAULT_SAMPLES[source]
        need = count * size[0] * size[1] * 3
        if need > available_memory() // 4:
            raise ConvvizError(f"{count:,} pictures of {size[1]}x{size[0]} need {human_bytes(need)}; this machine has "
                               f"{human_bytes(available_memory())} free: use fewer (--samples) or a smaller input")
        return generated(source, count, size, seed)
    return load_folder(source, size, seed, progress=lambda done, total: progress(done, total, "reading  "))


def train_main(argv: Sequence[str]) -> int:
    args = train_parser().parse_args(argv)
    try:
        import torch

        from convviz.core.network_file import save_network_file
        from convviz.core.presets import open_network
        from convviz.training.classifier import prepare_for_training
        from convviz.training.trainer import Trainer, TrainSettings

        torch.set_num_threads(max(1, torch.get_num_threads()))
        spec = open_network(args.net).spec
        data = load_data(args.data, (spec.input.height, spec.input.width), args.samples, args.seed)
        print(f"convviz: {data.describe()}", file=sys.stderr)
        for note in data.notes:
            print(f"convviz: {note}", file=sys.stderr)
        spec, changed = prepare_for_training(spec, data.classes, data.images)
        if changed:
            print(f"convviz: to learn {data.name}: {changed}", file=sys.stderr)
        settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.lr,
                                 optimiser=args.optimiser, seed=args.seed, device=args.device,
                                 weight_decay=args.weight_decay)
        trainer = Trainer(spec, data, settings)
        before = _selectivity(spec)
        result = trainer.run(on_progress=lambda p: progress(p.step, p.steps, f"epoch {p.epoch}/{p.epochs}"))
    except ConvvizError as error:
        return fail(str(error))
    if result.reason != "finished":
        return fail(result.message + " Nothing was saved.")
    stem = Path(args.net).stem if args.net.endswith(".json") else args.net
    data_name = Path(args.data).name if args.data not in GENERATED else args.data
    name = args.name or f"{result.spec.name} trained on {data_name}"
    trained = replace(result.spec, name=name)
    out = Path(args.out or f"{stem}-{data_name}.json")
    try:
        save_network_file(trained, out)
    except ConvvizError as error:
        return fail(str(error))
    print(f"convviz: {result.message}")
    after = _selectivity(trained)
    if before is not None and after is not None:
        print(f"convviz: first layer's orientation selectivity {before:.2f} -> {after:.2f} (0: none, 1: one angle)")
    print(f"convviz: saved {out}")
    return 0


def _selectivity(spec) -> float | None:
    """The mean orientation selectivity of the first layer with filters, if any."""
    from convviz.core.compute import layer_tensors
    from convviz.core.layers import layer_type
    from convviz.training.selectivity import orientation_selectivity

    for index, layer in enumerate(spec.layers):
        if layer_type(layer.type).has_filters:
            return float(orientation_selectivity(layer_tensors(spec, index)["weight"]).mean())
    return None
