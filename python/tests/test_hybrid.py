"""Hybrid (X-Wing) wrapped keys: the Java golden vectors (copied from kms-bridge's
pq/hybrid-wrapped-v1.txt, HybridGoldenTest) unwrap with the same recipient seeds."""

from __future__ import annotations

import hashlib
import os

import pytest

from pipeseal import errors
from pipeseal.keys import KeyRing, WrappedKey
from pipeseal.kms.hybrid import HybridKms, NoPrivateKeyError

VECTORS = os.path.join(os.path.dirname(__file__), "vectors", "hybrid-wrapped-v1.txt")


def _seed(name: str, version: str) -> bytes:
    # Vectors.deterministic("golden-seed/<name>/<version>"): SHA-256 of label + "/0" (32 bytes)
    return hashlib.sha256(f"golden-seed/{name}/{version}/0".encode()).digest()


def _vectors() -> list[tuple[str, str, bytes, bytes]]:
    out = []
    with open(VECTORS, encoding="ascii") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                s, v, dek, w = line.split()
                out.append((bytes.fromhex(s).decode(), bytes.fromhex(v).decode(),
                            bytes.fromhex(dek), bytes.fromhex(w)))
    return out


def test_every_recipient_unwraps_the_golden_vectors() -> None:
    vectors = _vectors()
    assert len(vectors) >= 2
    for name, version, dek, wrapped in vectors:
        w = WrappedKey("hybrid", name, version, "XWING-AES256-GCM", wrapped)
        for r, rv in zip(name.split("+"), version.split("+")):
            kms = HybridKms({f"{r}#{rv}": _seed(r, rv)})
            assert KeyRing(kms).unwrap(w) == dek


def test_hybrid_failures_are_typed() -> None:
    name, version, dek, wrapped = _vectors()[-1]
    r, rv = name.split("+")[0], version.split("+")[0]
    kms = HybridKms({f"{r}#{rv}": _seed(r, rv)})
    with pytest.raises(NoPrivateKeyError, match="no private key for recipient"):
        HybridKms({"someone#1": _seed("someone", "1")}).unwrap(
            WrappedKey("hybrid", name, version, "XWING-AES256-GCM", wrapped))
    for i in (len(wrapped) - 1, len(wrapped) - 40, 200):  # MAC, other stanza, own stanza
        bad = bytearray(wrapped)
        bad[i] ^= 1
        with pytest.raises(errors.InvalidWrappedKeyError):
            kms.unwrap(WrappedKey("hybrid", name, version, "XWING-AES256-GCM", bytes(bad)))
    with pytest.raises(errors.InvalidWrappedKeyError, match="do not match"):
        kms.unwrap(WrappedKey("hybrid", name, "9+9", "XWING-AES256-GCM", wrapped))
    with pytest.raises(errors.InvalidWrappedKeyError):
        kms.unwrap(WrappedKey("hybrid", name, version, "XWING-AES256-GCM", wrapped + b"\x00"))
    assert dek.hex() not in repr(kms)
