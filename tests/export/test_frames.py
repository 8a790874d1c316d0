"""Frames: PNGs of the requested size, sharp cells and proportionally thick lines at 2x, atomic
writes, clipboard."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

from convviz.core.atomic import WriteError
from convviz.export.frames import copy_to_clipboard, image_to_rgb, render_widget, save_png, save_widget_png
from convviz.ui.panels.grid_view import GridView
from convviz.ui.panels.image_view import ImageView
from convviz.ui.theme import DARK


@pytest.fixture
def seven_by_seven(qtbot):
    view = ImageView(DARK)
    qtbot.addWidget(view)
    view.resize(360, 360)
    checker = np.indices((7, 7)).sum(0) % 2
    rgba = np.zeros((7, 7, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[checker == 1, :3] = 255
    view.set_image(rgba)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.mark.parametrize("scale", [1, 2, 4])
def test_png_has_the_requested_size(seven_by_seven, tmp_path, scale):
    path = save_widget_png(seven_by_seven, tmp_path / f"frame{scale}x.png", scale)
    image = QtGui.QImage(str(path))
    assert (image.width(), image.height()) == (360 * scale, 360 * scale)
    assert [p.name for p in tmp_path.iterdir()] == [f"frame{scale}x.png"]


def test_a_two_x_frame_of_a_seven_by_seven_map_has_sharp_cell_edges(seven_by_seven):
    rgb = image_to_rgb(render_widget(seven_by_seven, 2)).astype(int)
    grey = rgb[..., 0]
    row = grey[grey.shape[0] // 2]
    inside = row[(row == 0) | (row == 255)]
    # along a line through the checkerboard: black and white only, no blended greys at cell edges
    checker_part = row[np.flatnonzero((row == 0) | (row == 255))[0]:np.flatnonzero((row == 0) | (row == 255))[-1]]
    assert len(inside) > 0.6 * len(row)
    assert set(np.unique(checker_part)) <= {0, 255}
    assert len(np.flatnonzero(np.diff(checker_part) != 0)) >= 6  # seven cells, six edges


def test_unwritable_target_gives_a_message(seven_by_seven, tmp_path):
    with pytest.raises(WriteError, match="does not exist"):
        save_widget_png(seven_by_seven, tmp_path / "missing" / "frame.png")


def test_copy_to_clipboard(seven_by_seven):
    image = render_widget(seven_by_seven, 1)
    copy_to_clipboard(image)
    assert QtWidgets.QApplication.clipboard().image().size() == image.size()


def test_save_png_replaces_atomically(tmp_path, seven_by_seven):
    target = tmp_path / "frame.png"
    target.write_bytes(b"old")
    save_png(render_widget(seven_by_seven), target)
    assert QtGui.QImage(str(target)).width() == 360


def line_thickness(image: QtGui.QImage) -> int:
    """Rows of pure-ish red in the middle column, from the top: the first red run's length."""
    rgb = image_to_rgb(image).astype(int)
    column = rgb[:, rgb.shape[1] // 2]
    red = np.flatnonzero((column[:, 0] > 200) & (column[:, 1] < 80) & (column[:, 2] < 80))
    assert red.size, "no red line found"
    run = np.flatnonzero(np.diff(red) != 1)
    return int(run[0] + 1) if run.size else int(red.size)


@pytest.fixture
def grid(qtbot):
    """A 7x7 grid of black cells with a red sliding-window frame 3 px wide (a cosmetic pen)."""
    view = GridView(DARK)
    qtbot.addWidget(view)
    view.resize(300, 300)
    rgba = np.zeros((7, 7, 4), np.uint8)
    rgba[..., 3] = 255
    view.set_cells(np.zeros((7, 7), np.float32), rgba)
    view.show_all()
    view.show()
    qtbot.waitExposed(view)
    view.rect("window", 2, 2, 3, 3, "#ff0000", width_px=3)
    return view


def test_lines_are_twice_as_thick_at_two_x_and_four_times_at_four_x(grid):
    thickness = {scale: line_thickness(render_widget(grid, scale)) for scale in (1, 2, 4)}
    assert thickness == {1: 3, 2: 6, 4: 12}


def test_the_pens_are_as_before_after_a_render(grid):
    render_widget(grid, 4)
    pen = grid._rects["window"].pen()
    assert pen.widthF() == 3 and pen.isCosmetic()
    assert line_thickness(render_widget(grid, 1)) == 3


def test_plot_curves_and_axes_get_thicker_too(qtbot):
    import pyqtgraph as pg

    plot = pg.PlotWidget(background="#000000")
    qtbot.addWidget(plot)
    plot.resize(300, 200)
    curve = plot.plot([0, 1], [0.5, 0.5], pen=pg.mkPen("#ff0000", width=2))
    plot.setYRange(0, 1)
    plot.show()
    qtbot.waitExposed(plot)
    axis = plot.getAxis("left")
    label_colour = axis.labelStyle.get("color")
    assert [line_thickness(render_widget(plot, scale)) for scale in (1, 2)] == [2, 4]
    assert curve.opts["pen"].widthF() == 2 and axis.labelStyle.get("color") == label_colour


def test_a_control_inside_the_figure_is_hidden_while_drawn_and_comes_back(qtbot, monkeypatch):
    """Controls in rows above or below are cut off; one among the content is hidden for the render
    (and keeps the keyboard focus afterwards)."""
    from convviz.export import frames
    from convviz.export.figure import figure_rect, mark_controls

    panel = QtWidgets.QWidget()
    qtbot.addWidget(panel)
    column = QtWidgets.QVBoxLayout(panel)
    top_box, middle_box = QtWidgets.QComboBox(), QtWidgets.QComboBox()
    column.addWidget(top_box)
    column.addWidget(QtWidgets.QLabel("a title"))
    column.addWidget(middle_box)
    column.addWidget(QtWidgets.QLabel("the formula"))
    mark_controls(top_box, middle_box)
    panel.resize(300, 200)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    middle_box.setFocus()
    qtbot.waitUntil(middle_box.hasFocus)
    rect = figure_rect(panel)
    assert rect.top() > top_box.geometry().bottom() and rect.intersects(middle_box.geometry())
    seen = []
    original = QtWidgets.QWidget.render

    def spy(widget, *args):
        seen.append((top_box.isVisible(), middle_box.isVisible()))
        return original(widget, *args)

    monkeypatch.setattr(frames.QtWidgets.QWidget, "render", spy)
    image = render_widget(panel, 2, figure=True)
    monkeypatch.undo()
    assert seen == [(True, False)]  # the top one is outside the picture anyway
    assert (image.width(), image.height()) == (2 * rect.width(), 2 * rect.height())
    assert middle_box.isVisible() and middle_box.hasFocus()
