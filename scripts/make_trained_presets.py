"""Train and ship the presets of networks that have learned something, with the command that made
each written into its description (so anyone can make them again):

    .venv/bin/python scripts/make_trained_presets.py

- typical_shapes: the lecture's typical network ([(CONV-ReLU)*2-POOL]*2-FC-ReLU-FC-softmax) trained on
  the generated shapes (circle, square, triangle, cross) at 32x32.
- bars_edges: a small network with 7x7 first-layer filters trained on oriented bars; with weight
  decay its first layer becomes oriented edge and bar detectors.

The networks go to resources/presets/, big weights to resources/weights/ (a .safetensors file the
preset names); training is seeded, so a re-run gives the same weights on the same machine.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BARS_NET = {
    "name": "oriented edges, for the bars", "input": {"channels": 1, "height": 32, "width": 32},
    "layers": [
        {"type": "conv2d", "out_channels": 8, "kernel_size": 7, "padding": 3, "seed": 1}, {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "conv2d", "out_channels": 16, "kernel_size": 5, "padding": 2, "seed": 2}, {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "flatten"}, {"type": "linear", "out_features": 8, "seed": 3}, {"type": "softmax"}],
}
RECIPES = [  # (preset, start, data, samples, settings, title)
    ("typical_shapes", "typical_convnet", "shapes", 8000,
     {"epochs": 8, "learning_rate": 0.002, "optimiser": "adam", "seed": 0, "weight_decay": 0.0},
     "the typical network, trained on shapes"),
    ("bars_edges", BARS_NET, "bars", 6000,
     {"epochs": 20, "learning_rate": 0.002, "optimiser": "adam", "seed": 0, "weight_decay": 1.0},
     "oriented edges, trained on bars"),
]


def main() -> None:
    import torch

    from convviz.core.network_file import save_network_file
    from convviz.core.presets import load_preset
    from convviz.core.spec import NetworkSpec
    from convviz.training.classifier import prepare_for_training
    from convviz.training.command import _selectivity
    from convviz.training.datasets import generated
    from convviz.training.trainer import Trainer, TrainSettings

    torch.set_num_threads(1)  # the same weights on any machine of this kind (no thread-order sums)
    for preset, start, data_name, samples, settings, title in RECIPES:
        spec = load_preset(start) if isinstance(start, str) else NetworkSpec.from_dict(start)
        data = generated(data_name, samples, (spec.input.height, spec.input.width), settings["seed"])
        spec, _ = prepare_for_training(spec, data.classes, data.images)
        before = _selectivity(spec)
        result = Trainer(spec, data, TrainSettings(**settings)).run()
        assert result.reason == "finished", result.message
        after = _selectivity(result.spec)
        net = f"--net {start}" if isinstance(start, str) else "--net <the bars network in this script>"
        command = (f"convviz train {net} --data {data_name} --samples {samples} --epochs {settings['epochs']} "
                   f"--lr {settings['learning_rate']} --optimiser {settings['optimiser']} --seed {settings['seed']}"
                   + (f" --weight-decay {settings['weight_decay']}" if settings["weight_decay"] else ""))
        description = (f"{result.message}; first-layer orientation selectivity {before:.2f} -> {after:.2f}. Made by "
                       f"scripts/make_trained_presets.py: {command}")
        trained = replace(result.spec, name=title, description=description)
        with tempfile.TemporaryDirectory() as folder:
            path = save_network_file(trained, Path(folder) / f"{preset}.json")
            for old in (REPO / "resources" / "weights").glob(f"{preset}.*.safetensors"):
                old.unlink()
            for made in Path(folder).iterdir():
                target = REPO / "resources" / ("weights" if made.suffix == ".safetensors" else "presets") / made.name
                shutil.copyfile(made, target)
        print(f"{preset}: {result.message}; selectivity {before:.2f} -> {after:.2f} ({path.name})")


if __name__ == "__main__":
    main()
