"""Figures for slides: a view without its controls, and lines as thick at 2x and 4x as at 1x.

**Controls.** The views mark their control widgets (the row of layer / filter / channel boxes and the
playback bar) with ``mark_controls``. A figure is the rectangle the view's other widgets cover
(titles, maps, the dot product, the formula): the controls sit in rows at the top and bottom, so the
figure is those rows shorter and no pixel of them is drawn. A marked widget that lies within that
rectangle is hidden while the figure is drawn. Nothing is laid out again, so the maps are drawn
exactly as on screen and nothing moves on screen (hiding would cost ~5 ms a frame, so only what
must go is hidden).

**Lines.** pyqtgraph draws with cosmetic pens (widths in device pixels, not scaled by the painter),
so rendering at 2x by itself draws 1x-thin lines on a 2x picture. ``thicker_lines`` multiplies the
width of every cosmetic pen in the widget's graphics scenes for the render and puts the pens back
afterwards. It knows Qt's shape and line items and pyqtgraph's curves, infinite lines, bar graphs and
axes (what convviz draws with); other items keep their pens. Qt's own widgets (frames, check boxes)
keep 1x lines: they are what a figure leaves out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6 import QtCore, QtGui, QtWidgets

FIGURE_CONTROL = "figureControl"  # the Qt property that marks a control
FIGURE_MARGIN = 4  # pixels kept around the figure's widgets


def mark_controls(*widgets: QtWidgets.QWidget) -> None:
    """Mark ``widgets`` as controls: left out of figure-only exports (frames, clips, ``convviz render``)."""
    for widget in widgets:
        widget.setProperty(FIGURE_CONTROL, True)


def is_control(widget: QtWidgets.QWidget) -> bool:
    return bool(widget.property(FIGURE_CONTROL))


def controls(widget: QtWidgets.QWidget) -> list[QtWidgets.QWidget]:
    """The marked widgets inside ``widget`` that are on screen now."""
    return [child for child in widget.findChildren(QtWidgets.QWidget) if is_control(child) and child.isVisible()]


def _inside_control(child: QtWidgets.QWidget, top: QtWidgets.QWidget) -> bool:
    while child is not None and child is not top:
        if is_control(child):
            return True
        child = child.parentWidget()
    return False


def whole_rect(widget: QtWidgets.QWidget) -> QtCore.QRect:
    """All of ``widget`` in its own coordinates (not ``widget.rect()``: GridView has a ``rect`` of its own)."""
    return QtCore.QRect(QtCore.QPoint(0, 0), widget.size())


def _box(child: QtWidgets.QWidget, widget: QtWidgets.QWidget) -> QtCore.QRect:
    return QtCore.QRect(child.mapTo(widget, QtCore.QPoint(0, 0)), child.size())


def figure_rect(widget: QtWidgets.QWidget) -> QtCore.QRect:
    """The part of ``widget`` (its own coordinates) its visible, unmarked widgets cover, with a small
    margin that stops short of the controls beside it: the view without the rows of controls. The
    whole widget if nothing is marked."""
    marked = controls(widget)
    if not marked:
        return whole_rect(widget)
    covered = QtCore.QRect()
    for child in widget.findChildren(QtWidgets.QWidget):
        if not child.isVisible() or child.width() <= 0 or child.height() <= 0 or _inside_control(child, widget):
            continue
        if any(grand.isVisible() for grand in child.findChildren(QtWidgets.QWidget)):
            continue  # a container: its leaves say where the content is
        covered = covered.united(_box(child, widget))
    if covered.isEmpty():
        return whole_rect(widget)
    margin = FIGURE_MARGIN
    rect = covered.adjusted(-margin, -margin, margin, margin).intersected(whole_rect(widget))
    for control in marked:  # the margin must not take in a sliver of a control beside the content
        box = _box(control, widget)
        if not rect.intersects(box) or box.intersects(covered):
            continue
        if box.bottom() < covered.top():
            rect.setTop(box.bottom() + 1)
        elif box.top() > covered.bottom():
            rect.setBottom(box.top() - 1)
        elif box.right() < covered.left():
            rect.setLeft(box.right() + 1)
        elif box.left() > covered.right():
            rect.setRight(box.left() - 1)
    return rect


def controls_within(widget: QtWidgets.QWidget, rect: QtCore.QRect) -> list[QtWidgets.QWidget]:
    """The marked controls that reach into ``rect`` (``widget``'s coordinates)."""
    return [control for control in controls(widget) if _box(control, widget).intersects(rect)]


@contextmanager
def controls_hidden(widget: QtWidgets.QWidget, rect: QtCore.QRect | None = None) -> Iterator[list[QtWidgets.QWidget]]:
    """Hide the marked controls (those reaching into ``rect``, if given) for a render, then show them
    again. Geometry does not change (the layouts only learn of it in the event loop, by which time the
    controls are back); keyboard focus goes back where it was."""
    hidden = controls(widget) if rect is None else controls_within(widget, rect)
    focus = QtWidgets.QApplication.focusWidget()
    for control in hidden:
        control.setVisible(False)
    try:
        yield hidden
    finally:
        for control in hidden:
            control.setVisible(True)
        if hidden and focus is not None and QtWidgets.QApplication.focusWidget() is not focus:
            focus.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)


