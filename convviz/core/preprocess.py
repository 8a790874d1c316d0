"""Turning any picture into the network's input volume.

Whatever arrives (grey, RGB, RGBA, 16-bit, float, 6000x4000 or 7x7) becomes a (C, H, W) float32 array
in [0, 1] at the network's working size. What had to be adapted is reported in words, not refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from convviz.core.errors import ImageError
from convviz.core.spec import InputSpec

GREY = (0.299, 0.587, 0.114)  # ITU-R BT.601 luma: how a colour picture becomes one channel


@dataclass(frozen=True)
class Prepared:
    """The network input and what was done to get there.

    ``tensor`` is (C, H, W) float32 in [0, 1], possibly a view of H x W x C memory; ``display`` is the
    resized picture as H x W x 3 uint8 RGB (what the input panel shows); ``scale`` the resize factor
    (output pixels per source pixel); ``notes`` adaptations in words.
    """

    tensor: np.ndarray
    display: np.ndarray
    scale: float
    source_size: tuple[int, int]  # (height, width) of the picture as given
    notes: tuple[str, ...] = ()


def to_rgb8(image: np.ndarray) -> np.ndarray:
    """Any image array (H x W, H x W x 1/3/4; uint8, uint16, float, bool) as H x W x 3 uint8 RGB.

    Colour arrays are taken to be RGB(A) order already.
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or array.size == 0:
        raise ImageError(f"cannot show an array of shape {array.shape} as an image")
    if array.dtype == np.uint8:
        pass
    elif array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    elif np.issubdtype(array.dtype, np.unsignedinteger) or np.issubdtype(array.dtype, np.signedinteger):
        maximum = 65535 if array.dtype.itemsize >= 2 and array.max(initial=0) > 255 else 255
        array = (np.clip(array, 0, maximum).astype(np.float32) * (255.0 / maximum) + 0.5).astype(np.uint8)
    elif np.issubdtype(array.dtype, np.floating):
        finite = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
        high = 255.0 if finite.max(initial=0) > 1.0 else 1.0
        array = (np.clip(finite / high, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    else:
        raise ImageError(f"cannot show pixels of type {array.dtype}")
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    if array.shape[2] == 4:
        rgb = array[:, :, :3].astype(np.float32)
        alpha = array[:, :, 3:4].astype(np.float32) / 255.0
        # composite on white, like an image viewer: transparent areas must not turn black
        return (rgb * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
    return np.ascontiguousarray(array)


def fit_to(rgb: np.ndarray, height: int, width: int) -> tuple[np.ndarray, float]:
    """Centre-crop to the target aspect ratio, then resize; returns the image and the scale factor."""
    src_h, src_w = rgb.shape[:2]
    target_aspect = width / height
    if src_w / src_h > target_aspect:
        crop_w = max(1, round(src_h * target_aspect))
        left = (src_w - crop_w) // 2
        rgb = rgb[:, left:left + crop_w]
    elif src_w / src_h < target_aspect:
        crop_h = max(1, round(src_w / target_aspect))
        top = (src_h - crop_h) // 2
        rgb = rgb[top:top + crop_h]
    scale = height / rgb.shape[0]
    if rgb.shape[:2] != (height, width):
        shrinking = scale < 1
        rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return rgb, scale


def resize_then_crop(rgb: np.ndarray, shorter: int, height: int, width: int) -> tuple[np.ndarray, float]:
    """torchvision's Resize(shorter) + CenterCrop((height, width)): the shorter side scaled to
    ``shorter`` pixels, then the centre cut out. Returns the image and the scale factor."""
    src_h, src_w = rgb.shape[:2]
    scale = shorter / min(src_h, src_w)
    size = (max(width, round(src_w * scale)), max(height, round(src_h * scale)))  # (w, h) for OpenCV
    if size != (src_w, src_h):
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    top, left = (size[1] - height) // 2, (size[0] - width) // 2
    return np.ascontiguousarray(rgb[top:top + height, left:left + width]), scale


def prepare(image: np.ndarray, input_spec: InputSpec) -> Prepared:
    """The picture as the network's (C, H, W) float32 input (in [0, 1], or normalised with the input's
    mean and std), with what was adapted in words."""
    rgb = to_rgb8(image)
    source_size = rgb.shape[:2]
    notes: list[str] = []
    if input_spec.resize is not None:
        fitted, scale = resize_then_crop(rgb, input_spec.resize, input_spec.height, input_spec.width)
        notes.append(f"{source_size[1]}x{source_size[0]} picture: shorter side scaled to {input_spec.resize}, "
                     f"centre {input_spec.width}x{input_spec.height} cut out")
    else:
        fitted, scale = fit_to(rgb, input_spec.height, input_spec.width)
        if scale != 1.0:
            notes.append(f"{source_size[1]}x{source_size[0]} picture scaled by {scale:.3g} to "
                         f"{input_spec.width}x{input_spec.height}")
    channels = input_spec.channels
    planes = fitted.astype(np.float32)
    planes *= np.float32(1.0 / 255.0)
    if channels == 3:
        tensor = planes.transpose(2, 0, 1)  # a (C, H, W) view of H x W x C memory: torch's channels-last
    else:
        grey = planes @ np.array(GREY, dtype=np.float32)
        if channels == 1:
            tensor = grey[None]
            fitted = np.repeat((grey * 255.0 + 0.5).astype(np.uint8)[:, :, None], 3, axis=2)
            if np.ndim(image) == 3 and np.shape(image)[2] >= 3:
                notes.append("colour picture turned grey for a 1-channel network")
        else:
            tensor = np.repeat(grey[None], channels, axis=0)
            notes.append(f"grey picture repeated into the network's {channels} input channels")
        tensor = np.ascontiguousarray(tensor, dtype=np.float32)
    if input_spec.mean is not None and input_spec.std is not None:
        normalise(tensor, input_spec.mean, input_spec.std)
        notes.append("normalised per channel: (x - mean) / std, mean " + ", ".join(f"{m:g}" for m in input_spec.mean)
                     + "; std " + ", ".join(f"{s:g}" for s in input_spec.std))
    return Prepared(tensor, fitted, scale, source_size, tuple(notes))


def normalise(tensor: np.ndarray, mean: tuple[float, ...], std: tuple[float, ...]) -> None:
    """(x - mean) / std per channel of a (C, H, W) array, in place (whatever its memory layout)."""
    tensor -= np.asarray(mean, dtype=np.float32)[:, None, None]
    tensor *= np.asarray([1.0 / s for s in std], dtype=np.float32)[:, None, None]
