"""Work the machine cannot do is refused up front, with the figure: a network whose weights and
activations would not fit in memory is never built ("needs 7.3 TiB; this machine has 24 GB").

Estimates are from the geometry alone (shapes and parameter counts), so they cost microseconds and
never allocate. Counts are Python ints (no int64 wrap-around for absurd sizes).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from convviz.core.errors import ConvvizError
from convviz.core.geometry import NetworkGeometry

FLOAT = 4  # bytes per float32
# a frame's activations exist two or three times while live (shown, waiting, being computed; networks
# of big frames two: pipeline.live.STRICT_FRAME_BYTES), plus the heap's holes between them and torch's
# transients. Measured (scripts/bench_live.py, 2 cores): the heavier benchmark network's 146 MiB frames
# peak at 945-1,000 MB (base + 3.4-3.8 frames), VGG-16's 110 MiB at 1,354 MB (base + weights + 3.4),
# the default network's 35 MiB at 610-650 MB (base + 4.5-5.5); five copies covers them all
LIVE_COPIES = 5
BASE_BYTES = 450 * 2**20  # Python, Qt, torch and the window before any network (measured 454 MB)


class BudgetError(ConvvizError):
    """A network (or picture, or export) that needs more memory than this machine has."""


def human_bytes(count: float) -> str:
    """'7.3 TiB', '24 GB' style: binary units, three significant figures at most."""
    units = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    value = float(count)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            if unit == "bytes":
                return f"{int(value)} bytes"
            return f"{value:.3g} {unit}" if value < 1e21 else f"{value:.2e} {unit}"
        value /= 1024
    return f"{value:.3g} {units[-1]}"  # pragma: no cover


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def total_memory() -> int:
    """This machine's memory in bytes."""
    value = _meminfo("MemTotal")
    if value:
        return value
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not Linux
        return 8 * 2**30


def available_memory() -> int:
    """Memory a new allocation can have now (MemAvailable), in bytes."""
    return _meminfo("MemAvailable") or total_memory() // 2


@dataclass(frozen=True)
class Estimate:
    """Bytes a network needs to run live: its tensors (weights, once) and a frame's activations."""

    weights: int
    activations: int

    @property
    def total(self) -> int:
        return self.weights + self.activations * LIVE_COPIES + BASE_BYTES


def estimate(geometry: NetworkGeometry) -> Estimate:
    """From shapes alone: parameters (and batch norm's buffers, counted like parameters) and every
    layer's output for one frame, float32."""
    weights = sum(layer.params for layer in geometry.layers) * FLOAT
    activations = (math.prod(geometry.input_shape) + sum(math.prod(layer.output_shape) for layer in geometry.layers))
    return Estimate(weights, activations * FLOAT)


def check_network(geometry: NetworkGeometry, name: str = "this network") -> Estimate:
    """BudgetError with the figure if running the network would need more memory than is free."""
    need = estimate(geometry)
    free, total = available_memory(), total_memory()
    if need.total > free:
        raise BudgetError(
            f"{name} needs {human_bytes(need.total)} to run ({human_bytes(need.weights)} of weights, "
            f"{human_bytes(need.activations)} of activations per frame, kept {LIVE_COPIES} times while live); "
            f"this machine has {human_bytes(total)} ({human_bytes(free)} free). Use a smaller input or fewer, "
            "smaller layers.")
    return need
