"""Weights files as a hostile user makes them: every one is refused with a SpecError that names the file and
says what is wrong, before anything big is read (a .npy header claiming 10^12 numbers in a 72-byte file),
and nothing is half-loaded. No traceback, no wrong values (complex parts dropped, 1e300 turned to inf)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch
from numpy.lib import format as npy

from convviz.core.errors import SpecError
from convviz.core.presets import load_preset
from convviz.core.weights_io import load_layer_weights, load_state_dict

SPEC = load_preset("toy_7x7_stride1")  # layer 1: conv2d, one 3x3 filter on one channel
WEIGHT = (1, 1, 3, 3)


def npy_file(path, shape, dtype="<f4", body=b"\0" * 64):
    """A .npy file whose header says ``shape`` and ``dtype``, followed by ``body`` (whatever it claims)."""
    with open(path, "wb") as handle:
        npy.write_array_header_1_0(handle, {"descr": dtype, "fortran_order": False, "shape": shape})
        handle.write(body)
    return path


@pytest.mark.parametrize(("shape", "says"), [
    ((10**12,), "says it holds a 1000000000000 array of float32 (3.64 TiB), but the file has only 64 bytes"),
    ((10**6, 10**6), "1000000x1000000 array of float32 (3.64 TiB)"),
    ((2**62, 2**62), "4611686018427387904x4611686018427387904 array"),  # no int64 wrap-around
])
def test_a_npy_header_claiming_huge_sizes_is_refused_from_the_header(tmp_path, shape, says):
    path = npy_file(tmp_path / "claims.npy", shape)
    tracemalloc.start()
    try:
        with pytest.raises(SpecError, match="claims.npy ") as caught:
            load_layer_weights(SPEC, 0, path)
        assert tracemalloc.get_traced_memory()[1] < 2**20
    finally:
        tracemalloc.stop()
    assert says in str(caught.value)


def test_a_npy_cut_short_is_refused(tmp_path):
    path = npy_file(tmp_path / "short.npy", WEIGHT, body=b"\0" * 8)
    with pytest.raises(SpecError, match=r"1x1x3x3 array of float32 \(36 bytes\), but the file has only 8 bytes"):
        load_layer_weights(SPEC, 0, path)


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: p.write_bytes(b""), "empty (0 bytes), not a .npy array"),
    (lambda p: npy_file(p, (), body=b"\0" * 4), "holds a single number, not a 1x1x3x3 array"),
    (lambda p: npy_file(p, WEIGHT, dtype="|O"), "holds Python objects, not numbers"),
    (lambda p: npy_file(p, WEIGHT, dtype="<c8", body=b"\0" * 72), "holds complex numbers; weights are real"),
    (lambda p: p.write_bytes(b"PK\x03\x04 an npz"), "holds several arrays (an .npz)"),
    (lambda p: p.write_bytes(b"\x93NUMPY\x01\x00\xff\xff{'descr"), "is not a .npy array"),
    (lambda p: p.write_bytes(b"just text"), "is not a .npy array"),
    (lambda p: np.save(p, np.full(WEIGHT, 1e300)), "beyond float32's range"),
    (lambda p: np.save(p, np.full(WEIGHT, np.nan, np.float32)), "9 value(s) that are NaN"),
    (lambda p: np.save(p, np.ones((3, 3), np.float32)), "holds a 3x3 array but layer 1 (conv2d) needs 1x1x3x3"),
])
def test_a_bad_npy_is_refused_in_words(tmp_path, make, says):
    path = tmp_path / "w.npy"
    make(path)
    with pytest.raises(SpecError) as caught:
        load_layer_weights(SPEC, 0, path)
    assert says in str(caught.value) and "w.npy" in str(caught.value)


def test_a_good_npy_still_loads(tmp_path):
    weight = np.arange(9, dtype=np.float32).reshape(WEIGHT)
    np.save(tmp_path / "w.npy", weight)
    loaded = load_layer_weights(SPEC, 0, tmp_path / "w.npy")
    np.testing.assert_array_equal(loaded.layers[0].params["weight"], weight)


def _state(**tensors):
    return {f"0.{name}": tensor for name, tensor in tensors.items()}


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: p.write_bytes(b""), "empty (0 bytes)"),
    (lambda p: torch.save(_state(weight=torch.ones(WEIGHT, device="meta"), bias=torch.zeros(1)), p),
     "is a meta tensor (no values)"),
    (lambda p: torch.save(_state(weight=torch.ones(WEIGHT).to_sparse(), bias=torch.zeros(1)), p), "sparse"),
    (lambda p: torch.save({0: torch.ones(WEIGHT)}, p), "the key 0 (int) is not a name"),
    (lambda p: torch.save({("0", "weight"): torch.ones(WEIGHT)}, p), "is not a name"),
    (lambda p: torch.save(_state(weight=torch.ones(WEIGHT, dtype=torch.complex64), bias=torch.zeros(1)), p),
     "holds complex numbers"),
    (lambda p: torch.save(_state(weight=torch.full(WEIGHT, 1e300, dtype=torch.float64), bias=torch.zeros(1)), p),
     "beyond float32's range"),
    (lambda p: torch.save(_state(weight=torch.full(WEIGHT, float("inf")), bias=torch.zeros(1)), p), "infinite"),
    (lambda p: torch.save([1, 2, 3], p), "is not a state dict"),
])
def test_a_bad_state_dict_is_refused_in_words(tmp_path, make, says):
    path = tmp_path / "trained.pt"
    make(path)
    with pytest.raises(SpecError) as caught:
        load_state_dict(SPEC, path)
    assert says in str(caught.value), str(caught.value)


def test_a_state_dict_in_torchs_older_file_format_loads_as_torch_loads_it(tmp_path):
    """torch.save(..., _use_new_zipfile_serialization=False): torch.load(weights_only=True) reads it; mmap
    cannot, and convviz refused it as "not a PyTorch state dict it can load safely"."""
    from convviz.core.weights_io import read_state_dict

    state = _state(weight=torch.randn(WEIGHT), bias=torch.randn(1))
    path = tmp_path / "legacy.pt"
    torch.save(state, path, _use_new_zipfile_serialization=False)
    read = read_state_dict(path)
    expected = torch.load(path, weights_only=True)
    assert read.keys() == expected.keys()
    for key, tensor in expected.items():
        np.testing.assert_array_equal(read[key], tensor.numpy())
    assert load_state_dict(SPEC, path) is not None
