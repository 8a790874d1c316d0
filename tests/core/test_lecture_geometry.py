"""The lecture's worked examples, one test each, checked against torch's own shapes where torch has one."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convviz.core.errors import GeometryError
from convviz.core.geometry import analyze, check
from convviz.core.spec import NetworkSpec
from convviz.core.windows import conv_output_size


def net(channels: int, size: int, *layers: dict) -> NetworkSpec:
    return NetworkSpec.from_dict({"name": "t", "input": {"channels": channels, "height": size, "width": size},
                                  "layers": list(layers)})


def conv(out: int, kernel: int, stride: int = 1, padding: int | str = 0, **extra) -> dict:
    return {"type": "conv2d", "out_channels": out, "kernel_size": kernel, "stride": stride, "padding": padding,
            **extra}


def torch_shape(module: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(module(torch.zeros(1, *shape)).shape[1:])


def test_seven_by_seven_stride_one_gives_five():
    geometry = check(net(1, 7, conv(1, 3, 1)))
    assert geometry.layers[0].output_shape == (1, 5, 5)
    assert torch_shape(nn.Conv2d(1, 1, 3, 1), (1, 7, 7)) == (1, 5, 5)
    assert geometry.layers[0].window.formula(1) == "(7 - 3)/1 + 1 = 5"


def test_seven_by_seven_stride_two_gives_three():
    geometry = check(net(1, 7, conv(1, 3, 2)))
    assert geometry.layers[0].output_shape == (1, 3, 3)
    assert torch_shape(nn.Conv2d(1, 1, 3, 2), (1, 7, 7)) == (1, 3, 3)
    assert geometry.layers[0].window.formula(1) == "(7 - 3)/2 + 1 = 3"


def test_seven_by_seven_stride_three_does_not_fit():
    geometry = analyze(net(1, 7, conv(1, 3, 3)))
    assert geometry.error is None  # torch runs it: the lecture's objection is a warning...
    assert geometry.layers[0].output_shape == (1, 2, 2) == torch_shape(nn.Conv2d(1, 1, 3, 3), (1, 7, 7))
    error = geometry.layers[0].warning
    assert isinstance(error, GeometryError)
    assert error.layer == 0 and error.key == "stride"
    message = str(error)
    assert "3x3 filter, stride 3 does not fit a 7x7 input" in message
    assert "(7 - 3)/3 + 1 = 2.33" in message
    # convviz offers the nearest padding that fits, and that padding really fits in torch
    assert "Padding 1 would fit" in message
    assert torch_shape(nn.Conv2d(1, 1, 3, 3, padding=1), (1, 7, 7)) == (1, 3, 3)
    assert conv_output_size(7, 3, 3) == pytest.approx(2.333, abs=1e-3)
    with pytest.raises(GeometryError):  # ...and an error when asked to be strict (convviz info --strict)
        check(net(1, 7, conv(1, 3, 3)), strict=True)
    # what torch leaves out, in words a lecturer reads aloud: one row is 'the last row', not 'the last 1 row'
    notes = geometry.layers[0].notes
    assert "the filter never reaches the last row (row 7 of 7)" in notes[0]
    assert "the filter never reaches the last column (column 7 of 7)" in notes[1]
    wide = analyze(net(1, 8, conv(1, 3, 3, dilation=1), {"type": "maxpool2d", "kernel_size": 2}))
    assert "never reaches the last 2 rows (rows 7-8 of 8)" in wide.layers[0].notes[0]


def test_zero_padding_one_keeps_seven():
    geometry = check(net(1, 7, conv(1, 3, 1, 1)))
    assert geometry.layers[0].output_shape == (1, 7, 7)
    assert geometry.layers[0].window.padded_size == (9, 9)
    assert torch_shape(nn.Conv2d(1, 1, 3, 1, 1), (1, 7, 7)) == (1, 7, 7)


@pytest.mark.parametrize("kernel", [1, 3, 5, 7])
def test_padding_f_minus_one_over_two_preserves_size(kernel):
    padding = (kernel - 1) // 2
    geometry = check(net(3, 32, conv(4, kernel, 1, padding)))
    assert geometry.layers[0].output_shape == (4, 32, 32)


def test_slide_51_ten_five_by_five_filters_give_32x32x10_and_760_parameters():
    spec = net(3, 32, conv(10, 5, 1, 2))
    layer = check(spec).layers[0]
    assert layer.output_shape == (10, 32, 32)
    assert layer.params == 760
    assert layer.param_formula.startswith("each filter 5*5*3 + 1 = 76 params, x 10 filters = 760")
    module = nn.Conv2d(3, 10, 5, 1, 2)
    assert sum(p.numel() for p in module.parameters()) == 760
    assert torch_shape(module, (3, 32, 32)) == (10, 32, 32)
    assert layer.formulas()[1] == "W2 = (32 - 5 + 2*2)/1 + 1 = 32"


def test_repeated_convolutions_shrink_32_28_24():
    geometry = check(net(3, 32, conv(6, 5), conv(10, 5)))
    assert [g.output_shape[1] for g in geometry.layers] == [28, 24]


def test_one_by_one_convolution_keeps_the_size_and_mixes_depth():
    geometry = check(NetworkSpec.from_dict({"input": {"channels": 3, "height": 56, "width": 56}, "layers": [
        conv(64, 3, 1, 1), conv(32, 1)]}))
    layer = geometry.layers[1]
    assert layer.output_shape == (32, 56, 56)
    assert layer.params == 64 * 32 + 32  # a 64-number dot product through the depth, plus a bias
    assert layer.receptive_field.size == (3, 3)  # a 1x1 filter adds nothing to the field


def test_dilation_spreads_three_taps_over_five_pixels():
    layer = check(net(1, 7, conv(1, 3, 1, 0, dilation=2))).layers[0]
    assert layer.window.effective_kernel == (5, 5)
    assert layer.output_shape == (1, 3, 3)
    assert torch_shape(nn.Conv2d(1, 1, 3, dilation=2), (1, 7, 7)) == (1, 3, 3)
    window = layer.window.window(0)
    assert window.rows == (0, 2, 4) and window.cols == (0, 2, 4)


def test_groups_split_the_filters_depth():
    layer = check(net(8, 16, conv(8, 3, 1, 1, groups=2))).layers[0]
    assert layer.params == 8 * (3 * 3 * 4) + 8
    assert sum(p.numel() for p in nn.Conv2d(8, 8, 3, groups=2).parameters()) == layer.params
    assert list(layer.input_channels_of(0)) == [0, 1, 2, 3]
    assert list(layer.input_channels_of(5)) == [4, 5, 6, 7]


def test_groups_that_do_not_divide_the_channels_are_explained():
    error = analyze(net(3, 16, conv(8, 3, groups=2))).error
    assert error is not None and error.key == "groups"
    assert "groups=2 must divide the 3 input channels" in str(error)


def test_max_pool_two_by_two_stride_two_halves_the_map():
    geometry = check(net(1, 8, {"type": "maxpool2d", "kernel_size": 2, "stride": 2}))
    assert geometry.layers[0].output_shape == (1, 4, 4)
    assert geometry.layers[0].params == 0


def test_pooling_that_does_not_fit_follows_torch_and_says_so():
    layer = check(net(1, 7, {"type": "maxpool2d", "kernel_size": 2})).layers[0]
    assert layer.output_shape == (1, 3, 3) == torch_shape(nn.MaxPool2d(2), (1, 7, 7))
    assert layer.notes and "torch rounds 3.50 down to 3" in layer.notes[0] and "row 7 of 7" in layer.notes[0]
    assert "column 7 of 7" in layer.notes[1] and layer.warning is not None


def test_kernel_larger_than_padded_input_is_an_error():
    error = analyze(net(1, 3, conv(1, 5))).error
    assert error is not None and "larger than the 3x3 input" in str(error)


def test_padding_same_needs_stride_one():
    assert check(net(3, 9, conv(2, 4, 1, "same"))).layers[0].output_shape == (2, 9, 9)
    error = analyze(net(3, 9, conv(2, 3, 2, "same"))).error
    assert error is not None and error.key == "padding"


def test_typical_architecture_pattern():
    layers = []
    for width in (16, 32):
        layers += [conv(width, 3, 1, 1), {"type": "relu"}, conv(width, 3, 1, 1), {"type": "relu"},
                   {"type": "maxpool2d", "kernel_size": 2, "stride": 2}]
    layers += [{"type": "flatten"}, {"type": "linear", "out_features": 64}, {"type": "relu"},
               {"type": "linear", "out_features": 10}, {"type": "softmax"}]
    geometry = check(net(3, 32, *layers))
    assert geometry.output_shape == (10,)
    assert geometry.layers[10].output_shape == (32 * 8 * 8,)


def test_linear_before_flatten_is_an_error_that_says_what_to_do():
    error = analyze(net(3, 8, {"type": "linear", "out_features": 10})).error
    assert error is not None and "add a flatten layer" in str(error)


def test_receptive_field_grows_layer_by_layer():
    geometry = check(net(1, 32, conv(1, 3, 1, 1), conv(1, 3, 1, 1), {"type": "maxpool2d", "kernel_size": 2},
                         conv(1, 3, 1, 1)))
    sizes = [g.receptive_field.size[0] for g in geometry.layers]
    jumps = [g.receptive_field.jump[0] for g in geometry.layers]
    assert sizes == [3, 5, 6, 10]
    assert jumps == [1, 1, 2, 2]



def test_the_window_positions_a_stride_two_filter_visits():
    window = check(net(1, 7, conv(1, 3, 2))).layers[0].window
    assert window.positions().tolist() == [[r, c] for r in (0, 2, 4) for c in (0, 2, 4)]
    assert window.window(8).rows == (4, 5, 6) and window.window(8).cols == (4, 5, 6)
