"""Column decryption edge cases: nulls, empty and ragged vectors, raw payloads."""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pytest

from pipeseal import errors, values
from pipeseal.envelope import REGISTRY_KEY_ID, XAES_256_GCM, DekCipher, build_header
from pipeseal.reader import _ColumnDecryptor


class _Resolver:
    def __init__(self, c: DekCipher) -> None:
        self.c = c

    def cipher(self, header):  # noqa: ANN001
        return self.c


def _column(c: DekCipher, vecs: list, ctx: bytes = b"v") -> pa.Array:
    h = build_header(XAES_256_GCM, REGISTRY_KEY_ID, b"12345678")
    return pa.array([None if v is None else c.encrypt(values.encode(v, "array<float>"), ctx, h)
                     for v in vecs], pa.binary())


def test_vectors_with_nulls_are_fixed_size_and_zero_copy() -> None:
    c = DekCipher(os.urandom(32))
    vecs = [np.arange(4, dtype=np.float32) + i if i % 3 else None for i in range(10)]
    out = _ColumnDecryptor(_Resolver(c), b"v", "v", "array<float>").run(_column(c, vecs), True)
    assert pa.types.is_fixed_size_list(out.type) and out.type.list_size == 4
    assert out.null_count == 4
    for i, v in enumerate(vecs):
        assert (out[i].as_py() is None) if v is None else out[i].as_py() == v.tolist()


def test_ragged_vectors_and_wrong_type_fail_closed() -> None:
    c = DekCipher(os.urandom(32))
    col = _column(c, [[1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(errors.ValueDecryptionError, match="row 1"):
        _ColumnDecryptor(_Resolver(c), b"v", "v", "array<float>").run(col, True)
    with pytest.raises(errors.ValueDecryptionError, match="not array<double>"):
        _ColumnDecryptor(_Resolver(c), b"v", "v", "array<double>").run(col, True)
    empty = _column(c, [[], []])
    out = _ColumnDecryptor(_Resolver(c), b"v", "v", "array<float>").run(empty, True)
    assert out.to_pylist() == [[], []]


def test_raw_payloads() -> None:
    c = DekCipher(os.urandom(32))
    h = build_header(XAES_256_GCM, REGISTRY_KEY_ID, b"12345678")
    col = pa.array([c.encrypt(b"payload-%d" % i, b"orders", h) for i in range(3)], pa.binary())
    out = _ColumnDecryptor(_Resolver(c), b"orders", "value", None).run(col, False)
    assert out.to_pylist() == [b"payload-0", b"payload-1", b"payload-2"]
