"""For many generated networks: convviz's geometry equals torch's shapes and parameter counts, and every
captured layer output equals an independent ``torch.nn.functional`` computation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import given
from hypothesis import strategies as st

from convviz.core.compute import Runner, build_module, select_device
from convviz.core.errors import GeometryError
from convviz.core.geometry import analyze, check
from convviz.core.spec import NetworkSpec


@st.composite
def networks(draw) -> NetworkSpec:
    channels = draw(st.integers(1, 4))
    height, width = draw(st.integers(6, 20)), draw(st.integers(6, 20))
    shape = [channels, height, width]
    layers: list[dict] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["conv2d", "conv2d", "pool", "act", "maxout"]))
        c, h, w = shape
        if kind == "conv2d":
            kernel = [draw(st.integers(1, 4)), draw(st.integers(1, 4))]
            dilation = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
            stride = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
            padding = []
            for axis, n in enumerate((h, w)):
                effective = dilation[axis] * (kernel[axis] - 1) + 1
                fits = [p for p in range(effective) if n - effective + 2 * p >= 0
                        and (n - effective + 2 * p) % stride[axis] == 0]
                if not fits:
                    stride[axis] = 1
                    fits = [p for p in range(effective) if n - effective + 2 * p >= 0]
                padding.append(draw(st.sampled_from(fits)))
            groups = draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))
            out = groups * draw(st.integers(1, 3))
            layer = {"type": "conv2d", "out_channels": out, "kernel_size": kernel, "stride": stride,
                     "padding": padding, "dilation": dilation, "groups": groups, "bias": draw(st.booleans()),
                     "seed": draw(st.integers(0, 50))}
            if draw(st.booleans()) and min(kernel) >= 3:
                layer["init"] = draw(st.sampled_from(["sobel_x", "laplacian", "gaussian", "identity"]))
            layers.append(layer)
            out_h = (h + 2 * padding[0] - (dilation[0] * (kernel[0] - 1) + 1)) // stride[0] + 1
            out_w = (w + 2 * padding[1] - (dilation[1] * (kernel[1] - 1) + 1)) // stride[1] + 1
            shape = [out, out_h, out_w]
        elif kind == "pool" and min(h, w) >= 2:
            kernel = draw(st.integers(1, 2))
            stride = draw(st.integers(1, 2))
            padding = draw(st.integers(0, kernel // 2))
            layers.append({"type": draw(st.sampled_from(["maxpool2d", "avgpool2d"])), "kernel_size": kernel,
                           "stride": stride, "padding": padding})
            shape = [c, (h + 2 * padding - kernel) // stride + 1, (w + 2 * padding - kernel) // stride + 1]
        elif kind == "maxout" and c % 2 == 0:
            layers.append({"type": "maxout", "pieces": 2})
            shape = [c // 2, h, w]
        else:
            layers.append(draw(st.sampled_from([
                {"type": "relu"}, {"type": "sigmoid"}, {"type": "tanh"},
                {"type": "leaky_relu", "negative_slope": 0.1}, {"type": "elu", "alpha": 0.5},
                {"type": "prelu", "init": 0.2}])))
    if draw(st.booleans()):
        layers += [{"type": "flatten"}, {"type": "linear", "out_features": draw(st.integers(1, 5)), "seed": 3}]
        if draw(st.booleans()):
            layers.append({"type": "softmax"})
    return NetworkSpec.from_dict({"name": "generated", "input": {"channels": channels, "height": height,
                                                                 "width": width}, "layers": layers})


def functional_forward(spec: NetworkSpec, module: torch.nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """The same network computed with torch.nn.functional alone (weights read from the module)."""
    outputs = []
    for layer, torch_layer in zip(spec.layers, module):
        p = layer.params
        if layer.type == "conv2d":
            x = F.conv2d(x, torch_layer.weight, torch_layer.bias, stride=layer.pair("stride"),
                         padding=layer.pair("padding"), dilation=layer.pair("dilation"), groups=p["groups"])
        elif layer.type in ("maxpool2d", "avgpool2d"):
            kernel = layer.pair("kernel_size")
            stride = kernel if p["stride"] is None else layer.pair("stride")
            pool = F.max_pool2d if layer.type == "maxpool2d" else F.avg_pool2d
            x = pool(x, kernel, stride, layer.pair("padding"))
        elif layer.type == "relu":
            x = F.relu(x)
        elif layer.type == "sigmoid":
            x = torch.sigmoid(x)
        elif layer.type == "tanh":
            x = torch.tanh(x)
        elif layer.type == "leaky_relu":
            x = F.leaky_relu(x, p["negative_slope"])
        elif layer.type == "elu":
            x = F.elu(x, p["alpha"])
        elif layer.type == "prelu":
            x = F.prelu(x, torch.full((p["num_parameters"],), p["init"]))
        elif layer.type == "maxout":
            n, c, h, w = x.shape
            x = torch.stack([x[:, i::p["pieces"]] for i in range(p["pieces"])], 0).amax(0)
        elif layer.type == "flatten":
            x = x.reshape(x.shape[0], -1)
        elif layer.type == "linear":
            x = F.linear(x, torch_layer.weight, torch_layer.bias)
        elif layer.type == "softmax":
            x = F.softmax(x, dim=1)
        outputs.append(x)
    return outputs


@given(networks())
def test_geometry_equals_torch_shapes_and_parameter_counts(spec):
    geometry = check(spec)
    module = build_module(spec, geometry)
    x = torch.zeros(1, *spec.input.shape)
    for layer_geometry, torch_layer in zip(geometry.layers, module):
        x = torch_layer(x)
        assert tuple(x.shape[1:]) == layer_geometry.output_shape
        assert sum(p.numel() for p in torch_layer.parameters()) == layer_geometry.params
    assert geometry.total_params == sum(p.numel() for p in module.parameters())


@given(networks(), st.integers(0, 2**31 - 1))
def test_every_captured_output_equals_functional_torch(spec, seed):
    image = np.random.default_rng(seed).random(spec.input.shape, dtype=np.float32)
    runner = Runner(spec, "cpu")
    activations = runner.run(image)
    with torch.no_grad():
        expected = functional_forward(spec, runner.module, torch.from_numpy(image)[None])
    assert len(activations.outputs) == len(expected) == len(spec.layers)
    for got, want in zip(activations.outputs, expected):
        np.testing.assert_allclose(got, want[0].numpy(), rtol=1e-5, atol=1e-5)


def test_maxout_is_the_max_over_consecutive_channel_groups():
    """Maxout pairs channels (0,1), (2,3)...: max(w1^T x + b1, w2^T x + b2) per the lecture."""
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 4, "width": 4}, "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 1, "seed": 2}, {"type": "maxout", "pieces": 2}]})
    out = Runner(spec, "cpu").run(np.random.default_rng(0).random((1, 4, 4), dtype=np.float32)).outputs
    conv, maxout = out
    np.testing.assert_allclose(maxout[0], np.maximum(conv[0], conv[1]))
    np.testing.assert_allclose(maxout[1], np.maximum(conv[2], conv[3]))


def test_kaiming_init_is_seeded_and_reproducible():
    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 8, "width": 8}, "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "seed": 7}]})
    a, b = build_module(spec), build_module(spec)
    torch.testing.assert_close(a[0].weight, b[0].weight)
    other = NetworkSpec.from_dict({**spec.to_dict(), "layers": [{**spec.layers[0].to_dict(), "seed": 8}]})
    assert not torch.equal(build_module(other)[0].weight, a[0].weight)


def test_hand_made_filters_are_applied_to_every_input_channel():
    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 8, "width": 8}, "layers": [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "init": ["sobel_x", "identity"]}]})
    weight = build_module(spec)[0].weight.detach().numpy()
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32) / 3
    for channel in range(3):
        np.testing.assert_allclose(weight[0, channel], sobel)
    # identity over three channels averages them: a grey copy of the input
    image = np.random.default_rng(1).random((3, 8, 8), dtype=np.float32)
    out = Runner(spec, "cpu").run(image).outputs[0]
    np.testing.assert_allclose(out[1], image.mean(0)[1:-1, 1:-1], rtol=1e-5, atol=1e-6)


def test_runner_stops_before_a_layer_that_cannot_work():
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 7, "width": 7}, "layers": [
        {"type": "relu"}, {"type": "conv2d", "out_channels": 1, "kernel_size": 9}, {"type": "relu"}]})
    runner = Runner(spec, "cpu")
    assert runner.geometry.error is not None and runner.geometry.error.layer == 1
    assert "larger than the 7x7 input" in str(runner.geometry.error)
    assert len(runner.run(np.zeros((1, 7, 7), np.float32)).outputs) == 1


def test_a_stride_that_does_not_fit_runs_as_torch_runs_it_with_a_warning():
    """The lecture's 7x7 / 3x3 / stride 3: torch floors 2.33 to 2; convviz runs it and warns."""
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 7, "width": 7}, "layers": [
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 3, "seed": 4}]})
    geometry = analyze(spec)
    assert geometry.error is None and len(geometry.warnings) == 1
    assert "2.33" in str(geometry.warnings[0]) and "Padding 1 would fit" in str(geometry.warnings[0])
    image = np.random.default_rng(2).random((1, 7, 7), dtype=np.float32)
    out = Runner(spec, "cpu").run(image).outputs[0]
    module = build_module(spec)
    expected = F.conv2d(torch.from_numpy(image)[None], module[0].weight, module[0].bias, stride=3)[0].detach().numpy()
    assert out.shape == expected.shape == (1, 2, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    window = geometry.layers[0].window
    assert list(window.unvisited(0)) == [6] and list(window.unvisited(1)) == [6]  # row 7 and column 7
    strict = analyze(spec, strict=True)
    assert strict.error is not None and "2.33" in str(strict.error) and not strict.layers


def test_cuda_request_without_cuda_falls_back_to_cpu_with_a_message(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    choice = select_device("cuda")
    assert choice.device.type == "cpu"
    assert "CUDA is not available" in choice.message
    auto = select_device("auto")
    assert auto.device.type == "cpu" and auto.message is None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_outputs_equal_cpu_outputs():
    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 16, "width": 16}, "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1}, {"type": "relu"}]})
    image = np.random.default_rng(0).random((3, 16, 16), dtype=np.float32)
    cpu = Runner(spec, "cpu").run(image).outputs
    cuda = Runner(spec, "cuda").run(image).outputs
    for a, b in zip(cpu, cuda):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("layer, strict", [
    ({"type": "conv2d", "out_channels": 1, "kernel_size": 9}, False),  # larger than the input
    ({"type": "conv2d", "out_channels": 2, "kernel_size": 3, "groups": 2}, False),  # 1 channel in 2 groups
    ({"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 3}, True),  # the lecture's 2.33
])
def test_analyze_gives_the_same_error_as_check(layer, strict):
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 7, "width": 7},
                                  "layers": [{"type": "relu"}, layer]})
    found = analyze(spec, strict=strict).error
    assert found is not None and found.layer == 1
    with pytest.raises(GeometryError) as raised:
        check(spec, strict=strict)
    assert str(raised.value) == str(found) and raised.value.layer == 1
