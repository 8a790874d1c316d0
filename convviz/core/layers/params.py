"""The parameters a layer type takes, and how a value from a network file is checked.

Names mirror torch's constructors (``nn.Conv2d(out_channels, kernel_size, stride, padding, dilation,
groups, bias)``) so a student can read a network file as PyTorch. Each layer type lists its
``Param``s; validating files, filling in torch's defaults and building the editor's forms all read
that list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from convviz.core.filters import FILTER_NAMES

# Parameter kinds, checked by ``check_value``:
#   int      a whole number >= minimum (<= maximum)
#   pair     a whole number or [height, width], each >= minimum
#   padding  like pair (>= 0), or the string "same" where ``allow_same``
#   float    a finite number (within minimum..maximum)
#   bool     true / false
#   init     "kaiming", a hand-made filter name, or a list of them (one per output channel)
#   array    a nested list of finite numbers (explicit weights): a read-only float32 array
#   bias     true / false, or a list of numbers (explicit biases): a read-only float32 array
NO_DEFAULT = object()
INT_LIMIT = 2**31 - 1  # no count or size in a network file is larger (torch's int32 kernels)
INIT_CHOICES = ("kaiming", *FILTER_NAMES)


@dataclass(frozen=True)
class Param:
    """One constructor argument of a layer type."""

    name: str
    kind: str
    default: Any = NO_DEFAULT  # torch's default; NO_DEFAULT means the key is required
    minimum: float | None = None
    maximum: float | None = None
    editor_default: Any = NO_DEFAULT  # what a new layer in the editor starts with
    allow_same: bool = False
    optional: bool = False  # may be absent with no default (explicit weight arrays)
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT and not self.optional


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def describe_value(value: Any) -> str:
    """A value as a message quotes it, cut short (a 5,000-digit number is not repeated)."""
    try:
        text = repr(value)
    except ValueError:  # ints beyond Python's digit limit
        text = "a number too long to print"
    return text if len(text) <= 40 else text[:37] + "..."


def _whole(param: Param, value: Any) -> int:
    if not _is_int(value):
        raise ValueError(f"must be a whole number, not {describe_value(value)}")
    minimum = param.minimum if param.minimum is not None else -INT_LIMIT
    maximum = min(param.maximum if param.maximum is not None else INT_LIMIT, INT_LIMIT)
    if value < minimum:
        raise ValueError(f"must be at least {minimum:g}, not {describe_value(value)}")
    if value > maximum:
        raise ValueError(f"must be at most {maximum:,.0f}, not {describe_value(value)}")
    return value


def _array(value: Any, what: str) -> np.ndarray:
    """A read-only float32 array from nested lists (or an array); finite numbers only."""
    if isinstance(value, np.ndarray) and value.dtype == np.float32 and not value.flags.writeable \
            and value.base is None:
        array = value  # already one of ours: no copy (big published weights are held once)
    else:
        if isinstance(value, np.ndarray) and np.iscomplexobj(value):
            raise ValueError(f"must be real numbers; {what} are complex")
        try:
            array = np.array(value, dtype=np.float32)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"must be {what}: a nested list of numbers of one rectangular shape") from None
        if array.dtype == object:
            raise ValueError(f"must be {what}: a nested list of numbers of one rectangular shape")
        array.setflags(write=False)
    if array.size == 0:
        raise ValueError(f"must be {what}: not an empty list")
    if not np.isfinite(array).all():
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ValueError(f"holds {bad:,} value(s) that are not finite numbers (NaN, infinity, or beyond "
                         "float32's range of about 3.4e38)")
    return array


def check_value(param: Param, value: Any) -> Any:
    """Return ``value`` normalised (lists become tuples or read-only arrays), or raise ValueError
    saying what is wrong. The message is completed with the layer and key by the caller."""
    kind = param.kind
    if kind == "int":
        return _whole(param, value)
    if kind in ("pair", "padding"):
        if value is None and param.default is None:
            return None
        if kind == "padding" and isinstance(value, str):
            if value == "same" and param.allow_same:
                return value
            if value == "valid" and param.allow_same:
                return 0
            allowed = "a whole number, [height, width]" + (' or "same"' if param.allow_same else "")
            raise ValueError(f"must be {allowed}, not {describe_value(value)}")
        if _is_int(value):
            items: tuple[Any, ...] = (value,)
        elif isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_int(v) for v in value):
            items = tuple(value)
        else:
            raise ValueError(f"must be a whole number or [height, width], not {describe_value(value)}")
        items = tuple(_whole(param, v) for v in items)
        return items[0] if len(items) == 1 else items
    if kind == "float":
        if not _is_number(value):
            raise ValueError(f"must be a number, not {describe_value(value)}")
        number = float(value) if not isinstance(value, int) or abs(value) < 10**300 else math.inf
        if not math.isfinite(number):
            raise ValueError(f"must be a finite number, not {describe_value(value)}")
        if param.minimum is not None and number < param.minimum:
            raise ValueError(f"must be at least {param.minimum:g}, not {number:g}")
        if param.maximum is not None and number > param.maximum:
            raise ValueError(f"must be at most {param.maximum:g}, not {number:g}")
        return number
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {describe_value(value)}")
        return value
    if kind == "bias":
        if isinstance(value, bool):
            return value
        if isinstance(value, (list, tuple, np.ndarray)):
            array = _array(value, "bias values")
            if array.ndim != 1:
                raise ValueError("must be true, false or a flat list of numbers")
            return array
        raise ValueError(f"must be true, false or a list of numbers, not {describe_value(value)}")
    if kind == "init":
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
            raise ValueError(f'must be "kaiming", a filter name or a list of filter names, not {describe_value(value)}')
        for name in names:
            if name not in INIT_CHOICES:
                raise ValueError(f"{describe_value(name)} is not a known initialisation; choose from "
                                 f"{', '.join(INIT_CHOICES)}")
        if isinstance(value, str):
            return value
        if "kaiming" in names and len(names) > 1:
            raise ValueError('"kaiming" applies to the whole layer; a per-channel list takes filter names')
        return tuple(names)
    if kind == "array":
        return _array(value, "explicit values")
    raise AssertionError(f"unknown parameter kind {kind}")  # pragma: no cover


def pair(value: Any) -> tuple[int, int]:
    """A spatial value as (height, width) whether it was given as one number or two."""
    if isinstance(value, tuple):
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))
