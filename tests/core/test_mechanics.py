"""The mechanics, step by step, against torch: every dot product, every pooling winner, every curve."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import given
from hypothesis import strategies as st

from convviz.core.compute import build_module
from convviz.core.connectivity import channels_reached, channels_seen
from convviz.core.geometry import check
from convviz.core.mechanics import (
    activation_curve,
    activation_function,
    activation_stats,
    conv_output_map,
    conv_step,
    maxout_stats,
    pool_step,
)
from convviz.core.spec import LayerSpec, NetworkSpec


@st.composite
def conv_layers(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    in_channels = groups * draw(st.integers(1, 2))
    out_channels = groups * draw(st.integers(1, 2))
    height, width = draw(st.integers(3, 12)), draw(st.integers(3, 12))
    kernel = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    dilation = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    stride = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    padding = []
    for axis, n in enumerate((height, width)):
        effective = dilation[axis] * (kernel[axis] - 1) + 1
        fits = [p for p in range(effective + 1) if n - effective + 2 * p >= 0
                and (n - effective + 2 * p) % stride[axis] == 0]
        if not fits:
            stride[axis] = 1
            fits = [p for p in range(effective + 1) if n - effective + 2 * p >= 0]
        padding.append(draw(st.sampled_from(fits)))
    spec = NetworkSpec.from_dict({"input": {"channels": in_channels, "height": height, "width": width}, "layers": [
        {"type": "conv2d", "out_channels": out_channels, "kernel_size": kernel, "stride": stride,
         "padding": padding, "dilation": dilation, "groups": groups, "seed": draw(st.integers(0, 99))}]})
    volume = np.random.default_rng(draw(st.integers(0, 999))).standard_normal((in_channels, height, width)).astype(
        np.float32)
    return spec, volume


@given(conv_layers())
def test_every_step_of_a_convolution_equals_torch(case):
    spec, volume = case
    geometry = check(spec).layers[0]
    conv = build_module(spec)[0]
    weight = conv.weight.detach().numpy()
    bias = conv.bias.detach().numpy()
    expected = F.conv2d(torch.from_numpy(volume)[None], conv.weight, conv.bias, stride=conv.stride,
                        padding=conv.padding, dilation=conv.dilation, groups=conv.groups)[0].detach().numpy()
    window = geometry.window
    out_h, out_w = window.output_size
    for out_channel in range(expected.shape[0]):
        for step in range(window.steps):
            detail = conv_step(volume, weight, bias, geometry, out_channel, step)
            row, col = divmod(step, out_w)
            assert (detail.window.out_row, detail.window.out_col) == (row, col)
            assert (detail.window.top, detail.window.left) == (row * window.stride[0], col * window.stride[1])
            assert detail.value == pytest.approx(float(expected[out_channel, row, col]), abs=1e-4)
            assert detail.channel_sums.sum() + detail.bias == pytest.approx(detail.value, abs=1e-4)
        # the padded border: P zeros on every side
        top, left, bottom, right = window.padding
        assert window.padded_size == (volume.shape[1] + top + bottom, volume.shape[2] + left + right)


@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(1, 2), st.integers(3, 9),
       st.integers(0, 99))
def test_padding_same_every_step_equals_torch_even_when_uneven(channels, kernel_h, kernel_w, dilation, size, seed):
    """torch's padding="same": total D(F-1) zeros, the odd one after (bottom/right). Every dot product
    of the view equals torch's own padding="same" convolution."""
    spec = NetworkSpec.from_dict({"input": {"channels": channels, "height": size, "width": size + 1}, "layers": [
        {"type": "conv2d", "out_channels": 2, "kernel_size": [kernel_h, kernel_w], "padding": "same",
         "dilation": dilation, "seed": seed}]})
    geometry = check(spec).layers[0]
    conv = build_module(spec)[0]
    volume = np.random.default_rng(seed).standard_normal((channels, size, size + 1)).astype(np.float32)
    expected = F.conv2d(torch.from_numpy(volume)[None], conv.weight, conv.bias, padding="same",
                        dilation=dilation)[0].detach().numpy()
    assert expected.shape[1:] == geometry.window.output_size == (size, size + 1)
    weight, bias = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    for out_channel in range(2):
        for step in range(geometry.window.steps):
            detail = conv_step(volume, weight, bias, geometry, out_channel, step)
            row, col = divmod(step, size + 1)
            assert detail.value == pytest.approx(float(expected[out_channel, row, col]), abs=1e-4)


