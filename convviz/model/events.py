"""A tiny event: listeners connect, the model emits. Specific events (``document.events.network``),
not one "something changed": a listener subscribes to what it draws.

Plain Python, called synchronously on the thread that emits (the GUI thread for the document).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Event:
    """One kind of change; ``emit(value)`` calls every listener with the value, in connection order."""

    def __init__(self, name: str):
        self.name = name
        self._listeners: list[Callable[[Any], object]] = []

    def connect(self, listener: Callable[[Any], object]) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def disconnect(self, listener: Callable[[Any], object]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, value: Any = None) -> None:
        for listener in list(self._listeners):
            listener(value)

    def __len__(self) -> int:
        return len(self._listeners)


class Events:
    """A named group of events: ``Events("network", "source").network.connect(...)``."""

    def __init__(self, *names: str):
        for name in names:
            setattr(self, name, Event(name))
