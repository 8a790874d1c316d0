"""The class scores panel on a projector: every probability is drawn whole beside its bar, however
narrow the dock (presenter mode puts it in a sixth of the screen)."""

from __future__ import annotations

import pytest

from convviz.core.classes import Prediction
from convviz.ui.panels.class_scores import ClassScoresPanel, _percent
from convviz.ui.theme import THEMES


@pytest.mark.parametrize("width", [230, 320, 600])
def test_every_number_fits_beside_its_bar(qtbot, width):
    panel = ClassScoresPanel(THEMES["projector-dark"])
    qtbot.addWidget(panel)
    panel.resize(width, 600)
    panel.show()
    qtbot.waitExposed(panel)
    top = [Prediction(1, 0, "cross", 1.0), Prediction(2, 1, "square", 0.002), Prediction(3, 2, "triangle", 0.0)]
    panel.plot.getAxis("left").setTicks([[(p.rank - 1, p.name) for p in top]])  # as show_result names them
    panel._top = top
    for text, p in zip(panel.values, top):
        text.setText(_percent(p.probability))
    panel._fit()
    view = panel.plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: view.width() > 0, timeout=5000)
    panel._fit()

    def whole() -> bool:  # (the view's new range reaches the scene once Qt has laid it out)
        right = view.sceneBoundingRect().right()
        return all(text.sceneBoundingRect().right() <= right + 1 for text in panel.values[:len(top)])

    qtbot.waitUntil(whole, timeout=3000)


def test_unnamed_classes_are_counted_from_1():
    """typical_convnet names no classes: the panel's 'class 10' is the softmax view's 'class 10' and
    the webcam classes' numbering (it said 'class 9' for the same output)."""
    from convviz.core.classes import class_names
    from convviz.core.presets import load_preset

    assert class_names(load_preset("typical_convnet"), 10) == [f"class {k}" for k in range(1, 11)]
