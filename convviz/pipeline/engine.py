"""The engine: one frame in, one complete result out (network input, every layer, display images).

Everything a panel needs for a frame is in one ``FrameResult``, so every panel draws the same frame.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from convviz.core.compute import Activations, Runner
from convviz.core.geometry import NetworkGeometry, analyze
from convviz.core.preprocess import Prepared, prepare
from convviz.core.spec import NetworkSpec
from convviz.pipeline.display import LayerImage, MosaicPainter
from convviz.sources.base import Frame


@dataclass(frozen=True)
class Timings:
    """Milliseconds spent on each stage of one frame; ``layer_ms`` per layer."""

    capture_ms: float = 0.0
    prepare_ms: float = 0.0
    forward_ms: float = 0.0
    paint_ms: float = 0.0
    layer_ms: tuple[float, ...] = ()


@dataclass(frozen=True)
class FrameResult:
    """One frame's trip through the network, ready for every panel.

    ``images[i]`` is layer i's mosaic (None for flat vectors, drawn as bars from
    ``activations.outputs[i]``). Only layers before ``geometry.error`` are present.
    """

    sequence: int
    frame: Frame
    source_name: str
    spec: NetworkSpec
    geometry: NetworkGeometry
    prepared: Prepared
    activations: Activations
    images: tuple[LayerImage | None, ...]
    timings: Timings
    device: str
    messages: tuple[str, ...] = field(default=())

    @property
    def outputs(self) -> tuple[np.ndarray, ...]:
        return self.activations.outputs


class Engine:
    """Holds the built network and the display painter; ``process`` turns a frame into a result.

    Not thread-safe: one thread (the pipeline's) calls it.
    """

    def __init__(self, spec: NetworkSpec, lut: np.ndarray, device: str = "auto", max_tile: int = 192):
        self.painter = MosaicPainter(lut, max_tile)
        self.device_request = device
        self.sequence = 0
        self.set_network(spec)

    def set_network(self, spec: NetworkSpec) -> None:
        self.spec = spec
        self.geometry: NetworkGeometry = analyze(spec)
        self.runner = Runner(spec, self.device_request, self.geometry)

    def set_device(self, device: str) -> None:
        self.device_request = device
        self.runner = Runner(self.spec, device, self.geometry)

    @property
    def device_message(self) -> str | None:
        return self.runner.device_choice.message

    def process(self, frame: Frame, source_name: str = "") -> FrameResult:
        start = time.perf_counter()
        prepared = prepare(frame.image, self.spec.input)
        prepared_at = time.perf_counter()
        activations = self.runner.run(prepared.tensor)
        forward_at = time.perf_counter()
        images = tuple(
            self.painter.paint(index, output, smooth=frame.index > 0) if output.ndim == 3 else None
            for index, output in enumerate(activations.outputs)
        )
        painted_at = time.perf_counter()
        self.sequence += 1
        messages = list(prepared.notes)
        if self.device_message:
            messages.append(self.device_message)
        timings = Timings(
            capture_ms=frame.capture_ms,
            prepare_ms=(prepared_at - start) * 1000,
            forward_ms=(forward_at - prepared_at) * 1000,
            paint_ms=(painted_at - forward_at) * 1000,
            layer_ms=activations.layer_ms,
        )
        return FrameResult(self.sequence, frame, source_name, self.spec, self.geometry, prepared, activations,
                           images, timings, activations.device, tuple(messages))
