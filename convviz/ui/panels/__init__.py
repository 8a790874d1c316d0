"""Panels: each draws one thing from a FrameResult and talks back only through the selection model."""
