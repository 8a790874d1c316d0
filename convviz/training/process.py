"""A training run in a process of its own, for the window.

In the window's own process the trainer shares Python's interpreter lock with the GUI and the live
pipeline: measured, it trained at 0.4x the speed of a bare torch loop. In its own process it has a
core to itself. Commands (pause, resume, step, stop) go down a pipe; progress, the finished network
or a failure come back on a queue. The child process is started fresh ("spawn"): nothing of the
window is copied into it.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback
from typing import Any

from convviz.training.datasets import Dataset
from convviz.training.trainer import Control, TrainSettings

COMMANDS = ("pause", "resume", "step", "stop")


class TrainingProcess:
    """``start()`` a run of ``spec`` on ``dataset``; ``receive(timeout)`` gives ("progress", Progress),
    ("finished", TrainResult) or ("failed", message); the commands act at the next batch."""

    def __init__(self, spec, dataset: Dataset, settings: TrainSettings, threads: int = 1):
        context = multiprocessing.get_context("spawn")
        self.messages: Any = context.Queue()
        self._commands, child_commands = context.Pipe()
        self.process = context.Process(target=_child, name="convviz-trainer", daemon=True,
                                       args=(spec, dataset, settings, threads, self.messages, child_commands))

    def start(self) -> None:
        self.process.start()

    def send(self, command: str) -> None:
        if command not in COMMANDS:
            raise ValueError(command)
        try:
            self._commands.send(command)
        except (OSError, ValueError):  # the child has ended: nothing to tell it
            pass

    def receive(self, timeout: float) -> tuple[str, Any] | None:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def end(self, wait: float = 2.0) -> None:
        """Ask the child to stop, then make sure it is gone."""
        self.send("stop")
        self.process.join(wait)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(wait)


def _child(spec, dataset: Dataset, settings: TrainSettings, threads: int, messages, commands) -> None:
    """The training process: train, reporting each batch; obey commands from the pipe."""
    try:
        import torch

        from convviz.training.trainer import Trainer

        torch.set_num_threads(max(1, threads))
        torch.set_flush_denormal(True)
        control = Control()

        def listen() -> None:
            while True:
                try:
                    command = commands.recv()
                except (EOFError, OSError):  # the window went away
                    control.stop()
                    return
                getattr(control, command)()

        threading.Thread(target=listen, name="convviz-trainer-commands", daemon=True).start()
        trainer = Trainer(spec, dataset, settings)
        result = trainer.run(control, lambda progress: messages.put(("progress", progress)))
        messages.put(("finished", result))
    except Exception as error:  # reported to the window, which goes on
        traceback.print_exc()
        messages.put(("failed", f"training stopped: {error}"))
