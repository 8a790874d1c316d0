"""convviz: make convolutional neural networks visible, layer by layer, live."""

__version__ = "0.1.0"
