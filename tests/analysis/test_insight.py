"""What a unit looks for, checked against oracles: top patches against a brute-force scan in torch,
gradient ascent that climbs and finds a Sobel filter's edge, Grad-CAM on a hand-set last layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convviz.analysis.gradcam import GradCam
from convviz.analysis.maximise import maximise, picture
from convviz.analysis.top_patches import TopPatchCache, layer_tops, patches
from convviz.core.compute import build_module
from convviz.core.geometry import analyze
from convviz.core.spec import NetworkSpec
from convviz.training.datasets import make_shapes
from convviz.training.selectivity import preferred_orientation
from convviz.training.trainer import to_network_input

NET = {"name": "scan", "input": {"channels": 3, "height": 24, "width": 24, "mean": [0.5, 0.5, 0.5],
                                 "std": [0.25, 0.25, 0.25]},
       "layers": [{"type": "conv2d", "out_channels": 6, "kernel_size": 5, "padding": 2, "seed": 3}, {"type": "relu"},
                  {"type": "maxpool2d", "kernel_size": 2},
                  {"type": "conv2d", "out_channels": 5, "kernel_size": 3, "seed": 4}, {"type": "relu"}]}


def test_top_patches_equal_a_brute_force_scan_in_torch():
    spec = NetworkSpec.from_dict(NET)
    data = make_shapes(150, (24, 24), seed=2)
    tops = layer_tops(spec, data.images, layer=4, k=9, batch=32)
    module = build_module(spec)
    with torch.no_grad():
        maps = module(to_network_input(data.images, spec.input))  # every picture at once: the oracle
    best = maps.flatten(2).max(dim=2).values.numpy()  # (N, C)
    for channel in range(5):
        expected = np.argsort(-best[:, channel], kind="stable")[:9]
        np.testing.assert_array_equal(tops.where[channel, :, 0], expected)
        np.testing.assert_allclose(tops.values[channel], best[expected, channel], rtol=1e-5, atol=1e-6)
    geometry = analyze(spec)
    found = patches(tops, 2, data.images, geometry)
    first = found[0]
    index, row, col = tops.where[2, 0]
    assert maps[index, 2, row, col] == pytest.approx(first.value, rel=1e-5)
    top, left, bottom, right = first.box
    assert (bottom - top, right - left) == (min(10, 24), min(10, 24)) or first.box[0] == 0 or first.box[2] == 24
    assert first.crop.shape == (bottom - top, right - left, 3)


def test_a_one_channel_network_is_shown_its_patches_in_grey_as_it_saw_them():
    spec = NetworkSpec.from_dict({**NET, "input": {"channels": 1, "height": 24, "width": 24}})
    data = make_shapes(40, (24, 24), seed=5)
    tops = layer_tops(spec, data.images, layer=0, k=3)
    crop = patches(tops, 0, data.images, analyze(spec), channels=1)[0].crop
    seen = to_network_input(data.images, spec.input)[tops.where[0, 0, 0], 0]  # what the network got, in [0, 1]
    assert np.array_equal(crop[..., 0], crop[..., 1]) and np.array_equal(crop[..., 0], crop[..., 2])
    top, left, bottom, right = analyze(spec).field_box(-1, 0, *map(int, tops.where[0, 0, 1:]))
    np.testing.assert_allclose(crop[..., 0] / 255.0, seen[top:bottom, left:right].numpy(), atol=1 / 255)


def test_the_cache_keeps_a_scan_until_the_network_changes():
    spec = NetworkSpec.from_dict(NET)
    data = make_shapes(16, (24, 24))
    cache = TopPatchCache()
    tops = layer_tops(spec, data.images, layer=0, k=3)
    cache.put(spec, data, tops)
    assert cache.get(spec, data, 0) is tops
    retrained = spec.with_layers(spec.layers)  # a new network object: new weights in the window's terms
    assert cache.get(retrained, data, 0) is None and cache.get(spec, data, 1) is None


@pytest.mark.parametrize("name, angle", [("sobel_x", 0.0), ("sobel_y", 90.0)])
def test_the_picture_a_sobel_unit_wants_is_an_edge_of_its_orientation(name, angle):
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 15, "width": 15}, "layers": [
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "init": name}]})
    climb = list(maximise(spec, 0, 0, steps=120, every=10))
    values = [step.activation for step in climb]
    assert values[-1] > 5 * max(abs(values[0]), 0.05)  # it climbed
    assert sum(b < a - 1e-3 * abs(a) for a, b in zip(values, values[1:])) <= 1  # and (nearly) never fell
    patch = climb[-1].image[:, 6:9, 6:9]  # the centre unit's receptive field
    assert preferred_orientation(patch[None]).item() == pytest.approx(angle, abs=10)
    kernel = build_module(spec)[0].weight.detach().numpy()[0, 0]
    assert np.corrcoef(patch.ravel(), kernel.ravel())[0, 1] > 0.8  # for layer 1: the filter itself
    assert picture(climb[-1].image, spec).shape == (15, 15, 3)


def test_grad_cam_lights_the_region_the_set_weights_make_decisive():
    """A bright-detector map (channel 0) and a dark-detector map (channel 1); class 0's score reads
    only channel 0, class 1's only channel 1. On a picture bright on the left and dark on the right,
    class 0 comes from the left half and class 1 from the right."""
    height = width = 8
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": height, "width": width}, "layers": [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 1, "weight": [[[[1.0]]], [[[-1.0]]]], "bias": [0.0, 0.0]},
        {"type": "relu"}, {"type": "flatten"},
        {"type": "linear", "out_features": 2, "bias": [0.0, 0.0],
         "weight": [[1 / 64] * 64 + [0.0] * 64, [0.0] * 64 + [1 / 64] * 64]}, {"type": "softmax"}]})
    rng = np.random.default_rng(0)
    picture_ = np.empty((1, height, width), np.float32)
    picture_[:, :, : width // 2] = rng.uniform(0.5, 1.0, (1, height, width // 2))
    picture_[:, :, width // 2:] = -rng.uniform(0.5, 1.0, (1, height, width // 2))
    cam = GradCam(spec)
    assert cam.layer == 1  # the ReLU after the last convolution
    for target, lit, dark in ((0, slice(0, 4), slice(4, 8)), (1, slice(4, 8), slice(0, 4))):
        heat = cam(picture_, target).heat
        assert heat[:, lit].min() > 0.4 and heat[:, dark].max() == 0.0
    assert cam(picture_).target in (0, 1)
