"""The document: what the lecturer is working on, in one Qt-free object the window observes.

It holds the network with its undo history (and the file or preset it came from), the input source
that is running, freeze, the device and the selection, and announces each change on its own event:

    network   NetworkChange: a new current network (an edit, undo/redo, open, new, training weights)
    history   None: undo/redo availability or the saved state changed
    file      None: the network's file or preset changed
    input     FrameSource: a new input is asked for (the pipeline opens it, then ``source`` follows)
    source    FrameSource: the running input changed (the pipeline opened it)
    lost      str: the running input stopped delivering (why, in words)
    frozen    bool
    device    str: "auto", "cpu" or "cuda"
    training  bool: a network is learning in the window (the live input slows down to leave it the machine)

Controllers change it only through its methods; the pipeline follows the events. A network the
pipeline cannot build is handed back with ``refused`` and the document returns to the last one that
worked, so the window never shows one network while running another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from convviz.core.budget import check_network
from convviz.core.editing import EditHistory
from convviz.core.geometry import analyze
from convviz.core.spec import NetworkSpec
from convviz.model.events import Events
from convviz.model.selection import SelectionModel
from convviz.sources.base import FrameSource


@dataclass(frozen=True)
class NetworkChange:
    """What the ``network`` event carries: the new network, why (an undo label), and whether it is a
    passing state (weights while training) that is not in the history."""

    spec: NetworkSpec
    label: str = ""
    transient: bool = False


class Document:
    """The network (with history), its file, the input, freeze, device and selection."""

    def __init__(self, spec: NetworkSpec, path: Path | None = None, preset: str | None = None,
                 source: FrameSource | None = None, device: str = "auto"):
        self.history = EditHistory.start(spec)
        self.path = path
        self.preset = preset
        self.source = source
        self.frozen = False
        self.device = device
        self.selection = SelectionModel()
        self.shown: NetworkSpec = spec  # what the pipeline runs now (the current network, or a training preview)
        self._previous: tuple[EditHistory, Path | None, str | None] | None = None
        self.lost_source: FrameSource | None = None  # the input that stopped delivering, for Retry
        self.training = False
        self.events = Events("network", "history", "file", "input", "source", "lost", "frozen", "device", "training")

    # ---- the network ----------------------------------------------------------------------------------
    @property
    def network(self) -> NetworkSpec:
        return self.history.current

    @property
    def modified(self) -> bool:
        return self.history.modified

    def _announce(self, label: str, transient: bool = False) -> None:
        self.shown = self.network
        self.selection.clear()
        self.events.network.emit(NetworkChange(self.network, label, transient))
        self.events.history.emit(None)

    def edit(self, spec: NetworkSpec, label: str) -> bool:
        """Record an edit (False if nothing changed). BudgetError, and nothing changes, if the new
        network would need more memory than the machine has."""
        if spec == self.network:
            return False
        check_network(analyze(spec), spec.name)
        self._previous = None
        self.history.apply(spec, label)
        self._announce(label)
        return True

    def undo(self) -> None:
        if self.history.can_undo:
            self.history.undo()
            self._announce("undo")

    def redo(self) -> None:
        if self.history.can_redo:
            self.history.redo()
            self._announce("redo")

    def replace(self, spec: NetworkSpec, path: Path | None = None, preset: str | None = None,
                saved: bool = True) -> None:
        """Another network (opened, new, a preset): a fresh history. BudgetError if it cannot fit."""
        check_network(analyze(spec), spec.name)
        self._previous = (self.history, self.path, self.preset)
        self.history = EditHistory.start(spec, saved)
        self.path, self.preset = path, preset
        self._announce("open")
        self.events.file.emit(None)

    def preview(self, spec: NetworkSpec) -> None:
        """Show a passing state (the weights while a network trains) without recording it."""
        self.shown = spec
        self.events.network.emit(NetworkChange(spec, "preview", transient=True))

    def refused(self, spec: NetworkSpec) -> bool:
        """The pipeline could not build ``spec``: go back to the network before it. True if it did."""
        if spec is not self.network:
            return False
        if self._previous is not None:
            self.history, self.path, self.preset = self._previous
            self._previous = None
            self.events.file.emit(None)
        elif self.history.can_undo:
            self.history.undo()
            self.history.drop_redo()
        else:
            return False
        self._announce("refused")
        return True

    def mark_saved(self, path: Path) -> None:
        self.history.mark_saved()
        self.path, self.preset = path, None
        self.events.file.emit(None)
        self.events.history.emit(None)

    # ---- input, freeze, device ------------------------------------------------------------------------
    def request_source(self, source: FrameSource) -> None:
        """Ask for another input; ``source`` is announced once it is open (a failure is a message and
        the current input stays)."""
        self.events.input.emit(source)

    def set_source(self, source: FrameSource) -> None:
        """The input that is running now (the pipeline reports it after opening it)."""
        self.source = source
        self.lost_source = None
        self.events.source.emit(source)

    def source_lost(self, message: str) -> None:
        """The running input stopped delivering; the last picture stays on screen."""
        self.lost_source = self.source
        self.events.lost.emit(message)

    def set_frozen(self, frozen: bool) -> None:
        if frozen != self.frozen:
            self.frozen = frozen
            self.events.frozen.emit(frozen)

    def set_training(self, training: bool) -> None:
        if training != self.training:
            self.training = training
            self.events.training.emit(training)

    def set_device(self, device: str) -> None:
        if device != self.device:
            self.device = device
            self.events.device.emit(device)
