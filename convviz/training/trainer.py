"""The training loop: a network's weights learn from a data set, on a worker thread (the window stays
live) or on the command line (``convviz train``), with the same code.

The network is trained as torch trains it: its own modules (copies of the spec's tensors), cross
entropy on the scores before a final softmax, SGD with momentum or Adam, mini-batches in a seeded
order. While it learns it reports ``Progress`` (losses, accuracies on the training batches and on the
held-out pictures it never trains on) and, a few times a second, its current weights, so the maps,
the filters and the mechanics views follow. A run that diverges (a loss that is NaN, infinite or
explodes: a learning rate of 10) stops and keeps the last good weights. Pause, resume and single steps
continue the same run (same optimiser state, same data order).
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from convviz.core.errors import ConvvizError
from convviz.core.geometry import NetworkGeometry, analyze
from convviz.core.preprocess import GREY
from convviz.core.spec import InputSpec, NetworkSpec
from convviz.training.datasets import Dataset

OPTIMISERS = ("adam", "sgd")
EVAL_SAMPLE = 512  # held-out pictures scored between epochs (all of them at each epoch's end)
EVAL_EVERY_S = 2.0
DIVERGED = 25.0  # a loss this many times the first one (or not finite) means the run diverged


class TrainError(ConvvizError):
    """A network and data set that cannot be trained together (the message says how to fix it)."""


@dataclass(frozen=True)
class TrainSettings:
    """How to train: ``optimiser`` "adam" or "sgd" (with momentum 0.9); ``device`` as the device menu."""

    epochs: int = 5
    batch_size: int = 64
    learning_rate: float = 0.003
    optimiser: str = "adam"
    seed: int = 0
    weight_decay: float = 0.0
    device: str = "auto"
    preview_every_s: float = 0.3

    def checked(self) -> TrainSettings:
        if not 1 <= self.epochs <= 10_000:
            raise TrainError(f"epochs must be from 1 to 10,000, not {self.epochs}")
        if not 1 <= self.batch_size <= 4096:
            raise TrainError(f"the batch size must be from 1 to 4,096, not {self.batch_size}")
        if not (math.isfinite(self.learning_rate) and 0 < self.learning_rate <= 100):
            raise TrainError(f"the learning rate must be a number above 0 (and at most 100), not {self.learning_rate}")
        if not (math.isfinite(self.weight_decay) and 0 <= self.weight_decay <= 10):
            raise TrainError(f"the weight decay must be from 0 to 10, not {self.weight_decay}")
        if self.optimiser not in OPTIMISERS:
            raise TrainError(f"the optimiser is {' or '.join(OPTIMISERS)}, not {self.optimiser!r}")
        return self


@dataclass(frozen=True)
class Progress:
    """Where a run is. Losses are cross entropy; accuracies 0..1; ``held_out_*`` None until scored;
    ``tensors`` the current weights by layer (published every ``preview_every_s``), else None."""

    epoch: int
    epochs: int
    step: int
    steps: int
    train_loss: float
    train_accuracy: float
    held_out_loss: float | None
    held_out_accuracy: float | None
    seconds: float
    samples_per_second: float
    tensors: dict[int, dict[str, np.ndarray]] | None = None


@dataclass(frozen=True)
class TrainResult:
    """The trained network (weights explicit, classes named), why the run ended ("finished",
    "stopped", "diverged"), a message for the user, and the last progress."""

    spec: NetworkSpec
    reason: str
    message: str
    progress: Progress | None


class Control:
    """Pause, resume, one step, stop: asked from any thread, obeyed between batches."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._steps = 0
        self._lock = threading.Lock()
        self.stopped = False

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def step(self) -> None:
        """Train one batch while paused (then pause again)."""
        with self._lock:
            self._steps += 1
        self._running.set()

    def stop(self) -> None:
        self.stopped = True
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_turn(self) -> bool:
        """Block while paused; False once stopped. A pending single step lets one batch through."""
        self._running.wait()
        with self._lock:
            if self._steps:
                self._steps -= 1
                if self._steps == 0:
                    self._running.clear()
        return not self.stopped


def fits(geometry: NetworkGeometry, classes: int) -> bool:
    """Whether the network ends in a classifier with one output per class."""
    return geometry.ok and len(geometry.output_shape) == 1 and geometry.output_shape[0] == classes


