"""``python -m convviz`` runs the same entry point as the ``convviz`` command."""

import sys

from convviz.cli import main

sys.exit(main())
