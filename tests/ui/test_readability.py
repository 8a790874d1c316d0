"""Readable from the back row: presenter mode at 1920x1080 and 1280x720, in both projector themes, for
the lecture's examples, measured on what is drawn.

- every number of a figure (grid numbers as painted, labels, axis ticks, colour scales) has digits at
  least 20 pixels tall at 1920x1080 (and the same picture, scaled, at 1280x720);
- no title or label is cut (its text fits its box), no colour scale loses an end, no label of a
  plot reaches out of it;
- the output map's current cell is at least 12 pixels;
- T keeps the step, the layer, the map, the channel and the selection, and the status bar's text
  stays readable; the shown numbers of a dot product add up as shown.

"What is drawn" is the current view without its marked controls (what a figure export shows), and
on the network layout the input and class-score panels beside it: the window's chrome (tab bar,
combo boxes, status bar) is not part of the picture.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.export.figure import is_control
from convviz.model.selection import Unit
from convviz.ui.main_window import MainWindow
from convviz.ui.panels.colour_scale import ScaleStrip
from convviz.ui.panels.grid_view import GridView
from convviz.ui.panels.view_common import text_overflows

SIZES = ((1920, 1080), (1280, 720))
MIN_DIGIT_PX = 20.0  # at 1920x1080; scaled with the screen's height below it
MIN_CELL_PX = 12.0


def settle(rounds: int = 4) -> None:
    for _ in range(rounds):
        QtWidgets.QApplication.processEvents()


@pytest.fixture
def presenter(make_window):
    """A window in presenter mode at a projector's size (not full screen: offscreen, the 'screen' is
    800x800), showing ``layout``."""

    def make(preset: str, layout: str) -> MainWindow:
        win = make_window(preset, size=SIZES[0], wait=True)
        win.presenter.enter(full_screen=False)
        win.resize(*SIZES[0])
        win.show_layout(layout)
        settle()
        return win

    return make


def set_size(qtbot, win: MainWindow, size: tuple[int, int]) -> None:
    """Resize and wait for presenter mode to scale its theme to the new height and the views to settle."""
    win.resize(*size)
    settle()
    win.presenter.follow_size()  # what its timer does once a drag has stopped
    qtbot.waitUntil(lambda: win.result is not None and win.theme.scale == pytest.approx(size[1] / 1080, abs=0.03),
                    timeout=10000)
    view = win.tabs.currentWidget()
    if hasattr(view, "playback"):  # wait until the new view has drawn a step
        qtbot.waitUntil(lambda: getattr(win.tabs.currentWidget(), "layer", None) is not None, timeout=10000)
    settle()


def digit_px(font: QtGui.QFont) -> float:
    return QtGui.QFontMetricsF(font).tightBoundingRect("0123456789").height()


def pictured(win: MainWindow) -> list[QtWidgets.QWidget]:
    """The widgets that make up the picture now: the current view's (controls left out) and, on the
    network layout, the docks beside the maps."""
    roots = [win.tabs.currentWidget()]
    if win.current_layout() == "network":
        roots += [dock.widget() for dock in (win.input_dock, win.scores_dock) if dock.isVisible()]
    found = []
    for root in roots:
        for widget in [root, *root.findChildren(QtWidgets.QWidget)]:
            if not widget.isVisible() or widget.width() <= 1 or widget.height() <= 1:
                continue
            inside_control = False
            parent = widget
            while parent is not None and parent is not root.parentWidget():
                if is_control(parent):
                    inside_control = True
                    break
                parent = parent.parentWidget()
            if not inside_control:
                found.append(widget)
    return found


def problems(win: MainWindow, least_digit: float) -> list[str]:
    """Everything in the picture that is too small or cut, in words."""
    found: list[str] = []
    widgets = pictured(win)
    win.tabs.currentWidget().grab()  # paint once: each grid's numbers item says at which size it wrote
    for widget in widgets:
        widget.ensurePolished()
        if isinstance(widget, QtWidgets.QLabel):
            text = widget.text()
            if text_overflows(widget):
                found.append(f"label cut: {text[:60]!r} ({widget.width()}x{widget.height()})")
            if re.search(r"\d", re.sub(r"<[^>]*>", "", text)) and digit_px(widget.font()) < least_digit:
                found.append(f"label digits {digit_px(widget.font()):.1f} px: {text[:40]!r}")
        elif isinstance(widget, ScaleStrip):
            if widget.elided():
                found.append(f"colour scale cut: {widget.labels()}")
            if digit_px(widget.font()) < least_digit:
                found.append(f"colour scale digits {digit_px(widget.font()):.1f} px")
        elif isinstance(widget, GridView):
            numbers = widget.numbers
            if numbers.drawn_count and numbers.drawn_digit_px < least_digit:
                found.append(f"grid numbers {numbers.drawn_digit_px:.1f} px ({widget.toolTip()})")
        if isinstance(widget, pg.GraphicsView):
            found += scene_problems(widget, least_digit)
    return found


def scene_problems(view: pg.GraphicsView, least_digit: float) -> list[str]:
    """Axes whose numbers are small, axis labels and text items that reach out of their view."""
    found = []
    for item in view.scene().items():
        if not item.isVisible():
            continue
        if isinstance(item, pg.AxisItem) and item.style.get("showValues", True) and item.isVisible():
            font = item.style.get("tickFont") or QtGui.QFont()
            if digit_px(font) < least_digit:
                found.append(f"axis ticks {digit_px(font):.1f} px ({item.orientation})")
            label = item.label
            if item.labelText and label.isVisible() and not inside(view, label):
                found.append(f"axis label cut: {item.labelText!r}")
            if item.labelText and label.isVisible():  # a colour bar's 'per layer' was pyqtgraph's 9 points
                margin = label.document().documentMargin()
                line = label.boundingRect().height() - 2 * margin
                if line < least_digit * 1.3:
                    found.append(f"axis label {line:.1f} px high: {item.labelText!r}")
        elif isinstance(item, pg.TextItem) and item.toPlainText():
            if not inside(view, item.textItem):
                found.append(f"text cut: {item.toPlainText()!r}")
            if re.search(r"\d", item.toPlainText()) and digit_px(item.textItem.font()) < least_digit:
                found.append(f"text digits {digit_px(item.textItem.font()):.1f} px: {item.toPlainText()!r}")
    return found


def inside(view: pg.GraphicsView, text: QtWidgets.QGraphicsTextItem) -> bool:
    """Whether the text's letters (its box less the document's margin) lie within the view."""
    margin = text.document().documentMargin()
    box = text.mapRectToScene(text.boundingRect().adjusted(margin, margin, -margin, -margin))
    return QtCore.QRectF(view.mapToScene(view.rect()).boundingRect()).adjusted(-0.5, -0.5, 0.5, 0.5).contains(box)


def check(qtbot, win: MainWindow, what: str) -> None:
    """Both sizes, both projector themes: nothing small, nothing cut, the current cell big enough."""
    failures = []
    for size in SIZES:
        for _ in range(2):  # this theme, then T: the other
            set_size(qtbot, win, size)
            least = MIN_DIGIT_PX * size[1] / 1080 - 0.5  # the same picture at 720: scaled
            for problem in problems(win, least):
                failures.append(f"{what} {size[0]}x{size[1]} {win.theme.name}: {problem}")
            view = win.tabs.currentWidget()
            if hasattr(view, "current_cell_px") and view.layer is not None:
                cell = view.current_cell_px()
                if cell < MIN_CELL_PX:
                    failures.append(f"{what} {size[0]}x{size[1]} {win.theme.name}: current cell {cell:.1f} px")
            win.presenter.toggle_brightness()
    set_size(qtbot, win, SIZES[-1])  # the views made again by the last T settle
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("preset, step", [("toy_7x7_stride2", 4), ("zero_padding_7x7", 24),
                                          ("slide51_ten_5x5", 200)])
def test_the_lecture_convolutions_read_from_the_back_row(qtbot, presenter, preset, step):
    win = presenter(preset, "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    view.playback.go(step)
    check(qtbot, win, preset)
    # the dot product's numbers are there to read, not left out for being small
    assert win.conv_view.dot_rows[0].x.numbers_visible() and win.conv_view.dot_rows[0].w.numbers_visible()
    assert win.conv_view.playback.step == step  # four theme and size changes later


@pytest.mark.parametrize("preset", ["toy_7x7_stride1", "toy_7x7_stride2"])
def test_a_small_output_map_shows_its_numbers_beside_a_readable_dot_product(qtbot, presenter, preset):
    """The lecture's 5x5 (stride 1) and 3x3 (stride 2) outputs: every number the window has made is
    written in its cell, at both projector sizes, and the dot product keeps its readable numbers."""
    win = presenter(preset, "convolution")
    qtbot.waitUntil(lambda: win.conv_view.detail is not None, timeout=30000)
    win.conv_view.playback.go(win.conv_view.playback.count - 1)  # the whole map made
    for size in SIZES:
        set_size(qtbot, win, size)  # the views are made again at the new size: ask the window for them
        least = MIN_DIGIT_PX * size[1] / 1080 - 0.5
        try:
            qtbot.waitUntil(lambda: win.conv_view.output_view.numbers_visible(), timeout=5000)
        except qtbot.TimeoutError:
            pytest.fail(f"{preset} at {size}: the output map has no numbers")
        view = win.conv_view
        assert view.playback.step == view.playback.count - 1
        assert view.dot_rows[0].x.numbers_visible() and view.dot_rows[0].w.numbers_visible()
        assert problems(win, least) == []  # every number drawn (the output's too) big enough, nothing cut


def test_two_by_two_max_pooling_reads_from_the_back_row(qtbot, presenter):
    win = presenter("max_pool_2x2", "pooling")
    qtbot.waitUntil(lambda: win.pool_view.detail is not None, timeout=30000)
    win.pool_view.playback.go(5)
    check(qtbot, win, "max pool")
    assert win.pool_view.input_view.numbers_visible() and win.pool_view.output_view.numbers_visible()


def test_every_activation_function_reads_from_the_back_row(qtbot, presenter):
    win = presenter("activation_functions", "activation")
    view = win.activation_view
    layers = [index for index in range(view.layer_box.count())]
    assert len(layers) == 6  # sigmoid, tanh, ReLU, leaky ReLU, PReLU, ELU
    failures = []
    for size in SIZES:
        set_size(qtbot, win, size)
        for row in layers:
            win.activation_view.layer_box.setCurrentIndex(row)
            win.activation_view.gradient_box.setChecked(True)
            settle()
            failures += [f"{win.activation_view.layer_box.currentText()} {size}: {problem}"
                         for problem in problems(win, MIN_DIGIT_PX * size[1] / 1080 - 0.5)]
    assert failures == [], "\n".join(failures)


def test_maxout_reads_from_the_back_row_and_draws_its_hinge(qtbot, presenter):
    win = presenter("maxout", "activation")
    view = win.activation_view
    view.gradient_box.setChecked(True)
    check(qtbot, win, "maxout")
    view = win.activation_view
    assert view.gradient_box.isVisible() and view.curve.isVisible() and view.gradient.isVisible()
    x, y = view.curve.getData()
    assert np.allclose(y, np.maximum(x, 0))  # max(p1, p2) - p2 = max(p1 - p2, 0)


def test_the_typical_network_reads_from_the_back_row(qtbot, presenter):
    win = presenter("typical_convnet", "network")
    qtbot.waitUntil(lambda: len(win.layer_panels) == 15, timeout=30000)
    check(qtbot, win, "typical network")
    set_size(qtbot, win, SIZES[0])
    # more of the network on one screen: at least 8 of its 15 layers (4 before), the input narrow
    win.maps_scroll.verticalScrollBar().setValue(0)
    settle()
    viewport = win.maps_scroll.viewport()
    seen = [panel for panel in win.layer_panels
            if QtCore.QRect(QtCore.QPoint(0, 0), viewport.size()).contains(
                QtCore.QRect(panel.mapTo(viewport, QtCore.QPoint(0, 0)), panel.size()))]
    assert len(seen) >= 8, (win._columns, viewport.size(), [p.geometry() for p in win.layer_panels[:9]])
    assert win.input_dock.width() <= 0.2 * win.width()


def test_a_theme_switch_keeps_step_layer_map_channel_and_selection(qtbot, presenter):
    win = presenter("slide51_ten_5x5", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    view.set_output_channel(3)
    view.channel_box.setCurrentIndex(view.channel_box.findText("G"))
    view.playback.go(200)
    win.selection.pin(Unit(0, 3, 6, 8))
    win.show_message("a message to read")
    before = (view.layer_box.current_layer(), view.output_channel(), view.channel_box.currentText(),
              view.playback.step)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_T)
    assert win.theme.name == "projector-light"
    view = win.conv_view  # made again with the new colours
    qtbot.waitUntil(lambda: view.detail is not None, timeout=10000)
    after = (view.layer_box.current_layer(), view.output_channel(), view.channel_box.currentText(),
             view.playback.step)
    assert after == before
    assert win.selection.pinned == Unit(0, 3, 6, 8)
    # the status bar's text in the new theme's colour (not black on white's predecessor, black)
    assert win.theme.foreground in win.statusBar().styleSheet()
    # a 1280x720 projector: the slider keeps a usable width, also after going back to 1920x1080
    set_size(qtbot, win, (1280, 720))
    assert win.conv_view.bar.slider.width() >= 0.25 * win.conv_view.bar.width()
    set_size(qtbot, win, (1920, 1080))
    assert win.conv_view.bar.slider.width() >= 0.25 * win.conv_view.bar.width()
    assert win.conv_view.playback.step == 200


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace("\u2212", "-"))


def test_the_shown_terms_add_up_to_the_shown_total(qtbot, presenter):
    """Slide 51 by hand: the R, G, B sums and the bias as written add up to the total as written, and
    each slice's products as written add up to its sum as written; the total is torch's value."""
    win = presenter("slide51_ten_5x5", "convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    output = win.result.outputs[0]
    checked = 0
    for filter_index in (0, 3, 9):
        view.set_output_channel(filter_index)
        for step in (0, 37, 200, 517, 1023):
            view.playback.go(step)
            text = re.sub(r"<[^>]*>", "", view.sum_label.text()).replace("&nbsp;", " ")
            terms = [_decimal(t) for t in re.findall(r"\((?:R|G|B|bias): (-?[\d.]+)\)", text)]
            total = _decimal(re.search(r"= (-?[\d.]+)", text).group(1))
            assert len(terms) == 4 and sum(terms) == total, text
            row, col = divmod(step, 32)
            assert abs(float(total) - float(output[filter_index, row, col])) <= 0.005 + 1e-6
            for slot, k in enumerate(view.shown_rows):
                products = view.dot_rows[slot].products
                written = [_decimal(t) for _, _, t, _ in products.numbers._cells]
                assert len(written) == 25
                assert sum(written) == terms[k]  # the slice's products add up to its sum as written
            checked += 1
    assert checked == 15


def test_the_unit_under_the_pointer_is_marked_big_enough_and_in_the_fully_connected_layers(qtbot, presenter):
    """A unit of a 32x32 map is a dot in its shrunk tile: its mark is at least 14 pixels; the fully
    connected layers after it are framed (every one of their units sees it), the unit of a bar chart
    pointed at is framed itself."""
    win = presenter("typical_convnet", "network")
    qtbot.waitUntil(lambda: len(win.layer_panels) == 15 and win.layer_panels[0].layout_ is not None,
                    timeout=30000)
    win.selection.set_hover(Unit(0, 3, 7, 9))
    panel = win.layer_panels[0]
    mark = panel._marks[0]
    assert mark.isVisible()
    pixel_w, pixel_h = panel._view_pixel()
    assert mark.rect().width() / pixel_w >= 14 - 0.5 and mark.rect().height() / pixel_h >= 14 - 0.5
    for index in (11, 13, 14):  # fully connected, ReLU, fully connected: flat layers after the unit
        chart = win.layer_panels[index]
        win.maps_scroll.ensureWidgetVisible(chart)  # a panel makes its plot when it comes on screen
        qtbot.waitUntil(lambda chart=chart: chart.on_screen and chart.bar_mark.isVisible(), timeout=10000)
    win.selection.set_hover(Unit(13, 4, 0, 0))  # the fifth unit of the last fully connected layer
    chart = win.layer_panels[13]
    assert chart.bar_mark.isVisible() and chart.bar_mark.rect().center().x() == pytest.approx(4.0)
    low, high = chart.bars.getPlotItem().getViewBox().viewRange()[1]
    values = win.result.outputs[13]
    assert low <= float(values.min()) and high >= float(values.max()) and high - low < 3 * np.ptp(values) + 0.1