def to_network_input(images: np.ndarray, input_spec: InputSpec):
    """(N, H, W, 3) uint8 pictures as the network's (N, C, H, W) float32 tensor, as the live input is
    prepared: [0, 1], grey for one channel, the input's mean/std normalisation."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)
    channels = input_spec.channels
    if channels != 3:
        grey = (x * torch.tensor(GREY).view(1, 3, 1, 1)).sum(dim=1, keepdim=True)
        x = grey.expand(-1, channels, -1, -1).contiguous()
    if input_spec.mean is not None and input_spec.std is not None:
        x = (x - torch.tensor(input_spec.mean).view(1, -1, 1, 1)) / torch.tensor(input_spec.std).view(1, -1, 1, 1)
    return x


def check_trainable(spec: NetworkSpec, dataset: Dataset) -> NetworkGeometry:
    """The network's geometry if it can learn ``dataset`` as it is; TrainError saying why not."""
    geometry = analyze(spec)
    if geometry.error is not None:
        raise TrainError(f"{spec.name} cannot work yet ({geometry.error}); fix it before training")
    classes = len(dataset.classes)
    if not fits(geometry, classes):
        shape = "x".join(map(str, geometry.output_shape))
        raise TrainError(f"{spec.name} ends in {shape} outputs but {dataset.name} has {classes} classes: its last "
                         f"layer needs {classes} outputs (convviz can change it for you)")
    size = (spec.input.height, spec.input.width)
    if dataset.images.shape[1:3] != size:
        raise TrainError(f"{dataset.name}'s pictures are {dataset.images.shape[2]}x{dataset.images.shape[1]} but "
                         f"the network takes {size[1]}x{size[0]}")
    if dataset.training_count < 1:
        raise TrainError(f"{dataset.name} has no pictures to train on")
    if not any(layer.kind.tensors for layer in geometry.layers):
        raise TrainError(f"{spec.name} has nothing to learn (no layer with weights)")
    return geometry


def total_steps(dataset: Dataset, settings: TrainSettings) -> int:
    """How many batches a run of ``settings`` on ``dataset`` trains."""
    return math.ceil(dataset.training_count / settings.batch_size) * settings.epochs


