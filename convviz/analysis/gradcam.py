"""Where a class comes from in a picture: Grad-CAM (Selvaraju et al. 2017).

The class's score is differentiated with respect to the maps of a layer (by default the last layer
whose output is still maps: after the last convolution and its ReLU or pooling); each map's weight is
the mean of its gradient, and the heat map is the ReLU of the weighted sum of the maps, scaled to 0..1
and resized to the input. Bright: the parts of the picture whose features raised the score the most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convviz.core.geometry import analyze
from convviz.core.layers import layer_type
from convviz.core.spec import NetworkSpec


@dataclass(frozen=True)
class Heat:
    """A heat map (H, W) in 0..1 at the input's size, for ``target`` (a class index) at ``layer``."""

    heat: np.ndarray
    target: int
    layer: int
    score: float


def last_map_layer(spec: NetworkSpec) -> int | None:
    """The last layer whose output is maps, if a layer with filters comes before it (Grad-CAM's choice:
    the last convolution's features, after its ReLU)."""
    geometry = analyze(spec)
    seen_filters = False
    found = None
    for g in geometry.layers:
        seen_filters = seen_filters or layer_type(g.type).has_filters
        if seen_filters and len(g.output_shape) == 3:
            found = g.index
    return found


class GradCam:
    """Built once per network (modules without gradient bookkeeping for the weights), then asked per picture."""

    def __init__(self, spec: NetworkSpec, layer: int | None = None):
        from convviz.core.compute import build_module

        self.spec = spec
        self.layer = last_map_layer(spec) if layer is None else layer
        if self.layer is None:
            raise ValueError("this network has no convolution layer for Grad-CAM")
        geometry = analyze(spec)
        self.scored = len(geometry.layers) - (1 if geometry.layers and geometry.layers[-1].kind.gives_probabilities
                                              else 0)
        self.model = build_module(spec.with_layers(spec.layers[: len(geometry.layers)])).eval()
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)

    def __call__(self, tensor: np.ndarray, target: int | None = None) -> Heat:
        """Heat for class ``target`` (the winner if None) on one input (C, H, W) float32."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(tensor, dtype=np.float32))[None]
        with torch.enable_grad():
            for index, module in enumerate(self.model[: self.scored]):
                x = module(x)
                if index == self.layer:  # differentiate from here on: these maps are the leaves
                    maps = x.detach().requires_grad_(True)
                    x = maps
            scores = x[0]
            chosen = int(scores.argmax()) if target is None else int(target)
            scores[chosen].backward()
        grads = maps.grad[0]  # (C, h, w)
        weights = grads.mean(dim=(1, 2))
        cam = torch.relu((weights[:, None, None] * maps[0]).sum(dim=0)).detach()
        cam = torch.nn.functional.interpolate(cam[None, None], size=tuple(tensor.shape[1:]), mode="bilinear",
                                              align_corners=False)[0, 0]
        peak = float(cam.max())
        heat = (cam / peak).numpy() if peak > 0 else np.zeros(tensor.shape[1:], np.float32)
        return Heat(heat.astype(np.float32), chosen, self.layer, float(scores[chosen].detach()))
