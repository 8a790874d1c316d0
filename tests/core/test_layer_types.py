"""Every registered layer type, tested by being registered: layers are generated from its parameter
table (layer_generation.py) and checked against torch itself — shapes and parameter counts, captured
values, receptive fields against autograd, the exported PyTorch code, its tensors through a state
dict and a network file, and the layer table. A type that leaves out a rule fails at registration."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convviz.core.compute import Runner, build_module
from convviz.core.connectivity import related_region
from convviz.core.errors import SpecError
from convviz.core.layers import LAYER_TYPES, LayerType, layer_type, register
from convviz.core.spec import LayerSpec, NetworkSpec
from convviz.core.summary import describe_layer, format_table
from convviz.core.torch_code import EMBED_LIMIT, export_torch_code
from convviz.core.weights_io import load_state_dict
from tests.core.layer_generation import networks_with

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
TYPES = list(LAYER_TYPES)
EXAMPLES = settings(max_examples=12, deadline=None)


def test_the_lecture_and_the_new_types_are_registered():
    assert {"conv2d", "relu", "leaky_relu", "prelu", "sigmoid", "tanh", "elu", "maxout", "maxpool2d",
            "avgpool2d", "flatten", "linear", "softmax", "batchnorm2d", "dropout", "adaptive_avg_pool2d"} <= set(TYPES)


@pytest.mark.parametrize("type_name", TYPES)
def test_every_type_says_everything_about_itself(type_name):
    kind = layer_type(type_name)
    assert kind.name == type_name and kind.title and kind.description
    names = [p.name for p in kind.params]
    assert len(names) == len(set(names))
    assert set(kind.tensors) <= set(names)  # every tensor can be given explicitly in a network file
    assert kind.accepts in ("maps", "flat", "any")
    assert kind.view in (None, "convolution", "pooling", "activation")
    if kind.view == "activation":
        assert kind.explained_as in ("curve", "pieces", "probabilities")
    if kind.view == "pooling":
        assert kind.pooling in ("max", "avg")


def test_a_type_that_leaves_out_a_rule_fails_loudly_at_registration():
    class Half(LayerType):  # no shape rule, no module, no code line
        name = "half"
        title = "Half"

    with pytest.raises(TypeError, match="abstract"):
        register(Half)
    assert "half" not in LAYER_TYPES


def test_an_unknown_type_is_an_error_everywhere_never_a_default():
    with pytest.raises(SpecError, match="unknown layer type 'conv_transpose2d'; known types: conv2d"):
        layer_type("conv_transpose2d")
    with pytest.raises(SpecError, match="layer 2: unknown layer type 'conv_transpose2d'"):
        NetworkSpec.from_dict({"input": {"channels": 3, "height": 8, "width": 8},
                               "layers": [{"type": "relu"}, {"type": "conv_transpose2d", "out_channels": 4}]})
    for odd in (["conv2d"], {"name": "conv2d"}, 3):
        with pytest.raises(SpecError, match="unknown layer type"):
            LayerSpec.from_dict({"type": odd})


@pytest.mark.parametrize("type_name", TYPES)
@EXAMPLES
@given(data=st.data())
def test_shapes_and_parameter_counts_equal_torch(type_name, data):
    spec, geometry = data.draw(networks_with(type_name))
    module = build_module(spec, geometry)
    x = torch.randn(1, *spec.input.shape)
    for layer_geometry, part in zip(geometry.layers, module):
        x = part(x)
        assert tuple(x.shape[1:]) == layer_geometry.output_shape
        assert sum(p.numel() for p in part.parameters()) == layer_geometry.params


@pytest.mark.parametrize("type_name", TYPES)
@EXAMPLES
@given(data=st.data())
def test_captured_values_equal_the_modules_own_forward(type_name, data):
    """The runner (channels-last, layer by layer, inference mode) against torch's plain forward."""
    spec, geometry = data.draw(networks_with(type_name))
    image = np.random.default_rng(data.draw(st.integers(0, 99))).random(spec.input.shape, dtype=np.float32)
    outputs = Runner(spec, "cpu", geometry).run(image).outputs
    module = build_module(spec, geometry)
    x = torch.from_numpy(image)[None]
    with torch.no_grad():
        for output, part in zip(outputs, module):
            x = part(x)
            np.testing.assert_allclose(output, x[0].numpy(), rtol=1e-4, atol=1e-5)


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return None
    return (int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1)


