"""The engine: one frame in, one complete result out (network input, every layer, display images).

Everything a panel needs for a frame is in one ``FrameResult``, so every panel draws the same frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from convviz.core.geometry import NetworkGeometry, analyze
from convviz.core.preprocess import Prepared, prepare
from convviz.core.spec import NetworkSpec
from convviz.pipeline.display import ColourScale, LayerImage, MosaicPainter
from convviz.sources.base import Frame
from convviz.sources.patterns import TOY_LIMIT, toy_prepared

if TYPE_CHECKING:  # torch is imported by the compute thread, after the window is up
    from convviz.core.compute import Activations, Runner

MAP_PAGE = 64  # maps drawn at once per layer; a layer of more is shown a page at a time


@dataclass(frozen=True)
class Timings:
    """Milliseconds spent on each stage of one frame; ``layer_ms`` per layer."""

    capture_ms: float = 0.0
    prepare_ms: float = 0.0
    forward_ms: float = 0.0
    paint_ms: float = 0.0
    layer_ms: tuple[float, ...] = ()
    compute_cpu_ms: float = 0.0  # CPU time of the compute stage's thread (prepare + forward)
    paint_cpu_ms: float = 0.0  # CPU time of the paint stage's thread


@dataclass(frozen=True)
class Built:
    """A network ready to run: spec, geometry and runner made together and swapped as one object, so a
    frame never pairs one network's geometry with another's outputs."""

    spec: NetworkSpec
    geometry: NetworkGeometry
    runner: Runner
    frame_bytes: int = 0  # one frame's activations (input and every output, float32)

    @classmethod
    def make(cls, spec: NetworkSpec, device: str) -> Built:
        from convviz.core.budget import estimate
        from convviz.core.compute import Runner

        geometry = analyze(spec)
        return cls(spec, geometry, Runner(spec, device, geometry), estimate(geometry).activations)


@dataclass(frozen=True)
class Computed:
    """A frame after the network, before display images: what stage 1 hands to stage 2."""

    frame: Frame
    source_name: str
    built: Built
    prepared: Prepared
    activations: Activations
    prepare_ms: float
    forward_ms: float
    messages: tuple[str, ...]
    cpu_ms: float = 0.0  # this stage's thread CPU time


@dataclass(frozen=True)
class Preview:
    """The first picture before the network is ready (torch still loading, the network being built):
    enough for the input panel and the layer panels' titles; ``prepared`` is None if the picture
    could not be prepared yet."""

    frame: Frame
    source_name: str
    spec: NetworkSpec
    geometry: NetworkGeometry
    prepared: Prepared | None


def prepare_frame(frame: Frame, spec: NetworkSpec) -> Prepared:
    """The frame as this network's input (the toy pattern for tiny networks on the test card)."""
    spec_input = spec.input
    if frame.synthetic and max(spec_input.height, spec_input.width) <= TOY_LIMIT:
        return toy_prepared(spec_input)
    return prepare(frame.image, spec_input)


@dataclass(frozen=True)
class FrameResult:
    """One frame's trip through the network, ready for every panel.

    ``images[i]`` is layer i's mosaic; None for flat vectors (drawn as bars from
    ``activations.outputs[i]``) and for maps not on screen (nobody looks at them, nothing is painted).
    Only layers before ``geometry.error`` are present.
    """

    sequence: int
    frame: Frame
    source_name: str
    built: Built
    prepared: Prepared
    activations: Activations
    images: tuple[LayerImage | None, ...]
    timings: Timings
    device: str
    messages: tuple[str, ...] = field(default=())

    @property
    def spec(self) -> NetworkSpec:
        return self.built.spec

    @property
    def geometry(self) -> NetworkGeometry:
        return self.built.geometry

    @property
    def outputs(self) -> tuple[np.ndarray, ...]:
        return self.activations.outputs

    def tensors(self, index: int) -> dict[str, np.ndarray]:
        """Layer ``index``'s weights as the network that made this frame holds them."""
        return self.built.runner.tensors(index)

    def input_of(self, index: int) -> np.ndarray:
        """What layer ``index`` receives: the network input for layer 0, else the previous output."""
        return self.prepared.tensor if index == 0 else self.activations.outputs[index - 1]


