"""Editing networks: operations, undo/redo, exported PyTorch code, loading weights."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from convviz.core import editing
from convviz.core.compute import Runner, build_module
from convviz.core.editing import EditHistory
from convviz.core.errors import SpecError
from convviz.core.geometry import analyze, check
from convviz.core.layers import LAYER_TYPES
from convviz.core.presets import load_preset
from convviz.core.spec import InputSpec, NetworkSpec
from convviz.core.torch_code import export_torch_code
from convviz.core.weights_io import load_layer_weights, load_state_dict

EMPTY = NetworkSpec("new", InputSpec(3, 32, 32), ())


def test_new_conv_layers_start_with_the_lecture_defaults():
    layer = editing.new_layer("conv2d")
    assert (layer.params["out_channels"], layer.pair("kernel_size"), layer.pair("stride"),
            layer.pair("padding")) == (8, (3, 3), (1, 1), (1, 1))
    for name in LAYER_TYPES:
        editing.new_layer(name)  # every type can be added


def test_building_slide_51_from_an_empty_network():
    spec = editing.add_layer(EMPTY, 0, "conv2d")
    spec = editing.set_param(spec, 0, "out_channels", 10)
    spec = editing.set_param(spec, 0, "kernel_size", 5)
    spec = editing.set_param(spec, 0, "padding", 2)
    layer = check(spec).layers[0]
    assert layer.output_shape == (10, 32, 32) and layer.params == 760


def test_a_bad_value_names_the_layer_and_key():
    spec = editing.add_layer(EMPTY, 0, "conv2d")
    with pytest.raises(SpecError, match="layer 1 .*'stride'"):
        editing.set_param(spec, 0, "stride", 0)


def test_a_layer_that_stops_fitting_is_kept_and_marked():
    spec = editing.set_input(editing.add_layer(EMPTY, 0, "conv2d"), InputSpec(1, 7, 7))
    spec = editing.set_param(spec, 0, "padding", 0)
    spec = editing.set_param(spec, 0, "stride", 3)
    geometry = analyze(spec)
    assert geometry.error is None and geometry.layers[0].warning is not None  # torch floors; the lecture warns
    spec = editing.set_param(spec, 0, "kernel_size", 9)
    geometry = analyze(spec)
    assert geometry.error is not None and geometry.error.layer == 0
    assert spec.layers[0].params["stride"] == 3 and spec.layers[0].params["kernel_size"] == 9  # nothing is lost


def test_move_duplicate_remove():
    spec = load_preset("slide51_ten_5x5")
    moved = editing.move_layer(spec, 2, 0)
    assert [layer.type for layer in moved.layers] == ["maxpool2d", "conv2d", "relu"]
    assert editing.duplicate_layer(spec, 1).layers[2].type == "relu"
    assert [layer.type for layer in editing.remove_layer(spec, 1).layers] == ["conv2d", "maxpool2d"]


def test_editing_one_weight_keeps_every_other_number():
    spec = load_preset("webcam_edges")
    before, _ = editing.current_weights(spec, 0)
    after_spec = editing.set_weight_value(spec, 0, 2, 1, 0, 2, 0.5)
    after, _ = editing.current_weights(after_spec, 0)
    changed = np.argwhere(before != after)
    assert changed.tolist() == [[2, 1, 0, 2]] and after[2, 1, 0, 2] == 0.5


def test_a_hand_made_filter_for_one_filter_or_all():
    spec = load_preset("slide51_ten_5x5")
    one = editing.set_filter(spec, 0, "sobel_x", out_channel=3)
    weight, _ = editing.current_weights(one, 0)
    sobel5 = np.zeros((5, 5), np.float32)
    sobel5[1:4, 1:4] = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    np.testing.assert_allclose(weight[3, 0], sobel5 / 3, atol=1e-7)
    original, _ = editing.current_weights(spec, 0)
    np.testing.assert_array_equal(weight[4], original[4])  # the other filters keep their numbers
    every = editing.set_filter(spec, 0, "gaussian")
    assert every.layers[0].params["init"] == "gaussian"


def test_reinitialise_is_seeded():
    spec = load_preset("slide51_ten_5x5")
    a, b = editing.reinitialise(spec, 0, 7), editing.reinitialise(spec, 0, 7)
    np.testing.assert_array_equal(editing.current_weights(a, 0)[0], editing.current_weights(b, 0)[0])
    assert not np.array_equal(editing.current_weights(a, 0)[0], editing.current_weights(spec, 0)[0])


OPERATIONS = st.sampled_from(["add", "remove", "move", "param", "undo", "redo", "duplicate", "input"])


@given(st.lists(st.tuples(OPERATIONS, st.integers(0, 10), st.integers(0, 10),
                          st.sampled_from(sorted(LAYER_TYPES))), max_size=25))
def test_random_edits_never_crash_and_undo_returns_to_the_start(steps):
    start = load_preset("typical_convnet")
    history = EditHistory.start(start)
    for operation, a, b, type_name in steps:
        spec = history.current
        count = len(spec.layers)
        try:
            if operation == "add":
                history.apply(editing.add_layer(spec, a % (count + 1), type_name), "add")
            elif operation == "remove" and count:
                history.apply(editing.remove_layer(spec, a % count), "remove")
            elif operation == "move" and count:
                history.apply(editing.move_layer(spec, a % count, b % count), "move")
            elif operation == "duplicate" and count:
                history.apply(editing.duplicate_layer(spec, a % count), "duplicate")
            elif operation == "param" and count:
                layer = spec.layers[a % count]
                params = [p for p in LAYER_TYPES[layer.type].params if p.kind in ("int", "pair")]
                if params:
                    param = params[b % len(params)]
                    history.apply(editing.set_param(spec, a % count, param.name, 1 + b % 4), "param")
            elif operation == "input":
                history.apply(editing.set_input(spec, InputSpec(1 + a % 3, 8 + b, 8 + a)), "input")
            elif operation == "undo":
                history.undo()
            elif operation == "redo":
                history.redo()
        except SpecError:
            pass  # refused values are messages, never crashes
        analyze(history.current)  # every state can be analysed (errors are values)
    while history.can_undo:
        history.undo()
    assert history.current == start
    assert not history.modified


def test_history_knows_about_unsaved_changes():
    history = EditHistory.start(EMPTY)
    assert not history.modified
    history.apply(editing.add_layer(EMPTY, 0, "relu"), "add ReLU")
    assert history.modified and history.undo_label() == "add ReLU"
    history.mark_saved()
    assert not history.modified
    history.undo()
    assert history.modified


def _import_code(code: str, tmp_path, name: str):
    path = tmp_path / f"{name}.py"
    path.write_text(code)
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("preset", ["slide51_ten_5x5", "typical_convnet", "maxout", "grouped", "dilated",
                                    "activation_functions"])
def test_exported_pytorch_code_builds_the_same_network(tmp_path, preset):
    spec = load_preset(preset)
    code = export_torch_code(spec)
    assert "nn.Sequential(" in code
    module = _import_code(code, tmp_path, f"exported_{preset}").build_network()
    geometry = check(spec)
    x = torch.rand(1, *spec.input.shape)
    with torch.no_grad():
        for layer, part in zip(geometry.layers, module):
            x = part(x)
            assert tuple(x.shape[1:]) == layer.output_shape
            assert sum(p.numel() for p in part.parameters()) == layer.params
    if geometry.total_params <= 20_000:  # weights embedded: the same outputs as convviz
        image = np.random.default_rng(0).random(spec.input.shape, dtype=np.float32)
        ours = Runner(spec, "cpu").run(image).outputs[-1]
        with torch.no_grad():
            theirs = module(torch.from_numpy(image)[None])[0].numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)  # float32 through six convs


def test_exported_code_uses_the_lectures_argument_names():
    code = export_torch_code(load_preset("slide51_ten_5x5"))
    assert "nn.Conv2d(in_channels=3, out_channels=10, kernel_size=5, stride=1, padding=2)" in code


def test_npy_weights_for_a_layer(tmp_path):
    spec = load_preset("slide51_ten_5x5")
    weight = np.random.default_rng(0).standard_normal((10, 3, 5, 5)).astype(np.float32)
    np.save(tmp_path / "w.npy", weight)
    loaded = load_layer_weights(spec, 0, tmp_path / "w.npy")
    np.testing.assert_array_equal(build_module(loaded)[0].weight.detach().numpy(), weight)
    np.save(tmp_path / "bad.npy", weight[:, :2])
    with pytest.raises(SpecError, match="10x2x5x5 array but layer 1 .* needs 10x3x5x5"):
        load_layer_weights(spec, 0, tmp_path / "bad.npy")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(SpecError):
        load_layer_weights(spec, 0, tmp_path / "objects.npy")


def test_a_matching_state_dict_loads_and_reproduces_the_outputs(tmp_path):
    spec = load_preset("typical_convnet")
    trained = build_module(spec)
    with torch.no_grad():
        for p in trained.parameters():
            p.add_(0.01)
    torch.save(trained.state_dict(), tmp_path / "trained.pt")
    loaded = load_state_dict(spec, tmp_path / "trained.pt")
    image = np.random.default_rng(1).random(spec.input.shape, dtype=np.float32)
    ours = Runner(loaded, "cpu").run(image).outputs[-1]
    with torch.no_grad():
        theirs = trained(torch.from_numpy(image)[None])[0].numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_a_state_dict_that_does_not_match_is_explained(tmp_path):
    spec = load_preset("slide51_ten_5x5")
    other = build_module(load_preset("typical_convnet"))
    torch.save(other.state_dict(), tmp_path / "other.pt")
    with pytest.raises(SpecError, match="(?s)other.pt does not fit this network; nothing was loaded.*"
                                        "layer 1 \\(conv2d\\): '0.weight' is 16x3x3x3, expected 10x3x5x5"):
        load_state_dict(spec, tmp_path / "other.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(SpecError, match="not a PyTorch state dict"):
        load_state_dict(spec, tmp_path / "junk.pt")


def test_a_pickled_object_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    torch.save({"0.weight": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(SpecError, match="not a PyTorch state dict"):
        load_state_dict(load_preset("slide51_ten_5x5"), tmp_path / "evil.pt")
