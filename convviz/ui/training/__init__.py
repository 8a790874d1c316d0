"""The Training dock: learn in the window (generated data, a picture folder, webcam classes) while
every map, filter and mechanics view follows the network's weights as they change."""
