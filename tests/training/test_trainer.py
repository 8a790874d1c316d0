"""Training: the loss falls and held-out accuracy beats chance on a fixed seed; a diverging run keeps
its last good weights; pause/resume and single steps continue the same run; the trained network saved
and reopened gives identical outputs; the classifier is fitted to the data."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from convviz.core.compute import Runner, layer_tensors
from convviz.core.geometry import analyze
from convviz.core.spec import NetworkSpec
from convviz.training.classifier import fit_classifier, prepare_for_training
from convviz.training.datasets import make_bars
from convviz.training.selectivity import orientation_selectivity, preferred_orientation
from convviz.training.trainer import Control, Trainer, TrainError, TrainSettings

SMALL = {"name": "small", "input": {"channels": 1, "height": 16, "width": 16}, "layers": [
    {"type": "conv2d", "out_channels": 6, "kernel_size": 5, "padding": 2, "seed": 1}, {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2}, {"type": "flatten"}, {"type": "linear", "out_features": 8, "seed": 2},
    {"type": "softmax"}]}


@pytest.fixture(scope="module")
def bars():
    return make_bars(480, (16, 16), seed=1)


@pytest.fixture
def small(bars):
    spec, _ = prepare_for_training(NetworkSpec.from_dict(SMALL), bars.classes, bars.images)
    return spec


def test_the_loss_falls_and_held_out_accuracy_beats_chance(small, bars):
    seen = []
    result = Trainer(small, bars, TrainSettings(epochs=6, batch_size=32, learning_rate=0.005, seed=0)).run(
        on_progress=seen.append)
    assert result.reason == "finished"
    assert seen[-1].train_loss < 0.6 * seen[0].train_loss
    assert seen[-1].held_out_accuracy >= 0.6  # chance is 1/8 = 12.5%
    assert result.spec.classes == bars.classes and "held-out accuracy" in result.message
    assert any(p.tensors is not None for p in seen)  # weights published while it learns


def test_a_learning_rate_of_ten_diverges_and_keeps_the_last_good_weights(small, bars):
    trainer = Trainer(small, bars, TrainSettings(epochs=3, batch_size=32, learning_rate=10.0, optimiser="sgd"))
    start = {k: v.copy() for layer in trainer.tensors().values() for k, v in layer.items()}
    result = trainer.run()
    assert result.reason == "diverged" and "learning rate 10 is too large" in result.message
    kept = layer_tensors(result.spec, 0)["weight"]
    assert np.isfinite(kept).all()
    assert np.isfinite(Runner(result.spec, "cpu").run(np.zeros((1, 16, 16), np.float32)).outputs[-1]).all()
    del start


def _weights(spec: NetworkSpec) -> np.ndarray:
    return np.concatenate([t.ravel() for i in range(len(spec.layers)) if analyze(spec).layers[i].kind.tensors
                           for t in layer_tensors(spec, i).values()])


def test_pause_resume_and_single_steps_continue_the_same_run(small, bars):
    """A run paused (and stepped one batch at a time) on another thread ends with exactly the weights of
    a run that never stopped."""
    torch.set_num_threads(1)
    settings = TrainSettings(epochs=2, batch_size=32, learning_rate=0.005, seed=4)
    straight = Trainer(small, bars, settings).run()
    trainer = Trainer(small, bars, settings)
    control = Control()
    steps: list[int] = []
    changed = threading.Condition()

    def on_progress(progress):
        with changed:
            steps.append(progress.step)
            if progress.step == 5:
                control.pause()
            changed.notify_all()

    result: list = []
    worker = threading.Thread(target=lambda: result.append(trainer.run(control, on_progress)))
    worker.start()
    with changed:
        assert changed.wait_for(lambda: steps and steps[-1] == 5, timeout=30)
    for expected in (6, 7, 8):
        control.step()
        with changed:
            assert changed.wait_for(lambda e=expected: steps[-1] >= e, timeout=30)
        assert steps[-1] == expected and control.paused  # exactly one batch per step
    control.resume()
    worker.join(60)
    assert result[0].reason == "finished" and steps == sorted(set(steps))
    np.testing.assert_array_equal(_weights(result[0].spec), _weights(straight.spec))


def test_stop_ends_the_run_with_what_it_learned(small, bars):
    control = Control()
    result = Trainer(small, bars, TrainSettings(epochs=50, batch_size=32)).run(
        control, lambda p: control.stop() if p.step == 3 else None)
    assert result.reason == "stopped" and "stopped after 3 steps" in result.message


def test_a_trained_network_saved_and_reopened_gives_identical_outputs(small, bars, tmp_path):
    result = Trainer(small, bars, TrainSettings(epochs=1, batch_size=32)).run()
    result.spec.save(tmp_path / "trained.json")
    again = NetworkSpec.load(tmp_path / "trained.json")
    image = bars.images[0].mean(axis=2, dtype=np.float32)[None] / 255
    np.testing.assert_array_equal(Runner(result.spec, "cpu").run(image).outputs[-1],
                                  Runner(again, "cpu").run(image).outputs[-1])
    assert again.classes == bars.classes and again.input.mean == small.input.mean


def test_a_network_that_does_not_end_in_the_right_classifier_is_refused_then_fitted(bars):
    wrong = NetworkSpec.from_dict({**SMALL, "layers": SMALL["layers"][:4]})  # ends in a flatten
    with pytest.raises(TrainError, match="but bars has 8 classes"):
        Trainer(wrong, bars, TrainSettings())
    fitted, said = fit_classifier(wrong, bars.classes)
    assert "fully connected layer with 8 outputs added" in said and "softmax added" in said
    assert analyze(fitted).output_shape == (8,) and fitted.classes == bars.classes
    ten = NetworkSpec.from_dict({**SMALL, "layers": SMALL["layers"][:4] + [
        {"type": "linear", "out_features": 10}, {"type": "softmax"}]})
    fitted, said = fit_classifier(ten, bars.classes)
    assert said == "layer 5 now has 8 outputs, one per class" and analyze(fitted).output_shape == (8,)
    conv_only = NetworkSpec.from_dict({**SMALL, "layers": SMALL["layers"][:2]})
    fitted, said = fit_classifier(conv_only, bars.classes)
    assert [layer.type for layer in fitted.layers[-3:]] == ["flatten", "linear", "softmax"]


def test_orientation_selectivity_knows_an_edge_detector_from_noise():
    from convviz.core.filters import make_filter

    edges = np.stack([make_filter(name, (5, 5))[None] for name in ("sobel_x", "sobel_y", "prewitt_x")])
    assert (orientation_selectivity(edges) > 0.45).all()
    assert preferred_orientation(edges).tolist() == [0.0, 90.0, 0.0]
    blob = make_filter("laplacian", (3, 3))[None, None]
    assert orientation_selectivity(blob)[0] < 0.05
