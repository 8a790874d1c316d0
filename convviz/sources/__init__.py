"""Input sources: everything that yields pictures (test card, image files, video, webcam, clipboard)."""