class Engine:
    """Holds the built network and the display painter; a frame becomes a result in two stages,
    ``compute`` (network) and ``paint`` (display images), which the live pipeline runs on two threads.

    Each stage is called from one thread only: ``set_network``/``set_device``/``compute`` from the
    compute thread, ``painter``/``paint`` from the paint thread.
    """

    def __init__(self, spec: NetworkSpec, lut: np.ndarray, device: str = "auto", max_tile: int = 192,
                 scale: ColourScale | None = None):
        self.painter = MosaicPainter(lut, max_tile, scale=scale)
        self.shown_layers: frozenset[int] | None = None  # layers whose maps are on screen (None: all)
        self.pages: dict[int, int] = {}  # layer -> first map shown, for layers of more than MAP_PAGE maps
        self.device_request = device
        self.sequence = 0
        self.initial = spec  # built by the first set_network or compute, on the thread that computes
        self.built: Built | None = None

    def set_network(self, spec: NetworkSpec) -> None:
        """Build the new network first; only if that works does it replace the old one (one assignment).
        Raises whatever building raised, with the old network still whole."""
        if self.built is not None and spec is self.built.spec:
            return
        self.built = Built.make(spec, self.device_request)

    def frame_bytes(self) -> int:
        """Bytes of one frame's activations (input and every layer's output, float32), from the shapes."""
        return self.built.frame_bytes if self.built is not None else 0

    def set_device(self, device: str) -> None:
        built = Built.make(self.built.spec if self.built is not None else self.initial, device)
        self.device_request = device
        self.built = built

    def compute(self, frame: Frame, source_name: str = "",
                on_output: Callable[[int, np.ndarray], None] | None = None) -> Computed:
        """Stage 1: the picture as network input, through every layer (``on_output(index, output)``
        as each layer finishes)."""
        start = time.perf_counter()
        cpu_start = time.thread_time()
        if self.built is None:
            self.set_network(self.initial)
        built = self.built  # one network for the whole frame, whatever changes meanwhile
        assert built is not None
        prepared = prepare_frame(frame, built.spec)
        prepared_at = time.perf_counter()
        activations = built.runner.run(prepared.tensor, on_output)
        forward_at = time.perf_counter()
        messages = list(prepared.notes)
        if built.runner.device_choice.message:
            messages.append(built.runner.device_choice.message)
        return Computed(frame, source_name, built, prepared, activations,
                        (prepared_at - start) * 1000, (forward_at - prepared_at) * 1000, tuple(messages),
                        (time.thread_time() - cpu_start) * 1000)

    def preview(self, frame: Frame, source_name: str = "") -> Preview:
        """The picture and the network's shapes, before the network is built (no torch needed)."""
        spec = self.initial if self.built is None else self.built.spec
        geometry = analyze(spec) if self.built is None else self.built.geometry
        try:
            prepared: Prepared | None = prepare_frame(frame, spec)
        except Exception:  # the real frame says why, once the network runs
            prepared = None
        return Preview(frame, source_name, spec, geometry, prepared)

    def paint_layer(self, index: int, output: np.ndarray, smooth: bool) -> LayerImage | None:
        """Layer ``index``'s maps on screen as a display image; None for flat outputs (drawn as bars)
        and layers off screen (nobody looks at them). A layer of hundreds of maps (VGG's 512) paints
        the page of MAP_PAGE on screen."""
        shown = self.shown_layers
        if output.ndim != 3 or (shown is not None and index not in shown):
            return None
        first = self.pages.get(index, 0) if output.shape[0] > MAP_PAGE else 0
        first = max(0, min(first, output.shape[0] - 1)) // MAP_PAGE * MAP_PAGE
        image = self.painter.paint(index, output[first:first + MAP_PAGE], smooth=smooth)
        return replace(image, first_channel=first, channels=output.shape[0])

    def finish(self, computed: Computed, images: tuple[LayerImage | None, ...], paint_ms: float = 0.0,
               paint_cpu_ms: float = 0.0) -> FrameResult:
        """The finished result of a computed frame and its display images."""
        self.sequence += 1
        timings = Timings(computed.frame.capture_ms, computed.prepare_ms, computed.forward_ms, paint_ms,
                          computed.activations.layer_ms, computed.cpu_ms, paint_cpu_ms)
        return FrameResult(self.sequence, computed.frame, computed.source_name, computed.built,
                           computed.prepared, computed.activations, images, timings, computed.activations.device,
                           computed.messages)

    def paint(self, computed: Computed) -> FrameResult:
        """Stage 2 at once: every layer's maps as display images, and the finished result."""
        start = time.perf_counter()
        cpu_start = time.thread_time()
        smooth = computed.frame.index > 0
        images = tuple(self.paint_layer(index, output, smooth)
                       for index, output in enumerate(computed.activations.outputs))
        return self.finish(computed, images, (time.perf_counter() - start) * 1000,
                           (time.thread_time() - cpu_start) * 1000)
