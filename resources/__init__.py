"""What convviz reads at run time (presets, class names, trained weights, icons).

This folder sits at the top of the repository and is installed as ``convviz.resources``
(pyproject.toml maps it), so it is found through ``importlib.resources`` in every install:
editable, wheel or pipx. Read it through ``convviz.core.resources``, never by a path.
"""