@given(conv_layers())
def test_taps_in_the_padding_are_zeros_and_marked(case):
    spec, volume = case
    geometry = check(spec).layers[0]
    conv = build_module(spec)[0]
    window = geometry.window
    for step in range(window.steps):
        detail = conv_step(volume, conv.weight.detach().numpy(), None, geometry, 0, step)
        rows = np.asarray(detail.window.rows) - window.pad_before[0]
        cols = np.asarray(detail.window.cols) - window.pad_before[1]
        outside = ((rows < 0) | (rows >= volume.shape[1]))[:, None] | ((cols < 0) | (cols >= volume.shape[2]))[None]
        np.testing.assert_array_equal(detail.in_padding, outside)
        assert (detail.patch[:, outside] == 0).all()


def test_groups_use_only_the_filters_group_of_channels():
    spec = NetworkSpec.from_dict({"input": {"channels": 4, "height": 5, "width": 5}, "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "groups": 2}]})
    layer = check(spec).layers[0]
    conv = build_module(spec)[0]
    volume = np.ones((4, 5, 5), np.float32)
    assert conv_step(volume, conv.weight.detach().numpy(), None, layer, 3, 0).in_channels == (2, 3)


def test_the_slide_51_filter_spans_all_three_colour_channels():
    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 32, "width": 32}, "layers": [
        {"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2}]})
    layer = check(spec).layers[0]
    conv = build_module(spec)[0]
    volume = np.random.default_rng(0).random((3, 32, 32), dtype=np.float32)
    detail = conv_step(volume, conv.weight.detach().numpy(), conv.bias.detach().numpy(), layer, 4, 0)
    assert detail.in_channels == (0, 1, 2) and detail.patch.shape == (3, 5, 5)
    # the top-left window hangs two cells into the padding on both sides
    assert detail.in_padding[:2].all() and detail.in_padding[:, :2].all() and not detail.in_padding[2:, 2:].any()


def test_true_convolution_flips_the_kernel_and_differs_from_torch():
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 7, "width": 7}, "layers": [
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "init": "sobel_x", "bias": False}]})
    layer = check(spec).layers[0]
    weight = build_module(spec)[0].weight.detach().numpy()
    volume = np.tile(np.arange(7, dtype=np.float32), (1, 7, 1))  # brighter to the right
    correlation = conv_step(volume, weight, None, layer, 0, 0)
    convolution = conv_step(volume, weight, None, layer, 0, 0, flip=True)
    np.testing.assert_array_equal(convolution.kernel, weight[0][:, ::-1, ::-1])
    assert correlation.value > 0 and convolution.value == pytest.approx(-correlation.value)
    flipped = conv_output_map(volume, weight, None, layer, 0, flip=True)
    expected = F.conv2d(torch.from_numpy(volume)[None], torch.from_numpy(weight[:, :, ::-1, ::-1].copy()))
    np.testing.assert_allclose(flipped, expected[0, 0].numpy(), atol=1e-5)


class CountingVolume(np.ndarray):
    """A volume that counts how many values indexing hands out (what a step really reads)."""

    read = 0

    def __getitem__(self, key):
        part = super().__getitem__(key)
        CountingVolume.read += int(np.size(part))
        return part


