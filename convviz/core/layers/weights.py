"""Putting a spec's tensors into torch modules: seeded initialisation, explicit arrays, hand-made
filters. Imported only when a module is built (it imports torch).

Explicit arrays are shared with the module, not copied: the spec's arrays are read-only float32 and
a built network only runs (``inference_mode``), so a 138-million-parameter VGG is held once.
Training builds its own copies (``share=False``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import nn

_WITHOUT_START: dict[type, type] = {}


def without_random_start(module_class: type[nn.Module], *args, **kwargs) -> nn.Module:
    """``module_class(*args, **kwargs)`` with its parameters allocated but not initialised, like
    ``torch.nn.utils.skip_init`` (the caller fills them). skip_init goes through the meta device,
    whose first use imports sympy (0.5 s before a network's first frame); this subclass with a
    no-op ``reset_parameters`` does not. The module is a plain ``module_class`` afterwards."""
    quiet = _WITHOUT_START.get(module_class)
    if quiet is None:
        quiet = _WITHOUT_START[module_class] = type(module_class.__name__, (module_class,),
                                                    {"reset_parameters": lambda self: None})
    module = quiet(*args, **kwargs)
    module.__class__ = module_class
    return module


def seeded_kaiming(weight: torch.Tensor, bias: torch.Tensor | None, seed: int) -> None:
    """torch's own default initialisation (kaiming-uniform, a = sqrt(5); bias uniform in +-1/sqrt(fan_in)),
    drawn from a seeded generator so the same spec always gives the same weights."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
        if bias is not None:
            fan_in = weight[0].numel()
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            bias.uniform_(-bound, bound, generator=generator)


def as_tensor(array: np.ndarray, share: bool = True) -> torch.Tensor:
    """A float32 tensor over ``array`` (shared memory when ``share``; torch's read-only warning is
    expected: nothing writes to a running network's parameters)."""
    if not share:
        return torch.tensor(np.asarray(array, dtype=np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(np.asarray(array, dtype=np.float32))


def put(module: nn.Module, name: str, array: np.ndarray, share: bool = True) -> None:
    """Replace parameter or buffer ``name`` of ``module`` with ``array`` (same shape)."""
    tensor = as_tensor(array, share)
    current = getattr(module, name)
    if tuple(current.shape) != tuple(tensor.shape):  # pragma: no cover - the geometry checked the shapes
        raise ValueError(f"{name}: {tuple(tensor.shape)} instead of {tuple(current.shape)}")
    if isinstance(current, nn.Parameter):
        setattr(module, name, nn.Parameter(tensor, requires_grad=current.requires_grad))
    else:
        module.register_buffer(name, tensor)


def put_explicit(module: nn.Module, layer, names: tuple[str, ...], share: bool = True) -> None:
    """Every explicit array among ``names`` in the layer's spec goes into the module."""
    for name in names:
        value = layer.get(name)
        if isinstance(value, np.ndarray) and getattr(module, name, None) is not None:
            put(module, name, value, share)
