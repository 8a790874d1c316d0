"""The app's state as plain Python, no Qt (napari's way): the document (network with its history,
file, input, freeze, device) and the selection. Views and controllers listen to their specific events
and call their methods; they never reach into each other."""