@pytest.mark.parametrize("type_name", TYPES)
@EXAMPLES
@given(data=st.data())
def test_receptive_fields_hold_every_pixel_with_a_gradient(type_name, data):
    spec, geometry = data.draw(networks_with(type_name))
    last = len(geometry.layers) - 1
    shape = geometry.layers[last].output_shape
    unit = tuple(data.draw(st.integers(0, n - 1)) for n in shape)
    model = build_module(spec, geometry).double()
    x = torch.randn(1, *spec.input.shape, dtype=torch.float64, requires_grad=True)
    model(x)[(0, *unit)].backward()
    seen = (x.grad[0] != 0).numpy()
    if len(shape) != 3:
        return  # a flat unit sees the whole input: nothing is boxed
    related = related_region(geometry, last, *unit, -1)
    found = bounding_box(seen.any(axis=0))
    top, left, bottom, right = related.box
    if related.kind == "whole" or bottom <= top or right <= left:
        return
    if found is not None:
        assert related.box[0] <= found[0] and related.box[1] <= found[1]
        assert found[2] <= related.box[2] and found[3] <= related.box[3]
    assert set(np.nonzero(seen.any(axis=(1, 2)))[0]) <= set(related.channels)


@pytest.mark.parametrize("type_name", TYPES)
@EXAMPLES
@given(data=st.data())
def test_exported_pytorch_code_computes_the_same(type_name, data):
    spec, geometry = data.draw(networks_with(type_name))
    namespace: dict = {}
    exec(compile(export_torch_code(spec), "exported.py", "exec"), namespace)  # noqa: S102 - our own output
    model = namespace["build_network"]()
    image = np.random.default_rng(3).random(spec.input.shape, dtype=np.float32)
    with torch.no_grad():
        exported = model(torch.from_numpy(image)[None])[0].numpy()
    assert exported.shape == geometry.output_shape
    if geometry.total_params <= EMBED_LIMIT:
        ours = Runner(spec, "cpu", geometry).run(image).outputs[-1]
        np.testing.assert_allclose(exported, ours, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("type_name", [name for name in TYPES if LAYER_TYPES[name].tensors])
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_tensors_round_trip_through_a_state_dict_and_a_network_file(type_name, data, tmp_path_factory):
    """Trained tensors (random here) saved as torch saves them, loaded into convviz, written to a
    network file and read back: the same outputs as the module they came from."""
    spec, geometry = data.draw(networks_with(type_name))
    module = build_module(spec, geometry)
    generator = torch.Generator().manual_seed(data.draw(st.integers(0, 99)))
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if tensor.is_floating_point():
                values = torch.randn(tensor.shape, generator=generator)
                tensor.copy_(values.abs() + 0.5 if name.endswith("running_var") else values)
    folder = tmp_path_factory.mktemp("tensors")
    torch.save(module.state_dict(), folder / "trained.pth")
    loaded = load_state_dict(spec, folder / "trained.pth")
    loaded.save(folder / "trained.json")
    again = NetworkSpec.load(folder / "trained.json")
    image = np.random.default_rng(5).random(spec.input.shape, dtype=np.float32)
    with torch.no_grad():
        expected = module(torch.from_numpy(image)[None])[0].numpy()
    # float32 sums in another order differ by a few units of the largest terms' last digit, not of the result's
    atol = 1e-5 * max(1.0, float(np.abs(expected).max()))
    for network in (loaded, again):
        np.testing.assert_allclose(Runner(network, "cpu").run(image).outputs[-1], expected, rtol=1e-4, atol=atol)


@pytest.mark.parametrize("type_name", TYPES)
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_every_type_has_its_row_in_the_layer_table(type_name, data):
    spec, geometry = data.draw(networks_with(type_name))
    table = format_table(spec, geometry)
    last = geometry.layers[-1]
    assert type_name in table and "x".join(map(str, last.output_shape)) in table
    assert f"{last.params:,}" in table
    assert describe_layer(spec.layers[-1])
    assert last.params == 0 or math.prod(last.output_shape) > 0
