"""A network file as large as convviz reads (64 MiB) full of tiny layers is refused after a few thousand
JSON objects, not after building four million dicts (1 s and 1.2 GB on the GUI thread at File > Open)."""

from __future__ import annotations

import tracemalloc

import pytest

from convviz.core.errors import SpecError
from convviz.core.network_file import MAX_FILE_BYTES, open_network_file
from convviz.core.spec import MAX_OBJECTS


def test_a_file_of_millions_of_layers_stops_at_the_object_limit(tmp_path):
    count = (MAX_FILE_BYTES - 200) // 16
    path = tmp_path / "many.json"
    path.write_text('{"name": "many", "input": {"channels": 1, "height": 8, "width": 8}, "layers": ['
                    + ",".join(['{"type":"relu"}'] * count) + "]}")
    tracemalloc.start()
    try:
        with pytest.raises(SpecError, match=f"holds more than {MAX_OBJECTS:,} JSON objects"):
            open_network_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_FILE_BYTES  # the file's bytes and its text; the dicts were 1.2 GB
