"""How strongly a filter prefers one orientation: a number that says a first layer has learned edge
detectors (Hubel & Wiesel's simple cells) rather than noise.

For each filter (summed over its input channels) the response energy to gratings of every orientation
is read from its 2-D Fourier transform; the orientation selectivity is the length of the mean of those
energies as vectors at twice their angle (0: no preferred orientation, 1: one orientation only), the
usual circular measure for orientation tuning.
"""

from __future__ import annotations

import numpy as np

ANGLES = 36  # orientations sampled over 180 degrees


def orientation_energy(kernel: np.ndarray, angles: int = ANGLES, size: int = 32) -> np.ndarray:
    """(angles,) response energy of a 2-D ``kernel`` to gratings at 0..180 degrees (0: the brightness
    changes left to right), summed over spatial frequencies; the DC term is left out."""
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(kernel - kernel.mean(), s=(size, size)))) ** 2
    fy, fx = np.mgrid[0:size, 0:size] - size // 2
    radius = np.hypot(fx, fy)
    theta = np.mod(np.arctan2(fy, fx), np.pi)  # the direction the brightness changes in
    centres = np.arange(angles) * np.pi / angles
    energy = np.zeros(angles)
    keep = radius > 0
    for k, centre in enumerate(centres):
        distance = np.abs(np.angle(np.exp(2j * (theta - centre)))) / 2  # angular distance, mod 180 degrees
        weight = np.clip(1 - distance / (np.pi / angles), 0, 1) * keep
        energy[k] = float((spectrum * weight).sum())
    return energy


def orientation_selectivity(weight: np.ndarray) -> np.ndarray:
    """(filters,) selectivity 0..1 of conv weights (filters, in_channels, kh, kw)."""
    values = []
    for filter_ in np.asarray(weight, dtype=np.float64):
        energy = orientation_energy(filter_.sum(axis=0))
        angles = np.arange(len(energy)) * np.pi / len(energy)
        total = energy.sum()
        values.append(float(np.abs((energy * np.exp(2j * angles)).sum()) / total) if total > 0 else 0.0)
    return np.asarray(values)


def preferred_orientation(weight: np.ndarray) -> np.ndarray:
    """(filters,) the orientation in degrees (0..180) each filter responds to most."""
    result = []
    for filter_ in np.asarray(weight, dtype=np.float64):
        energy = orientation_energy(filter_.sum(axis=0))
        result.append(float(np.argmax(energy) * 180 / len(energy)))
    return np.asarray(result)
