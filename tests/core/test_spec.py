"""Network files: what is accepted, what is refused and how the refusal reads."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from convviz.core.atomic import WriteError
from convviz.core.errors import SpecError
from convviz.core.spec import InputSpec, LayerSpec, NetworkSpec

SLIDE_51 = {
    "name": "slide 51: ten 5x5 filters, stride 1, pad 2",
    "input": {"channels": 3, "height": 32, "width": 32},
    "layers": [
        {"type": "conv2d", "out_channels": 10, "kernel_size": 5, "stride": 1, "padding": 2,
         "dilation": 1, "groups": 1, "bias": True, "init": "kaiming", "seed": 0},
        {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
    ],
}


def test_the_issue_example_parses_and_round_trips(tmp_path):
    spec = NetworkSpec.from_dict(SLIDE_51)
    assert spec.layers[0].params["out_channels"] == 10
    path = tmp_path / "net.json"
    spec.save(path)
    assert NetworkSpec.load(path) == spec
    assert json.loads(path.read_text())["layers"][0]["kernel_size"] == 5


def test_torch_defaults_fill_in_missing_optional_keys():
    layer = LayerSpec.create("conv2d", {"out_channels": 4, "kernel_size": 3})
    assert layer.params["stride"] == 1 and layer.params["padding"] == 0 and layer.params["groups"] == 1
    assert layer.params["bias"] is True and layer.params["init"] == "kaiming"


def test_pairs_accept_one_number_or_height_width():
    layer = LayerSpec.create("conv2d", {"out_channels": 4, "kernel_size": [3, 5], "stride": 2})
    assert layer.pair("kernel_size") == (3, 5)
    assert layer.pair("stride") == (2, 2)


@pytest.mark.parametrize(
    ("layer", "words"),
    [
        ({"type": "conv2d", "kernel_size": 3}, ["layer 1 (conv2d)", "missing key 'out_channels'"]),
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "strid": 2}, ["unknown key 'strid'"]),
        ({"type": "conv2d", "out_channels": "four", "kernel_size": 3}, ["'out_channels'", "whole number"]),
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 0}, ["'kernel_size'", "at least 1"]),
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": "full"}, ["'padding'"]),
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "bias": "yes"}, ["'bias'"]),
        ({"type": "conv2d", "out_channels": 4, "kernel_size": 3, "init": "sobel_z"}, ["'sobel_z'"]),
        ({"type": "maxpool2d", "kernel_size": 2, "padding": "same"}, ["'padding'"]),
        ({"type": "leaky_relu", "negative_slope": "steep"}, ["'negative_slope'", "number"]),
        ({"type": "maxout"}, ["missing key 'pieces'"]),
        ({"type": "dropin"}, ["unknown layer type 'dropin'", "dropout"]),
        ({"kernel_size": 3}, ["missing key 'type'"]),
        ([1, 2], ["must be an object"]),
    ],
)
def test_malformed_layers_name_the_layer_and_the_key(layer, words):
    data = {"input": {"channels": 3, "height": 8, "width": 8}, "layers": [layer]}
    with pytest.raises(SpecError) as caught:
        NetworkSpec.from_dict(data)
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ({"layers": []}, "missing key 'input'"),
        ({"input": {"channels": 3, "height": 8}, "layers": []}, "missing key 'width'"),
        ({"input": {"channels": 0, "height": 8, "width": 8}, "layers": []}, "'channels'"),
        ({"input": {"channels": 3, "height": 8, "width": 8}}, "missing key 'layers'"),
        ({"input": {"channels": 3, "height": 8, "width": 8}, "layers": {}}, "list"),
        ({"input": {"channels": 3, "height": 8, "width": 8}, "layers": [], "extra": 1}, "unknown key 'extra'"),
    ],
)
def test_malformed_networks_are_explained(data, word):
    with pytest.raises(SpecError, match=None) as caught:
        NetworkSpec.from_dict(data)
    assert word in str(caught.value)


def test_a_file_that_is_not_json_says_where(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"input": {"channels": 3,,}')
    with pytest.raises(SpecError) as caught:
        NetworkSpec.load(path)
    assert "not valid JSON" in str(caught.value) and "line 1" in str(caught.value)


def test_a_missing_file_is_explained(tmp_path):
    with pytest.raises(SpecError, match="nope.json: no such file"):
        NetworkSpec.load(tmp_path / "nope.json")


def test_pipes_devices_folders_and_huge_files_are_refused_before_reading(tmp_path):
    """Never opened (a FIFO would block forever, /dev/zero never ends), never read whole."""
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="net.json is a pipe, not a regular file"):
        NetworkSpec.load(fifo)
    with pytest.raises(SpecError, match="zero is a device, not a regular file"):
        NetworkSpec.load("/dev/zero")
    with pytest.raises(SpecError, match="is a folder"):
        NetworkSpec.load(tmp_path)
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:  # sparse: 200 MB declared, nothing written
        handle.truncate(200 * 2**20)
    with pytest.raises(SpecError, match="big.json is 200 MiB; convviz reads a network file of up to 64 MiB"):
        NetworkSpec.load(big)
    (tmp_path / "empty.json").write_bytes(b"")
    with pytest.raises(SpecError, match="empty"):
        NetworkSpec.load(tmp_path / "empty.json")


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"type": "conv2d", "out_channels": '
     + "9" * 5000 + ', "kernel_size": 3}]}', "not a network file convviz can read"),
    ('{"input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"type": ["conv2d"]}]}', "unknown layer type"),
    ('{"input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"type": {"a": 1}}]}', "unknown layer type"),
    ('{"input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"type": "conv2d", "out_channels": 4, '
     '"kernel_size": 3, "seed": 1000000000000000000000000000000}]}', "'seed' must be at most 2,147,483,647"),
    ('{"input": {"channels": 3, "height": 8, "width": 8}, "layers": [{"type": "conv2d", "out_channels": 1e9, '
     '"kernel_size": 3}]}', "'out_channels' must be a whole number"),
    ('{"input": {"channels": 3, "height": 100001, "width": 8}, "layers": []}', "'height' must be a whole number"),
    ('{"input": {"channels": 3, "height": 8, "width": 8}, "layers": [' + '{"type": "relu"},' * 1500
     + '{"type": "relu"}]}', "1,501 layers; convviz shows networks of up to 1,000"),
])
def test_hostile_network_files_get_a_message_not_a_traceback(tmp_path, text, words):
    path = tmp_path / "hostile.json"
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        NetworkSpec.load(path)
    assert words in str(raised.value) and len(str(raised.value)) < 600


def test_explicit_weights_are_kept_exactly(tmp_path):
    weight = np.arange(2 * 1 * 3 * 3, dtype=np.float32).reshape(2, 1, 3, 3) / 10
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 5, "width": 5}, "layers": [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "weight": weight.tolist(), "bias": [0.5, -0.5]}]})
    path = tmp_path / "w.json"
    spec.save(path)
    again = NetworkSpec.load(path)
    np.testing.assert_array_equal(again.layers[0].params["weight"], weight)
    np.testing.assert_array_equal(again.layers[0].params["bias"], [0.5, -0.5])
    assert again == spec
    assert "0.1," in path.read_text()  # shortest decimals, not 0.10000000149011612


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    spec = NetworkSpec.from_dict(SLIDE_51)
    path = tmp_path / "net.json"
    spec.save(path)
    before = path.read_text()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    changed = NetworkSpec.from_dict({**SLIDE_51, "name": "changed"})
    with pytest.raises(WriteError, match="the disk is full; nothing was changed"):
        changed.save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]


def test_input_size_parses_like_the_command_line():
    assert InputSpec.parse("3x32x32").shape == (3, 32, 32)
    with pytest.raises(SpecError):
        InputSpec.parse("32x32")


def test_layer_equality_compares_weights_by_value():
    a = LayerSpec.create("conv2d", {"out_channels": 1, "kernel_size": 1, "weight": [[[[1.0]]]]})
    b = LayerSpec.create("conv2d", {"out_channels": 1, "kernel_size": 1, "weight": [[[[1.0]]]]})
    c = LayerSpec.create("conv2d", {"out_channels": 1, "kernel_size": 1, "weight": [[[[2.0]]]]})
    assert a == b and a != c
