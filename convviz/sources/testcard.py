"""The built-in test card: drawn by code so convviz always has something to show, no file needed.

It holds what filters react to: edges at every orientation (a Siemens star), circles, a
checkerboard, text, grey and colour gradients and saturated colour bars.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np


@functools.lru_cache(maxsize=4)
def draw_test_card(width: int = 640, height: int = 480) -> np.ndarray:
    """The test card as height x width x 3 uint8 RGB (drawn at 640x480, then resized). Read-only."""
    w, h = 640, 480
    card = np.zeros((h, w, 3), np.uint8)
    # top: grey ramp, bottom: hue ramp
    ramp = np.linspace(0, 255, w, dtype=np.float32)
    card[:40] = ramp[None, :, None].astype(np.uint8)
    hue = np.zeros((40, w, 3), np.uint8)
    hue[..., 0] = np.linspace(0, 179, w, dtype=np.float32)[None, :].astype(np.uint8)
    hue[..., 1] = 255
    hue[..., 2] = 255
    card[h - 40:] = cv2.cvtColor(hue, cv2.COLOR_HSV2RGB)
    # middle background: mid grey
    card[40:h - 40] = 96
    # left: colour bars
    bars = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255), (255, 0, 0),
            (0, 0, 255), (0, 0, 0)]
    for i, colour in enumerate(bars):
        card[50:250, 10 + i * 22:10 + (i + 1) * 22] = colour
    # left bottom: checkerboard
    yy, xx = np.mgrid[0:170, 0:176]
    board = (((yy // 22) + (xx // 22)) % 2 * 255).astype(np.uint8)
    card[262:432, 10:186] = board[:, :, None]
    # centre: Siemens star (edges at every angle) inside a ring
    cy, cx, radius = 240, 330, 150
    yy, xx = np.mgrid[0:h, 0:w]
    angle = np.arctan2(yy - cy, xx - cx)
    dist = np.hypot(yy - cy, xx - cx)
    star = (np.floor(angle / (np.pi / 16)) % 2).astype(bool) & (dist < radius - 12)
    inside = dist < radius - 12
    card[inside] = 235
    card[star] = 20
    cv2.circle(card, (cx, cy), radius - 4, (255, 200, 0), 6, lineType=cv2.LINE_AA)
    cv2.circle(card, (cx, cy), 28, (230, 30, 30), -1, lineType=cv2.LINE_AA)
    # right: concentric circles and diagonal lines
    for r in range(8, 90, 12):
        cv2.circle(card, (560, 130), r, (240, 240, 240), 3, lineType=cv2.LINE_AA)
    for i in range(7):
        x = 492 + i * 20
        cv2.line(card, (x, 250), (x + 60, 330), (30, 220, 90), 4, lineType=cv2.LINE_AA)
    # text
    cv2.putText(card, "convviz", (486, 390), cv2.FONT_HERSHEY_DUPLEX, 1.2, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(card, "CNN 5x5x3", (490, 425), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 230, 120), 2,
                cv2.LINE_AA)
    if (width, height) != (w, h):
        card = cv2.resize(card, (width, height), interpolation=cv2.INTER_AREA)
    card.setflags(write=False)
    return card