class Trainer:
    """One training run of ``spec`` on ``dataset``; ``run`` on the thread that should do the work."""

    def __init__(self, spec: NetworkSpec, dataset: Dataset, settings: TrainSettings):
        import torch
        from torch import nn

        from convviz.core.compute import build_layer, select_device

        self.settings = settings.checked()
        geometry = check_trainable(spec, dataset)
        self.spec, self.dataset, self.geometry = spec, dataset, geometry
        self.device = select_device(settings.device)
        torch.manual_seed(settings.seed)
        layers = [build_layer(layer, g) for layer, g in zip(spec.layers, geometry.layers)]
        for module in layers:  # its own copies: the running network's shared arrays are never written
            owned = list(module.named_parameters(recurse=False)) + list(module.named_buffers(recurse=False))
            for name, tensor in owned:
                setattr(module, name, nn.Parameter(tensor.detach().clone()) if isinstance(tensor, nn.Parameter)
                        else tensor.detach().clone())
        # the loss wants scores: a final softmax is left out of the trained forward (it has no weights)
        self.scored = len(layers) - 1 if geometry.layers[-1].kind.gives_probabilities else len(layers)
        self.model = nn.Sequential(*layers[: self.scored]).to(self.device.device)
        self.layers = layers
        parameters = [p for p in self.model.parameters() if p.requires_grad]
        if not parameters:
            raise TrainError(f"{spec.name} has nothing to learn (no layer with weights)")
        if settings.optimiser == "adam":  # AdamW: weight decay that shrinks the start's noise out of the filters
            self.optimiser = torch.optim.AdamW(parameters, lr=settings.learning_rate,
                                               weight_decay=settings.weight_decay)
        else:
            self.optimiser = torch.optim.SGD(parameters, lr=settings.learning_rate, momentum=0.9,
                                             weight_decay=settings.weight_decay)
        self.loss = nn.CrossEntropyLoss()
        self.train_index = np.flatnonzero(~dataset.held_out)
        self.held_index = np.flatnonzero(dataset.held_out)
        self.generator = np.random.default_rng(settings.seed)
        self.batches_per_epoch = math.ceil(len(self.train_index) / settings.batch_size)
        self.step = 0
        self.epoch = 0
        self._order = self.generator.permutation(self.train_index)
        self._position = 0
        self._good_state = copy.deepcopy(self.model.state_dict())
        self._first_loss: float | None = None

    @property
    def total_steps(self) -> int:
        return total_steps(self.dataset, self.settings)

    def _batch(self, indices: np.ndarray):
        import torch

        x = to_network_input(self.dataset.images[indices], self.spec.input).to(self.device.device)
        y = torch.from_numpy(self.dataset.labels[indices]).to(self.device.device)
        return x, y

    def _next_indices(self) -> np.ndarray:
        if self._position >= len(self._order):
            self.epoch += 1
            self._order = self.generator.permutation(self.train_index)
            self._position = 0
        start = self._position
        self._position += self.settings.batch_size
        return self._order[start:self._position]

    def evaluate(self, indices: np.ndarray) -> tuple[float | None, float | None]:
        """Loss and accuracy on ``indices`` (in eval mode: dropout off, batch norm's running statistics)."""
        import torch

        if len(indices) == 0:
            return None, None
        self.model.eval()
        total_loss, correct = 0.0, 0
        with torch.no_grad():
            for start in range(0, len(indices), 256):
                x, y = self._batch(indices[start:start + 256])
                scores = self.model(x)
                total_loss += float(self.loss(scores, y)) * len(y)
                correct += int((scores.argmax(1) == y).sum())
        self.model.train()
        return total_loss / len(indices), correct / len(indices)

    def tensors(self) -> dict[int, dict[str, np.ndarray]]:
        """The current weights of every layer that has tensors, as numpy copies on the CPU."""
        found: dict[int, dict[str, np.ndarray]] = {}
        for index, (module, g) in enumerate(zip(self.layers, self.geometry.layers)):
            names = g.kind.tensors
            if names:
                state = module.state_dict()
                found[index] = {name: state[name].detach().to("cpu").float().numpy().copy()
                                for name in names if name in state}
        return found

    def trained_spec(self) -> NetworkSpec:
        """The network with the current weights in it (explicit tensors) and the data set's class names."""
        from convviz.core.editing import set_tensors

        spec = self.spec
        for index, tensors in self.tensors().items():
            spec = set_tensors(spec, index, tensors)
        return replace(spec, classes=tuple(self.dataset.classes), weights=None)

    def run(self, control: Control | None = None,
            on_progress: Callable[[Progress], None] | None = None) -> TrainResult:
        """Train until the last epoch, a stop or divergence; ``on_progress`` is called on this thread."""
        import torch

        control = control or Control()
        settings = self.settings
        self.model.train()
        sync = torch.cuda.synchronize if self.device.device.type == "cuda" else (lambda: None)
        started = time.perf_counter()
        last_preview = last_eval = 0.0
        held_loss = held_accuracy = None
        recent_loss: list[float] = []
        recent_correct: list[float] = []
        samples = 0
        progress: Progress | None = None
        reason, message = "finished", ""
        held_loss, held_accuracy = self.evaluate(self.held_index[:EVAL_SAMPLE])
        while self.step < self.total_steps:
            if not control.wait_turn():
                reason, message = "stopped", f"stopped after {self.step:,} steps"
                break
            indices = self._next_indices()
            x, y = self._batch(indices)
            self.optimiser.zero_grad(set_to_none=True)
            scores = self.model(x)
            loss = self.loss(scores, y)
            value = float(loss.detach())
            if self._first_loss is None:
                self._first_loss = value
            if not math.isfinite(value) or value > DIVERGED * max(self._first_loss, 0.1):
                self.model.load_state_dict(self._good_state)
                reason = "diverged"
                message = (f"training diverged at step {self.step + 1:,} (loss {value:.3g}); the learning rate "
                           f"{settings.learning_rate:g} is too large. The last good weights are kept.")
                break
            loss.backward()
            self.optimiser.step()
            sync()
            if not all(torch.isfinite(p).all() for p in self.model.parameters()):
                self.model.load_state_dict(self._good_state)
                reason = "diverged"
                message = (f"training diverged at step {self.step + 1:,} (the weights became NaN); the learning "
                           f"rate {settings.learning_rate:g} is too large. The last good weights are kept.")
                break
            self.step += 1
            samples += len(y)
            recent_loss = (recent_loss + [value])[-20:]
            recent_correct = (recent_correct + [float((scores.argmax(1) == y).float().mean())])[-20:]
            now = time.perf_counter()
            end_of_epoch = self.step % self.batches_per_epoch == 0
            if end_of_epoch or now - last_eval >= EVAL_EVERY_S:
                held_loss, held_accuracy = self.evaluate(self.held_index if end_of_epoch else
                                                         self.held_index[:EVAL_SAMPLE])
                last_eval = now
            publish = now - last_preview >= settings.preview_every_s or self.step == self.total_steps
            if publish:
                last_preview = now
                if self.step % 10 == 0 or end_of_epoch or self.step == self.total_steps:
                    self._good_state = copy.deepcopy(self.model.state_dict())
            elapsed = now - started
            progress = Progress(min(self.epoch + 1, settings.epochs), settings.epochs, self.step, self.total_steps,
                                float(np.mean(recent_loss)), float(np.mean(recent_correct)), held_loss, held_accuracy,
                                elapsed, samples / elapsed if elapsed > 0 else 0.0,
                                self.tensors() if publish else None)
            if on_progress is not None:
                on_progress(progress)
        if reason == "finished":
            held_loss, held_accuracy = self.evaluate(self.held_index)
            if progress is not None:
                progress = replace(progress, held_out_loss=held_loss, held_out_accuracy=held_accuracy)
            accuracy = f"{held_accuracy * 100:.1f}%" if held_accuracy is not None else "n/a"
            message = (f"trained {self.step:,} steps ({settings.epochs} epochs) on {self.dataset.name}: held-out "
                       f"accuracy {accuracy}")
        return TrainResult(self.trained_spec(), reason, message, progress)
