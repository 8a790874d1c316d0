"""The patches of a data set that excite a unit most, each cropped to the unit's receptive field.

For every picture, the network runs up to the unit's layer (in batches, on the CPU or CUDA); each map
(channel) keeps the pictures where its strongest unit is strongest, one patch per picture (the place
of that unit). One pass answers every channel of the layer, so the results are cached per network
(the spec object: new weights are a new spec), data set and layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from convviz.core.geometry import NetworkGeometry, analyze
from convviz.core.preprocess import GREY
from convviz.core.spec import NetworkSpec
from convviz.training.datasets import Dataset


@dataclass(frozen=True)
class Patch:
    """One excitation: picture ``index`` of the data set, the unit at (``row``, ``col``) of the map,
    its ``value``, and ``box`` = (top, left, bottom, right) of its receptive field in the picture
    (clipped to it; ``crop`` is that part of the picture, H x W x 3 uint8)."""

    index: int
    row: int
    col: int
    value: float
    box: tuple[int, int, int, int]
    crop: np.ndarray


@dataclass(frozen=True)
class LayerTops:
    """For every channel of a layer, the best pictures: ``values`` (channels, k), ``where``
    (channels, k, 3) = (picture, row, col)."""

    layer: int
    values: np.ndarray
    where: np.ndarray


def layer_tops(spec: NetworkSpec, images: np.ndarray, layer: int, k: int = 9, device: str = "cpu",
               progress: Callable[[int, int], None] | None = None, batch: int = 64) -> LayerTops:
    """Scan ``images`` (N, H, W, 3) uint8 at the network's input size through layers 0..``layer``."""
    import torch

    from convviz.core.compute import build_module, select_device
    from convviz.training.trainer import to_network_input

    geometry = analyze(spec)
    if not 0 <= layer < len(geometry.layers) or len(geometry.layers[layer].output_shape) != 3:
        raise ValueError(f"layer {layer + 1} has no maps to scan")
    where_device = select_device(device).device
    model = build_module(spec.with_layers(spec.layers[: layer + 1]))
    model = model.to(where_device)
    channels = geometry.layers[layer].output_shape[0]
    best_values = np.full((channels, 0), -np.inf, np.float32)
    best_where = np.zeros((channels, 0, 3), np.int64)
    total = len(images)
    with torch.inference_mode():
        for start in range(0, total, batch):
            x = to_network_input(images[start:start + batch], spec.input).to(where_device)
            maps = model(x).float().cpu()  # (b, C, H, W)
            b, _, height, width = maps.shape
            flat = maps.reshape(b, channels, height * width)
            values, places = flat.max(dim=2)  # each picture's strongest unit per channel: (b, C)
            rows, cols = np.divmod(places.numpy(), width)
            pictures = np.arange(start, start + b)[:, None].repeat(channels, 1)
            here = np.stack([pictures, rows, cols], axis=2).transpose(1, 0, 2)  # (C, b, 3)
            merged_values = np.concatenate([best_values, values.numpy().T], axis=1)
            merged_where = np.concatenate([best_where, here], axis=1)
            order = np.argsort(-merged_values, axis=1, kind="stable")[:, :k]
            best_values = np.take_along_axis(merged_values, order, axis=1)
            best_where = np.take_along_axis(merged_where, order[:, :, None], axis=1)
            if progress is not None:
                progress(min(start + b, total), total)
    return LayerTops(layer, best_values, best_where)


def patches(tops: LayerTops, channel: int, images: np.ndarray, geometry: NetworkGeometry,
            channels: int = 3) -> list[Patch]:
    """The best patches of ``channel`` as crops of the pictures, each the unit's receptive field, and
    grey when the network has one input channel: the picture as the network saw it."""
    found = []
    for value, (index, row, col) in zip(tops.values[channel], tops.where[channel]):
        if not np.isfinite(value):
            continue
        box = geometry.field_box(-1, tops.layer, int(row), int(col)) or (0, 0, *images.shape[1:3])
        top, left, bottom, right = box
        crop = images[int(index), top:max(bottom, top + 1), left:max(right, left + 1)]
        if channels != 3:
            grey = np.rint(crop.astype(np.float32) @ np.asarray(GREY, np.float32)).clip(0, 255).astype(np.uint8)
            crop = np.repeat(grey[:, :, None], 3, axis=2)
        found.append(Patch(int(index), int(row), int(col), float(value), box, crop))
    return found


class TopPatchCache:
    """Scans remembered per (network, data set, layer): the same spec object means the same weights."""

    def __init__(self, size: int = 8):
        self.size = size
        self._entries: list[tuple[NetworkSpec, Dataset, int, LayerTops]] = []

    def get(self, spec: NetworkSpec, dataset: Dataset, layer: int) -> LayerTops | None:
        for cached_spec, cached_data, cached_layer, tops in self._entries:
            if cached_spec is spec and cached_data is dataset and cached_layer == layer:
                return tops
        return None

    def put(self, spec: NetworkSpec, dataset: Dataset, tops: LayerTops) -> None:
        self._entries = [entry for entry in self._entries if not (entry[0] is spec and entry[1] is dataset
                                                                 and entry[2] == tops.layer)]
        self._entries.append((spec, dataset, tops.layer, tops))
        del self._entries[:-self.size]