def test_scrubbing_any_step_of_a_224_layer_costs_the_same():
    """Work per step does not depend on the layer's size or the step number: the first and the last
    step of a 224x224 layer each read the window's 3x3x3 values, not the map."""
    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 224, "width": 224}, "layers": [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1},
        {"type": "maxpool2d", "kernel_size": 2}]})
    conv, pool = check(spec).layers
    weight = build_module(spec)[0].weight.detach().numpy()
    volume = np.random.default_rng(0).random((3, 224, 224), dtype=np.float32).view(CountingVolume)
    reads = []
    for step in (0, conv.window.steps // 2, conv.window.steps - 1):
        CountingVolume.read = 0
        detail = conv_step(volume, weight, None, conv, 0, step)
        reads.append(CountingVolume.read)
    assert (detail.window.out_row, detail.window.out_col) == (223, 223)
    assert reads[0] == reads[1] == reads[2] <= 3 * 3 * 3 * 2
    maps = np.random.default_rng(1).random((2, 224, 224), dtype=np.float32).view(CountingVolume)
    for step in (0, pool.window.steps - 1):
        CountingVolume.read = 0
        pool_step(maps, pool, 1, step)
        assert CountingVolume.read <= 2 * 2 * 2


@st.composite
def pool_cases(draw):
    height, width = draw(st.integers(2, 10)), draw(st.integers(2, 10))
    kernel = draw(st.integers(1, min(3, height, width)))
    stride = draw(st.integers(1, 3))
    padding = draw(st.integers(0, kernel // 2))
    kind = draw(st.sampled_from(["maxpool2d", "avgpool2d"]))
    spec = NetworkSpec.from_dict({"input": {"channels": 2, "height": height, "width": width}, "layers": [
        {"type": kind, "kernel_size": kernel, "stride": stride, "padding": padding}]})
    rng = np.random.default_rng(draw(st.integers(0, 999)))
    volume = rng.integers(-3, 4, (2, height, width)).astype(np.float32)  # ties happen: torch's rule decides
    return spec, volume


@given(pool_cases())
def test_pooling_winners_and_means_equal_torch(case):
    spec, volume = case
    layer = check(spec).layers[0]
    x = torch.from_numpy(volume)[None]
    p = spec.layers[0]
    kernel, stride, padding = p.pair("kernel_size"), layer.window.stride, p.pair("padding")
    if p.type == "maxpool2d":
        values, indices = F.max_pool2d(x, kernel, stride, padding, return_indices=True)
    else:
        values, indices = F.avg_pool2d(x, kernel, stride, padding), None
    out_w = layer.window.output_size[1]
    for channel in range(2):
        for step in range(layer.window.steps):
            detail = pool_step(volume, layer, channel, step)
            row, col = divmod(step, out_w)
            assert detail.value == pytest.approx(float(values[0, channel, row, col]), abs=1e-6)
            if indices is not None:
                winner = divmod(int(indices[0, channel, row, col]), volume.shape[2])
                assert detail.winner == winner


def test_lecture_max_pool_example():
    """Slide 78: 2x2 max pool, stride 2 over [[1,1,2,4],[5,6,7,8],[3,2,1,0],[1,2,3,4]] -> [[6,8],[3,4]]."""
    volume = np.array([[[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]], np.float32)
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 4, "width": 4}, "layers": [
        {"type": "maxpool2d", "kernel_size": 2, "stride": 2}]})
    layer = check(spec).layers[0]
    assert [pool_step(volume, layer, 0, s).value for s in range(4)] == [6, 8, 3, 4]
    assert [pool_step(volume, layer, 0, s).winner for s in range(4)] == [(1, 1), (1, 3), (2, 0), (3, 3)]


def curve(layer: dict, x: np.ndarray, channels: int = 1, channel: int = 0):
    """activation_curve for ``layer`` in a small network of ``channels`` input maps."""
    spec = NetworkSpec.from_dict({"input": {"channels": channels, "height": 4, "width": 4}, "layers": [layer]})
    return activation_curve(spec.layers[0], check(spec).layers[0], x, channel)


@pytest.mark.parametrize(
    ("layer", "torch_fn"),
    [
        ({"type": "sigmoid"}, torch.sigmoid),
        ({"type": "tanh"}, torch.tanh),
        ({"type": "relu"}, F.relu),
        ({"type": "leaky_relu", "negative_slope": 0.1}, lambda t: F.leaky_relu(t, 0.1)),
        ({"type": "elu", "alpha": 0.7}, lambda t: F.elu(t, 0.7)),
        ({"type": "prelu", "init": 0.2}, lambda t: F.prelu(t, torch.tensor([0.2]))),
    ],
)
def test_activation_curves_and_gradients_equal_torch(layer, torch_fn):
    """The view's curve comes from the layer's own module; the oracle is torch.nn.functional."""
    x = np.linspace(-10, 10, 201, dtype=np.float32)
    y, dy = curve(layer, x)
    t = torch.tensor(x, requires_grad=True)
    torch_fn(t).sum().backward()
    np.testing.assert_allclose(y, torch_fn(torch.tensor(x)).numpy(), atol=1e-6)
    np.testing.assert_allclose(dy, t.grad.numpy(), atol=1e-6)


def test_prelu_curve_uses_each_channels_own_learned_alpha():
    alphas = [0.1, 0.5, -0.3]
    layer = {"type": "prelu", "num_parameters": 3, "weight": alphas}
    x = np.array([-2.0, -1.0, 1.0], np.float32)
    for channel, alpha in enumerate(alphas):
        y, dy = curve(layer, x, channels=3, channel=channel)
        expected = F.prelu(torch.tensor(x)[None, :, None].expand(3, 3, 1).transpose(0, 1),
                           torch.tensor(alphas))[:, channel, 0].numpy()
        np.testing.assert_allclose(y, expected, atol=1e-6)
        np.testing.assert_allclose(dy, [alpha, alpha, 1.0], atol=1e-6)


def test_lecture_sigmoid_questions_at_minus_ten_zero_and_ten():
    y, dy = curve({"type": "sigmoid"}, np.array([-10.0, 0.0, 10.0], np.float32))
    assert dy[1] == pytest.approx(0.25) and dy[0] < 1e-4 and dy[2] < 1e-4  # saturated: gradient killed
    assert y[1] == pytest.approx(0.5)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_saturation_thresholds_are_where_torchs_gradient_falls_below_ten_percent(name):
    """Worked out with torch autograd here, not copied from the code: |x| where f' < 10% of f'(0)."""
    t = torch.linspace(0, 10, 100001, requires_grad=True)
    getattr(torch, name)(t).sum().backward()
    grad = t.grad.numpy()
    edge = float(t.detach().numpy()[np.argmax(grad < 0.1 * grad[0])])
    low, high = activation_function(LayerSpec.from_dict({"type": name})).quiet
    assert high == pytest.approx(edge, abs=0.01) and low == pytest.approx(-edge, abs=0.01)


def test_dead_relu_fraction_counts_negative_inputs():
    function = activation_function(LayerSpec.from_dict({"type": "relu"}))
    values = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 3.0, 4.0, 5.0], np.float32)
    stats = activation_stats(values, function)
    assert stats.quiet_fraction == pytest.approx(3 / 8)
    assert stats.counts.sum() == 8


