"""The convolution, pooling and activation views, driven through the real window offscreen."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6 import QtCore, QtGui

from convviz.core.compute import build_module
from convviz.core.presets import load_preset
from convviz.core.spec import NetworkSpec
from convviz.sources.base import StillSource
from convviz.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    made = []

    def make(spec, tab: str, source=None):
        win = MainWindow(spec if isinstance(spec, NetworkSpec) else load_preset(spec), source, device="cpu")
        qtbot.addWidget(win)
        win.resize(1400, 900)
        win.show()
        made.append(win)
        qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
        win.show_layout(tab)
        return win

    yield make
    for win in made:
        win.bridge.stop()


def torch_conv_output(win: MainWindow, layer: int) -> np.ndarray:
    spec = win.result.spec
    module = build_module(spec)
    x = torch.from_numpy(np.ascontiguousarray(win.result.input_of(layer)))[None]
    with torch.no_grad():
        return module[layer](x)[0].numpy()


def test_slide_51_every_step_shows_torchs_value_and_the_window_where_geometry_says(qtbot, window):
    win = window("slide51_ten_5x5", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    view.set_output_channel(7)
    expected = torch_conv_output(win, 0)[7]
    for step in (0, 1, 31, 32, 500, 1023):
        view.playback.go(step)
        row, col = divmod(step, 32)
        assert view.detail.value == pytest.approx(float(expected[row, col]), abs=1e-4)
        window_rect = view.input_view._rects["window"].rect()
        assert (window_rect.top(), window_rect.left()) == (row, col)  # stride 1, padded coordinates
        assert (window_rect.height(), window_rect.width()) == (5, 5)
    border = view.input_view._rects["border"].rect()
    assert (border.top(), border.left(), border.height(), border.width()) == (2, 2, 32, 32)  # P = 2 on every side
    assert view.input_view.values.shape == (36, 36)
    assert (view.input_view.values[:2] == 0).all() and (view.input_view.values[:, -2:] == 0).all()


def test_seven_by_seven_stride_two_window_moves_by_two(qtbot, window):
    win = window("toy_7x7_stride2", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    positions = []
    for step in range(9):
        view.playback.go(step)
        rect = view.input_view._rects["window"].rect()
        positions.append((int(rect.top()), int(rect.left())))
    assert positions == [(r, c) for r in (0, 2, 4) for c in (0, 2, 4)]
    assert view.output.shape == (3, 3)
    assert "(7 - 3)/2 + 1 = 3" in view.formula.text()
    assert "window at rows 5-7, columns 5-7 of the padded input" in view.info.text()


def test_a_one_by_one_window_is_one_row_and_one_column(qtbot, window):
    """The 1x1 convolution's window is 'row 1, column 6' (it read 'rows 1-1, columns 6-6')."""
    win = window("one_by_one", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    view.layer_box.choose(2)
    qtbot.waitUntil(lambda: view.layer is not None and view.layer.index == 2, timeout=10000)
    view.playback.go(5)
    assert "window at row 1, column 6 of the padded input" in view.info.text()


def test_the_stride_three_mistake_shows_the_window_hanging_off_the_edge(qtbot, window):
    win = window("toy_7x7_stride3", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    assert view.misfit
    hanging = view.input_view._rects["overhang"]
    assert hanging.isVisible() and hanging.rect().left() == 6 and hanging.rect().right() == 9  # past column 7
    assert "2.33" in view.formula.text()


def test_true_convolution_flips_the_kernel(qtbot, window):
    win = window("toy_7x7_stride1", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    view.playback.go(7)
    correlation = view.detail.value
    view.flip_box.setChecked(True)
    assert view.detail.flipped
    np.testing.assert_array_equal(view.detail.kernel, view.weight[0][:, ::-1, ::-1])
    assert view.detail.value == pytest.approx(-correlation)  # prewitt_x flipped is its negative
    assert "true convolution" in view.dot_title.text()


@st.composite
def conv_networks(draw):
    size = draw(st.integers(5, 12))
    kernel = draw(st.integers(1, 4))
    dilation = draw(st.integers(1, 2))
    effective = dilation * (kernel - 1) + 1
    stride = draw(st.integers(1, 3))
    fits = [p for p in range(effective) if size - effective + 2 * p >= 0 and (size - effective + 2 * p) % stride == 0]
    if not fits:
        stride, fits = 1, [p for p in range(effective) if size - effective + 2 * p >= 0]
    return NetworkSpec.from_dict({"name": "generated", "input": {"channels": 2, "height": size, "width": size},
                                  "layers": [{"type": "conv2d", "out_channels": 2, "kernel_size": kernel,
                                              "stride": stride, "padding": draw(st.sampled_from(fits)),
                                              "dilation": dilation, "groups": draw(st.sampled_from([1, 2])),
                                              "seed": draw(st.integers(0, 9))}]})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=conv_networks(), seed=st.integers(0, 99))
def test_generated_layers_every_step_equals_torch(qtbot, spec, seed):
    picture = np.random.default_rng(seed).integers(0, 256, (20, 20, 3), dtype=np.uint8)
    win = MainWindow(spec, StillSource(picture, "random"), device="cpu")
    qtbot.addWidget(win)
    try:
        win.show()
        qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
        win.show_layout("convolution")
        view = win.conv_view
        qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
        expected = torch_conv_output(win, 0)
        geometry = win.result.geometry.layers[0].window
        for channel in range(2):
            view.set_output_channel(channel)
            for step in range(geometry.steps):
                view.playback.go(step)
                row, col = divmod(step, geometry.output_size[1])
                assert view.detail.value == pytest.approx(float(expected[channel, row, col]), abs=1e-4)
                rect = view.input_view._rects["window"].rect()
                assert (rect.top(), rect.left()) == (row * geometry.stride[0], col * geometry.stride[1])
                assert rect.height() == geometry.effective_kernel[0]
    finally:
        win.bridge.stop()


def test_max_pool_marks_torchs_winner_and_carries_it(qtbot, window):
    win = window("max_pool_2x2", "pooling")
    view = win.pool_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    volume = torch.from_numpy(np.ascontiguousarray(win.result.input_of(0)))[None]
    values, indices = F.max_pool2d(volume, 2, 2, return_indices=True)
    for step in range(16):
        view.playback.go(step)
        row, col = divmod(step, 4)
        winner = divmod(int(indices[0, 0, row, col]), 8)
        marked = view.input_view._rects["winner"].rect()
        assert (int(marked.top()), int(marked.left())) == winner
        assert view.detail.value == pytest.approx(float(values[0, 0, row, col]))
        assert "max(" in view.explain.text()
        assert view.output_view.values[row, col] == pytest.approx(float(values[0, 0, row, col]))  # carried


def test_average_pool_shows_the_mean(qtbot, window):
    win = window("avg_pool_2x2", "pooling")
    view = win.pool_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    view.playback.go(5)
    expected = F.avg_pool2d(torch.from_numpy(np.ascontiguousarray(win.result.input_of(0)))[None], 2)[0, 0, 1, 1]
    assert view.detail.value == pytest.approx(float(expected))
    assert "mean" in view.explain.text()
    winner = view.input_view._rects.get("winner")
    assert winner is None or not winner.isVisible()


def test_the_relu_view_counts_the_dead_side(qtbot, window):
    win = window("activation_functions", "activation")
    view = win.activation_view
    view.layer_box.choose(8)  # the ReLU (after its conv and batch norm)
    pre = win.result.input_of(8)
    expected = float((pre < 0).mean())
    assert view.stats.quiet_fraction == pytest.approx(expected)
    assert f"{expected * 100:.1f}%" in view.summary.text()
    view.gradient_box.setChecked(True)
    curves = [item for item in view.plot.listDataItems() if isinstance(item, pg.PlotDataItem)]
    assert len(curves) == 2  # f and f'


def test_playback_keys_step_play_and_jump(qtbot, window):
    win = window("toy_7x7_stride1", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    view.playback.go(0)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)
    assert view.playback.step == 2
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Left)
    assert view.playback.step == 1
    qtbot.keyClick(win, QtCore.Qt.Key.Key_End)
    assert view.playback.step == 24
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Home)
    assert view.playback.step == 0
    view.playback.set_speed(100)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.playback.step == 24 and not view.playback.playing, timeout=10000)


