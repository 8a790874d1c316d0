"""How strongly a filter prefers one orientation: a number that says a first layer has learned edge
detectors (Hubel & Wiesel's simple cells) rather than noise.

For each filter (summed over its input channels) the response energy to gratings of every orientation
is read from its 2-D Fourier transform; the orientation selectivity is the length of the mean of those
energies as vectors at twice their angle (0: no preferred orientation, 1: one orientation only), the
usual circular measure for orientation tuning.
"""

from __future__ import annotations

import functools

import numpy as np

ANGLES = 36  # orientations sampled over 180 degrees


@functools.lru_cache(maxsize=4)
def _angle_masks(angles: int, size: int) -> np.ndarray:
    """(angles, size*size) weights of each spectrum cell for each orientation (made once: the same for
    every filter, and the window asks for them at every preview)."""
    fy, fx = np.mgrid[0:size, 0:size] - size // 2
    theta = np.mod(np.arctan2(fy, fx), np.pi)  # the direction the brightness changes in
    centres = np.arange(angles)[:, None, None] * np.pi / angles
    distance = np.abs(np.angle(np.exp(2j * (theta - centres)))) / 2  # angular distance, mod 180 degrees
    masks = np.clip(1 - distance / (np.pi / angles), 0, 1) * (np.hypot(fx, fy) > 0)  # DC left out
    return masks.reshape(angles, size * size)


def orientation_energies(kernels: np.ndarray, angles: int = ANGLES, size: int = 32) -> np.ndarray:
    """(filters, angles) response energy of 2-D ``kernels`` (filters, kh, kw) to gratings at 0..180
    degrees (0: the brightness changes left to right), summed over spatial frequencies; no DC term."""
    kernels = np.asarray(kernels, dtype=np.float64)
    centred = kernels - kernels.mean(axis=(1, 2), keepdims=True)
    spectra = np.abs(np.fft.fftshift(np.fft.fft2(centred, s=(size, size)), axes=(1, 2))) ** 2
    return spectra.reshape(len(kernels), -1) @ _angle_masks(angles, size).T


def orientation_energy(kernel: np.ndarray, angles: int = ANGLES, size: int = 32) -> np.ndarray:
    """(angles,) ``orientation_energies`` of one 2-D ``kernel``."""
    return orientation_energies(np.asarray(kernel)[None], angles, size)[0]


def orientation_selectivity(weight: np.ndarray) -> np.ndarray:
    """(filters,) selectivity 0..1 of conv weights (filters, in_channels, kh, kw)."""
    energy = orientation_energies(np.asarray(weight, dtype=np.float64).sum(axis=1))
    angles = np.arange(energy.shape[1]) * np.pi / energy.shape[1]
    total = energy.sum(axis=1)
    vector = np.abs(energy @ np.exp(2j * angles))
    return np.divide(vector, total, out=np.zeros_like(total), where=total > 0)


def preferred_orientation(weight: np.ndarray) -> np.ndarray:
    """(filters,) the orientation in degrees (0..180) each filter responds to most."""
    energy = orientation_energies(np.asarray(weight, dtype=np.float64).sum(axis=1))
    return np.argmax(energy, axis=1) * 180.0 / energy.shape[1]
