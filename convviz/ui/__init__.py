"""The Qt side: the main window, panels that draw one thing each, the shared selection model."""