def test_clicking_an_output_cell_jumps_there(qtbot, window):
    win = window("toy_7x7_stride1", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    view.output_view.cellClicked.emit(3, 2)
    assert view.playback.step == 3 * 5 + 2
    assert (view.detail.window.out_row, view.detail.window.out_col) == (3, 2)


def test_layer_keys_choose_the_layer_in_focus(qtbot, window):
    win = window("typical_convnet", "convolution")
    qtbot.keyClick(win, QtCore.Qt.Key.Key_3)
    assert win.selection.focus_layer == 2
    qtbot.waitUntil(lambda: win.conv_view.layer_box.current_layer() == 2, timeout=5000)


@st.composite
def pool_networks(draw):
    size = draw(st.integers(4, 11))
    kernel = draw(st.integers(2, 3))
    return NetworkSpec.from_dict({"name": "generated pool", "input": {"channels": 2, "height": size, "width": size},
                                  "layers": [{"type": draw(st.sampled_from(["maxpool2d", "avgpool2d"])),
                                              "kernel_size": kernel, "stride": draw(st.integers(1, 3)),
                                              "padding": draw(st.integers(0, kernel // 2))}]})


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=pool_networks(), seed=st.integers(0, 99))
def test_generated_pooling_every_step_shows_torchs_value_and_winner(qtbot, spec, seed):
    picture = np.random.default_rng(seed).integers(0, 4, (24, 24, 3), dtype=np.uint8) * 60  # ties happen
    win = MainWindow(spec, StillSource(picture, "random"), device="cpu")
    qtbot.addWidget(win)
    try:
        win.show()
        qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
        win.show_layout("pooling")
        view = win.pool_view
        qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
        layer = spec.layers[0]
        window = win.result.geometry.layers[0].window
        x = torch.from_numpy(np.ascontiguousarray(win.result.input_of(0)))[None]
        args = (layer.pair("kernel_size"), window.stride, layer.pair("padding"))
        if layer.type == "maxpool2d":
            values, indices = F.max_pool2d(x, *args, return_indices=True)
        else:
            values, indices = F.avg_pool2d(x, *args), None
        top, left, bottom, right = window.padding
        shown = view.input_view.values
        assert shown.shape == window.padded_size
        border = np.ones(shown.shape, bool)
        border[top:shown.shape[0] - bottom, left:shown.shape[1] - right] = False
        # the padding as torch treats it: never a max (no number), a 0 in the mean
        assert np.isnan(shown[border]).all() if layer.type == "maxpool2d" else (shown[border] == 0).all()
        width = spec.input.width
        for channel in range(2):
            view.set_output_channel(channel)
            for step in range(window.steps):
                view.playback.go(step)
                row, col = divmod(step, window.output_size[1])
                assert view.detail.value == pytest.approx(float(values[0, channel, row, col]), abs=1e-6)
                assert view.output_view.values[row, col] == pytest.approx(float(values[0, channel, row, col]))
                rect = view.input_view._rects["window"].rect()
                assert (rect.top(), rect.left()) == (row * window.stride[0], col * window.stride[1])
                if indices is not None:
                    winner = divmod(int(indices[0, channel, row, col]), width)
                    marked = view.input_view._rects["winner"].rect()
                    assert (int(marked.top()) - top, int(marked.left()) - left) == winner
    finally:
        win.bridge.stop()


def test_a_640x480_input_is_zoomed_to_readable_numbers_with_an_overview(qtbot, window):
    win = window("webcam_default", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    step = 200 * 640 + 300
    view.playback.go(step)
    expected = torch_conv_output(win, 0)[0]
    assert view.detail.value == pytest.approx(float(expected[200, 300]), abs=1e-4)
    assert view.channel_box.currentText() == "R"  # one channel, so the zoomed cells can show numbers
    assert view.overview.isVisible()
    qtbot.waitUntil(lambda: view.input_view.numbers_visible(), timeout=5000)
    top, left, bottom, right = view.input_view.block  # whole cells around the window, none cut
    assert right - left < 60 and top <= 200 and 203 <= bottom and left <= 300 and 303 <= right
    marked = view.overview._rects["shown"].rect()
    assert marked.contains(QtCore.QPointF(301.5, 201.5))  # the overview frames where that is
    view.overview.cellClicked.emit(100, 500)  # click the overview: the window jumps there
    assert (view.detail.window.out_row, view.detail.window.out_col) == (99, 499)


def test_slide_51_contributions_add_up_to_torchs_value(qtbot, window):
    win = window("slide51_ten_5x5", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    win.resize(1900, 1200)  # room for all three slices with their numbers
    view.set_output_channel(3)
    view.playback.go(5 * 32 + 7)
    plot = view.contributions
    assert plot.isVisible()
    assert plot._labels == ("R", "G", "B", "bias", "= total")
    assert plot.heights[:4].sum() == pytest.approx(plot.heights[4], abs=1e-5)  # R + G + B + bias = total
    assert plot.heights[4] == pytest.approx(float(torch_conv_output(win, 0)[3, 5, 7]), abs=1e-4)
    assert plot.starts[1] == pytest.approx(plot.heights[0])  # the waterfall: G starts where R ended
    # every slice is shown with its numbers: three rows of x, w and x*w
    qtbot.waitUntil(lambda: [row.x.isVisible() for row in view.dot_rows] == [True, True, True], timeout=5000)
    assert all(row.products.numbers_visible() for row in view.dot_rows)


def test_a_grouped_filter_adds_up_only_its_groups_channels(qtbot, window):
    win = window("grouped", "convolution")
    view = win.conv_view
    view.layer_box.choose(2)  # conv 8 -> 8, groups=2
    qtbot.waitUntil(lambda: view.layer is not None and view.layer.index == 2, timeout=10000)
    view.set_output_channel(5)  # the second group's filters see maps 4-7
    assert view.detail.in_channels == (4, 5, 6, 7)
    assert view.contributions._labels == ("map 5", "map 6", "map 7", "map 8", "bias", "= total")  # counted from 1
    assert "group 2 of 2" in view.sum_label.text()


def test_numbers_are_dark_on_light_cells_and_light_on_dark_ones(qtbot, window):
    win = window("toy_7x7_stride1", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    grid = view.input_view
    qtbot.waitUntil(grid.numbers_visible, timeout=5000)
    image = grid.rgba
    numbers = grid.numbers
    light, dark = QtGui.QColor(numbers.light), QtGui.QColor(numbers.dark)
    assert light.lightness() > 128 > dark.lightness()
    checked = 0
    for row, col, _text, dark_text in numbers._cells:
        red, green, blue = (int(v) for v in image[row, col, :3])
        assert dark_text == (red * 0.299 + green * 0.587 + blue * 0.114 > 140)
        checked += 1
    assert checked == 49
    grid.grab()  # painted by the one item, at the size it says
    assert numbers.drawn_count == 49 and numbers.drawn_font_px >= grid.min_font_px


def test_the_sigmoid_view_marks_both_saturated_ends_with_their_shares(qtbot, window):
    """Slides 64-66: saturated neurons kill the gradient; the shaded ends say how many units are there."""
    win = window("activation_functions", "activation")
    view = win.activation_view
    view.layer_box.choose(2)  # the sigmoid (after its conv and batch norm)
    pre = win.result.input_of(2)
    edge = round(2 * np.arccosh(np.sqrt(10)), 2)  # sigmoid'(x) = 0.025, a tenth of its peak: x = 3.64
    low, high = float((pre < -edge).mean()), float((pre > edge).mean())
    assert low > 0.05 and high > 0.05  # the example shows both saturated ends
    labels = sorted(item.toPlainText() for item in view.plot.getPlotItem().items if isinstance(item, pg.TextItem))
    assert labels == sorted([f"saturated: {low * 100:.1f}%", f"saturated: {high * 100:.1f}%"])


def test_a_small_window_shows_one_slice_big_enough_for_numbers(qtbot, window):
    """Slide 51's 5x5x3 filter: three slices when they fit with numbers, one (R) when they would not;
    the waterfall still adds up all three."""
    win = window("slide51_ten_5x5", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    # a 5x5 filter: the output map goes under the input
    assert view.output_view.geometry().top() > view.input_view.geometry().bottom()
    win.resize(1900, 1200)
    qtbot.waitUntil(lambda: [row.x.isVisible() for row in view.dot_rows] == [True, True, True], timeout=5000)
    win.resize(900, 560)
    qtbot.waitUntil(lambda: [row.x.isVisible() for row in view.dot_rows] == [True, False, False], timeout=5000)
    assert "(R: " in view.sum_label.text() and "(G: " in view.sum_label.text()  # the sum still has all three


def test_a_three_by_three_filter_puts_the_output_over_the_dot_product(qtbot, window):
    win = window("toy_7x7_stride2", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    output, dot = view.output_view.geometry(), view.dot_rows[0].x.geometry()
    assert output.left() >= view.input_view.geometry().right() and output.bottom() < dot.top()


def test_the_colour_scale_box_shows_its_whole_choice(qtbot, window):
    """'scale: per layer' was cut to 'scale: per laye' on a projector."""
    win = window("toy_7x7_stride1", "convolution")
    win.presenter.enter(full_screen=False)
    win.show_layout("convolution")
    box = win.conv_view.scale_box
    qtbot.waitUntil(box.isVisible, timeout=5000)
    from PySide6 import QtWidgets

    option = QtWidgets.QStyleOptionComboBox()
    box.initStyleOption(option)
    field = box.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_ComboBox, option,
                                       QtWidgets.QStyle.SubControl.SC_ComboBoxEditField, box)
    for index in range(box.count()):
        text_px = QtGui.QFontMetrics(box.font()).horizontalAdvance(box.itemText(index))
        assert field.width() >= text_px, box.itemText(index)  # the text where it is drawn, whole


@pytest.mark.parametrize("size", [(1280, 720), (1440, 720), (1600, 720), (1366, 768)])
def test_the_contributions_chart_keeps_clear_of_the_sum_on_a_small_projector(qtbot, window, size):
    """1280x720, the 1x1 convolution's 64 terms: the chart was placed shorter than its least height, grew
    over the sum below it, and the sum covered the chart's names ('map 1', 'bias', '= total')."""
    win = window("one_by_one", "convolution")
    win.presenter.enter(full_screen=False)
    win.resize(*size)
    qtbot.waitUntil(lambda: win.height() == size[1], timeout=5000)
    win.presenter.follow_size()
    win.show_layout("convolution")
    view = win.conv_view
    view.layer_box.choose(2)
    qtbot.waitUntil(lambda: view.layer is not None and view.layer.index == 2 and view.detail is not None,
                    timeout=10000)
    view.playback.go(5)
    qtbot.waitUntil(lambda: "(torch: " in view.sum_label.text(), timeout=5000)
    view.arrange()
    chart, total = view.contributions.geometry(), view.sum_label.geometry()
    # shown clear of the sum, or left out (the sum says the same in numbers)
    assert view.contributions.isHidden() or chart.bottom() < total.top(), (chart, total)
