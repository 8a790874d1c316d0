"""How numbers are written for people: short, and where they are added up, adding up as shown.

No Qt here: the views ask these functions for their text, the tests check them without a window.

Students check a dot product by hand from the screen: if R, G, B and the bias read -0.08, -0.09,
0.17 and -0.09 the total must read -0.09, not torch's -0.08 rounded on its own. ``add_up`` rounds
the terms of a sum to a common number of decimals and, where their rounded values would not add up
to the rounded total, moves the terms that were rounded the furthest by one unit in the last place
(the largest-remainder method), so each shown term stays within one unit of its value and the shown
terms add up to the shown total exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def decimals_for(magnitude: float) -> int:
    """Decimals that keep a number short: 2 below 10, 1 below 100, none above."""
    if not np.isfinite(magnitude) or magnitude >= 100:
        return 0
    return 1 if magnitude >= 10 else 2


def fixed_text(value: float, decimals: int) -> str:
    """``value`` with at most ``decimals`` decimals, trailing zeros dropped ('0.5', '-1', '0')."""
    if np.isnan(value):
        return ""
    if not np.isfinite(value):
        return "-inf" if value < 0 else "inf"
    text = f"{round(float(value), decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number_text(value: float) -> str:
    """Short, readable numbers: 1, 0.25, -1.5, 0.12, 123 ('' for NaN: a cell not computed yet)."""
    if np.isnan(value):
        return ""
    if not np.isfinite(value):
        return "-inf" if value < 0 else "inf"
    return fixed_text(value, decimals_for(abs(value)))


@dataclass(frozen=True)
class Rounded:
    """Terms and their total rounded to ``decimals``, so that ``sum(terms) == total`` exactly in
    units of the last decimal. ``adjusted`` counts the terms moved off their own rounding (0: each
    term is simply rounded)."""

    terms: tuple[float, ...]
    total: float
    decimals: int
    adjusted: int

    def term_texts(self) -> list[str]:
        return [fixed_text(t, self.decimals) for t in self.terms]

    @property
    def total_text(self) -> str:
        return fixed_text(self.total, self.decimals)


def add_up(terms, total: float | None = None, decimals: int | None = None, fixed: int = 0) -> Rounded:
    """Round ``terms`` so that they add up to the rounded ``total`` (default: their exact sum).

    ``decimals`` defaults to what the largest number needs (``decimals_for``). The last ``fixed``
    terms are shown with their own rounding and never moved (the bias: a parameter the student can
    look up elsewhere). Terms are moved by one unit, largest rounding error first.
    """
    values = np.asarray(list(terms), dtype=np.float64)
    exact = float(values.sum()) if total is None else float(total)
    if decimals is None:
        largest = max([abs(exact), *np.abs(values).tolist()]) if values.size else abs(exact)
        decimals = decimals_for(largest)
    scale = 10.0 ** decimals
    units = np.round(values * scale)
    target = round(exact * scale)
    movable = np.arange(max(0, len(values) - fixed))
    missing = int(target - units.sum())
    adjusted = 0
    if missing and movable.size:
        # positive: terms rounded down the most go up by one unit (and the reverse)
        error = values[movable] * scale - units[movable]
        order = movable[np.argsort(-error if missing > 0 else error, kind="stable")]
        step = 1 if missing > 0 else -1
        for k in range(abs(missing)):
            units[order[k % len(order)]] += step
        adjusted = min(abs(missing), len(order))
    shown_terms = tuple(float(u) / scale for u in units)
    return Rounded(shown_terms, float(units.sum()) / scale, decimals, adjusted)


__all__ = ["Rounded", "add_up", "decimals_for", "fixed_text", "number_text"]
