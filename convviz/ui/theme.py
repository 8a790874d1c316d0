"""Colours and sizes in one place, so a projector theme is one switch (presenter mode)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

# Diverging maps around zero. "ice-fire": zero is black (a dark room, a projector's black level),
# negatives glow blue to cyan, positives red to yellow; both ends stay bright enough to read.
CUSTOM_MAPS: dict[str, tuple[list[float], list[tuple[int, int, int]]]] = {
    "ice-fire": (
        [0.0, 0.17, 0.35, 0.5, 0.65, 0.83, 1.0],
        [(215, 255, 255), (60, 190, 255), (25, 70, 200), (0, 0, 0), (200, 35, 30), (255, 150, 0),
         (255, 250, 140)],
    ),
}


@dataclass(frozen=True)
class Theme:
    """A look for every panel. Colours are '#rrggbb'; sizes in points (fonts) or pixels (lines)."""

    name: str
    background: str
    panel: str
    foreground: str
    muted: str
    accent: str  # titles, the current output cell
    window: str  # the sliding window / pooling window
    field: str  # receptive field highlight
    padding: str  # zero-padding cells
    error: str
    warning: str  # a stride that does not fit: torch runs it, the lecture objects (amber, not red)
    colormap: str  # diverging map for activations: negative / zero / positive
    font_pt: float = 11.0  # controls and running text
    title_pt: float = 14.0
    line_px: float = 2.0
    text_pt: float = 10.0  # the smallest text of a figure (labels, formulas, axes): what carries numbers
    number_px: float = 9.0  # the smallest font the numbers in a grid are written at, pixels
    output_cell_px: float = 8.0  # the smallest cell of a whole output map (else it is shown zoomed); not scaled
    scale: float = 1.0  # how much this theme was scaled (presenter mode follows the screen's height)

    @property
    def dark(self) -> bool:
        """A dark background (light text on dark)."""
        return int(self.background[1:3], 16) < 128

    def lut(self) -> np.ndarray:
        """256 x 4 uint8 colours from -m (0) through zero (127.5) to +m (255)."""
        return self.colormap_object().getLookupTable(nPts=256, alpha=True).astype(np.uint8)

    def colormap_object(self) -> pg.ColorMap:
        if self.colormap in CUSTOM_MAPS:
            stops, colours = CUSTOM_MAPS[self.colormap]
            return pg.ColorMap(stops, colours, name=self.colormap)
        return pg.colormap.get(self.colormap)

    def scaled(self, factor: float, name: str | None = None) -> Theme:
        """The same look ``factor`` times as large (fonts, numbers, lines), e.g. a projector theme on
        a 1280x720 screen at 2/3 of its 1920x1080 sizes, so the picture is the same on any screen."""
        from dataclasses import replace

        return replace(self, name=name or self.name, font_pt=self.font_pt * factor,
                       title_pt=self.title_pt * factor, line_px=self.line_px * factor,
                       text_pt=self.text_pt * factor, number_px=self.number_px * factor,
                       scale=self.scale * factor)

    @property
    def base(self) -> Theme:
        """This theme at scale 1 (the registered one)."""
        return THEMES.get(self.name, self)


DARK = Theme(
    name="dark", background="#1e1f22", panel="#26282c", foreground="#e8e8e8", muted="#9aa0a6",
    accent="#ffd54f", window="#00e5ff", field="#76ff03", padding="#5c6bc0", error="#ff5252",
    warning="#ffb300", colormap="ice-fire",
)
LIGHT = Theme(
    name="light", background="#fafafa", panel="#ffffff", foreground="#111111", muted="#555555",
    accent="#d81b60", window="#0077cc", field="#2e7d32", padding="#9fa8da", error="#c62828",
    warning="#b26a00", colormap="CET-D1A",
)
# Projector themes: pure black or white, saturated marks, fonts and lines for the back row. Sizes are
# for a 1920x1080 screen (presenter mode scales them with the screen's height): every number of a
# figure at least 28 pixels (21 pt), whose digits are 20 pixels tall.
PROJECTOR_DARK = Theme(
    name="projector-dark", background="#000000", panel="#0a0a0a", foreground="#ffffff", muted="#d0d0d0",
    accent="#ffea00", window="#00e5ff", field="#76ff03", padding="#8c9eff", error="#ff4081",
    warning="#ffc400", colormap="ice-fire", font_pt=17.0, title_pt=23.0, line_px=4.0, text_pt=21.0,
    number_px=28.0, output_cell_px=12.0,
)
PROJECTOR_LIGHT = Theme(
    name="projector-light", background="#ffffff", panel="#ffffff", foreground="#000000", muted="#202020",
    accent="#c2185b", window="#0050c8", field="#1b7a1b", padding="#5c6bc0", error="#d50000",
    warning="#a15c00", colormap="CET-D1A", font_pt=17.0, title_pt=23.0, line_px=4.0, text_pt=21.0,
    number_px=28.0, output_cell_px=12.0,
)
THEMES = {theme.name: theme for theme in (DARK, LIGHT, PROJECTOR_DARK, PROJECTOR_LIGHT)}

# the same theme for a projector / for a desk, and its light-dark twin
PROJECTOR_OF = {"dark": "projector-dark", "light": "projector-light",
                "projector-dark": "projector-dark", "projector-light": "projector-light"}
DESK_OF = {"projector-dark": "dark", "projector-light": "light", "dark": "dark", "light": "light"}
OTHER_BRIGHTNESS = {"dark": "light", "light": "dark", "projector-dark": "projector-light",
                    "projector-light": "projector-dark"}