# ---- pens -------------------------------------------------------------------------------------------
def _thicker(pen: QtGui.QPen, factor: float) -> QtGui.QPen | None:
    """``pen`` ``factor`` times as wide, or None if it draws nothing or already scales with the picture."""
    if pen is None or pen.style() == QtCore.Qt.PenStyle.NoPen or not pen.isCosmetic():
        return None
    wider = QtGui.QPen(pen)
    wider.setWidthF(max(pen.widthF(), 1.0) * factor)
    return wider


def _as_pen(value: object) -> QtGui.QPen | None:
    import pyqtgraph as pg

    if value is None:
        return None
    return value if isinstance(value, QtGui.QPen) else pg.mkPen(value)


def _scale_item(item: QtWidgets.QGraphicsItem, factor: float) -> list[Callable[[], None]]:
    """Widen ``item``'s pens; returns what puts them back."""
    import pyqtgraph as pg

    undo: list[Callable[[], None]] = []
    if isinstance(item, QtWidgets.QAbstractGraphicsShapeItem | QtWidgets.QGraphicsLineItem):
        pen = item.pen()
        wider = _thicker(pen, factor)
        if wider is not None:
            item.setPen(wider)
            undo.append(lambda: item.setPen(pen))
    elif isinstance(item, pg.InfiniteLine):
        pen = item.pen
        wider = _thicker(pen, factor)
        if wider is not None:
            item.setPen(wider)
            undo.append(lambda: item.setPen(pen))
    elif isinstance(item, pg.AxisItem):
        # not setPen(): it also recolours the axis label
        original = item._pen
        wider = _thicker(item.pen(), factor)
        if wider is not None:
            def put(pen: QtGui.QPen | None) -> None:
                item._pen = pen
                item.picture = None
                item.update()

            put(wider)
            undo.append(lambda: put(original))
    elif isinstance(item, pg.PlotCurveItem):
        pen = _as_pen(item.opts.get("pen"))
        wider = _thicker(pen, factor)
        if wider is not None:
            original = item.opts["pen"]
            item.setPen(wider)
            undo.append(lambda: item.setPen(original))
    elif isinstance(item, pg.PlotDataItem):
        # its curve is an item of its own (widened above); this pen is what the legend's sample draws
        original = item.opts.get("pen")
        wider = _thicker(_as_pen(original), factor)
        if wider is not None:
            item.opts["pen"] = wider
            undo.append(lambda: item.opts.__setitem__("pen", original))
    elif isinstance(item, pg.BarGraphItem):
        pen, pens = item.opts.get("pen"), item.opts.get("pens")
        wider = _thicker(_as_pen(pen), factor)
        wider_pens = None if pens is None else [_thicker(_as_pen(p), factor) or _as_pen(p) for p in pens]
        if wider is not None or wider_pens is not None:
            item.setOpts(pen=wider if wider is not None else pen, pens=wider_pens)
            undo.append(lambda: item.setOpts(pen=pen, pens=pens))
    return undo


@contextmanager
def thicker_lines(widget: QtWidgets.QWidget, factor: float) -> Iterator[int]:
    """Within the block, every cosmetic pen in ``widget``'s graphics scenes is ``factor`` times as
    wide (yields how many pens changed); afterwards they are as they were."""
    undo: list[Callable[[], None]] = []
    if factor != 1:
        views = [widget] if isinstance(widget, QtWidgets.QGraphicsView) else []
        views += widget.findChildren(QtWidgets.QGraphicsView)
        scenes = []
        for view in views:
            scene = view.scene()
            if scene is not None and view.isVisible() and all(scene is not seen for seen in scenes):
                scenes.append(scene)
        for scene in scenes:
            for item in scene.items():
                undo += _scale_item(item, factor)
    try:
        yield len(undo)
    finally:
        for step in reversed(undo):
            step()
