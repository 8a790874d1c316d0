"""Learning, Qt-free: data sets that work offline (generated shapes and bars, a folder of pictures,
webcam captures), the training loop that updates a network's weights, and what its filters learned."""