def test_saturated_sigmoid_fraction_counts_both_ends():
    function = activation_function(LayerSpec.from_dict({"type": "sigmoid"}))
    stats = activation_stats(np.array([-10, -5, 0, 1, 5, 10], np.float32), function)
    assert stats.low_fraction == pytest.approx(2 / 6) and stats.high_fraction == pytest.approx(2 / 6)


def test_maxout_win_fractions():
    pre = np.zeros((4, 2, 2), np.float32)
    pre[1] = 1.0  # piece 1 of the first pair always wins
    pre[2] = 1.0  # piece 0 of the second pair always wins
    stats = maxout_stats(pre, 2)
    np.testing.assert_allclose(stats.win_fraction, [0.5, 0.5])


def test_channels_seen_through_conv_pool_and_maxout():
    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 8, "width": 8}, "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "conv2d", "out_channels": 4, "kernel_size": 1, "groups": 2},
        {"type": "maxout", "pieces": 2}]})
    geometry = check(spec)
    assert list(channels_seen(geometry, 1, 1, 2)) == [2]  # pooling: the same map
    assert list(channels_seen(geometry, 1, 2, 3)) == [2, 3]  # groups=2: the filter's half
    assert list(channels_seen(geometry, 1, 3, 1)) == [2, 3]  # maxout unit 1 = pieces 2, 3 = group 2
    assert list(channels_seen(geometry, -1, 3, 0)) == [0, 1, 2]  # through the first conv: every colour
    assert channels_reached(geometry, 1, 2, 0) == [0, 1]
