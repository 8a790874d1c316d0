"""`convviz train` headless, and the trained presets it made: they know something."""

from __future__ import annotations

import json

import cv2
import numpy as np

from convviz.cli import main
from convviz.core.compute import layer_tensors
from convviz.core.presets import load_preset, open_preset
from convviz.core.spec import NetworkSpec
from convviz.training.selectivity import orientation_selectivity


def test_train_on_the_command_line_saves_a_network_that_learned(tmp_path, capsys):
    net = tmp_path / "tiny.json"
    net.write_text(json.dumps({"name": "tiny", "input": {"channels": 1, "height": 12, "width": 12}, "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 5, "padding": 2}, {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2}, {"type": "flatten"}]}))
    out = tmp_path / "out.json"
    code = main(["train", "--net", str(net), "--data", "bars", "--samples", "240", "--epochs", "3", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "a fully connected layer with 8 outputs added" in captured.err and "epoch 3/3" in captured.err
    assert "held-out accuracy" in captured.out and f"saved {out}" in captured.out
    trained = NetworkSpec.load(out)
    assert len(trained.classes) == 8 and trained.name == "tiny trained on bars"
    assert main(["train", "--net", str(net), "--data", "stripes"]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["train", "--net", str(net), "--data", "bars", "--lr", "0"]) == 2
    assert "learning rate must be a number above 0" in capsys.readouterr().err


def test_the_shipped_shapes_network_names_a_drawn_shape(tmp_path, capsys):
    opened = open_preset("typical_shapes")
    assert any("weights from" in note for note in opened.notes) and "convviz train" in opened.spec.description
    for name, draw in (("circle", lambda img: cv2.circle(img, (320, 240), 150, (250, 240, 60), -1, cv2.LINE_AA)),
                       ("triangle", lambda img: cv2.fillPoly(img, [np.array([[320, 60], [480, 380], [160, 380]])],
                                                             (20, 20, 160), cv2.LINE_AA))):
        picture = np.full((480, 640, 3), (40, 120, 200), np.uint8)
        draw(picture)
        path = tmp_path / f"{name}.png"
        cv2.imwrite(str(path), picture)
        assert main(["predict", "--net", "typical_shapes", "--image", str(path), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["top"][0]["name"] == name


def test_the_shipped_bars_network_learned_oriented_edge_detectors():
    spec = load_preset("bars_edges")
    selectivity = orientation_selectivity(layer_tensors(spec, 0)["weight"])
    assert selectivity.mean() > 0.4  # random 7x7 filters give about 0.15
    assert "held-out accuracy" in spec.description and "--weight-decay" in spec.description
