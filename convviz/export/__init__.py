"""Frames and clips for slides: PNG at 1x/2x/4x, SVG where pyqtgraph can, GIF and MP4 clips."""
