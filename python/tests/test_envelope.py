"""Envelope v1 against the shared vectors (the Java interop test reads the same file)."""

from __future__ import annotations

import datetime as dt
import decimal
import os

import numpy as np
import pytest

from pipeseal import envelope, errors, values
from pipeseal.envelope import DekCipher, build_header, parse_header


def _expected(t: str, v: object) -> object:
    if t == "binary":
        return bytes.fromhex(v)  # type: ignore[arg-type]
    if t == "decimal":
        return decimal.Decimal(v)  # type: ignore[arg-type]
    if t == "date":
        return dt.date.fromisoformat(v)  # type: ignore[arg-type]
    if t in ("timestamp", "timestamp_ntz"):
        return dt.datetime.fromisoformat(v)  # type: ignore[arg-type]
    return v


def test_every_vector_decrypts(vectors: dict) -> None:
    c = DekCipher(bytes.fromhex(vectors["dek"]))
    assert len(vectors["vectors"]) > 40
    for v in vectors["vectors"]:
        env = bytes.fromhex(v["envelope"])
        pt = c.decrypt(env, v["context"].encode())
        assert pt == bytes.fromhex(v["plaintext"]), v["name"]
        if "type" in v:
            got = values.decode(pt, v["type"])
            want = _expected(v["type"], v["value"])
            if isinstance(got, np.ndarray):
                assert got.tolist() == pytest.approx(want), v["name"]
            else:
                assert got == want, v["name"]
            assert values.encode(want, v["type"]) == pt, v["name"]


def test_deterministic_vectors_reencrypt_identically(vectors: dict) -> None:
    c = DekCipher(bytes.fromhex(vectors["dek"]))
    n = 0
    for v in vectors["vectors"]:
        env = bytes.fromhex(v["envelope"])
        h = parse_header(env)
        if h.algorithm == envelope.AES_SIV:
            again = c.encrypt(bytes.fromhex(v["plaintext"]), v["context"].encode(),
                              env[: h.length])
            assert again == env, v["name"]
            n += 1
    assert n >= 20


def test_invalid_vectors_raise_the_typed_errors(vectors: dict) -> None:
    c = DekCipher(bytes.fromhex(vectors["dek"]))
    for v in vectors["invalid"]:
        want = getattr(errors, v["error"].replace("Exception", "Error"))
        with pytest.raises(want):
            c.decrypt(bytes.fromhex(v["envelope"]), v["context"].encode())


def test_round_trips_every_algorithm_and_size() -> None:
    dek = os.urandom(32)
    c = DekCipher(dek)
    for alg in (envelope.XAES_256_GCM, envelope.AES_SIV):
        for kind, ref in ((envelope.REGISTRY_KEY_ID, os.urandom(8)),
                          (envelope.INLINE_WRAPPED_KEY, os.urandom(200))):
            h = build_header(alg, kind, ref)
            for size in (0, 1, 3073, 65536, 65537, 300_000):
                pt = os.urandom(size)
                env = c.encrypt(pt, b"ctx", h)
                if alg == envelope.XAES_256_GCM and size > 65536:
                    assert env[1] == envelope.XAES_256_GCM_SEGMENTED
                assert DekCipher(dek).decrypt(env, b"ctx") == pt
                with pytest.raises(errors.AuthenticationFailedError):
                    c.decrypt(env, b"ctx2")


def test_segment_tampering_is_caught() -> None:
    c = DekCipher(os.urandom(32))
    h = build_header(envelope.XAES_256_GCM, envelope.REGISTRY_KEY_ID, b"12345678")
    pt = os.urandom(70_000)
    env = bytearray(c.encrypt(pt, b"x", h))
    assert env[1] == envelope.XAES_256_GCM_SEGMENTED
    cut = bytes(env[: -100])
    with pytest.raises((errors.AuthenticationFailedError, errors.MalformedEnvelopeError)):
        c.decrypt(cut, b"x")
    seg = (1 << 14) + 16
    start = 12 + 19
    swapped = bytes(env[:start]) + bytes(env[start + seg : start + 2 * seg]) + \
        bytes(env[start : start + seg]) + bytes(env[start + 2 * seg :])
    with pytest.raises(errors.AuthenticationFailedError):
        c.decrypt(swapped, b"x")


def test_errors_never_contain_plaintext_or_key() -> None:
    dek = os.urandom(32)
    c = DekCipher(dek)
    h = build_header(envelope.XAES_256_GCM, envelope.REGISTRY_KEY_ID, b"abcdefgh")
    secret = b"SECRET-PLAINTEXT-123"
    env = bytearray(c.encrypt(secret, b"ctx", h))
    env[-1] ^= 1
    with pytest.raises(errors.AuthenticationFailedError) as e:
        c.decrypt(bytes(env), b"ctx")
    msg = str(e.value)
    assert "SECRET" not in msg and dek.hex() not in msg
    assert "registry:6162636465666768" in msg
    assert "redacted" in repr(c)


def test_varints() -> None:
    assert envelope.encode_varint(8) == b"\x08"
    assert envelope.encode_varint(128) == b"\x80\x01"
    assert envelope.encode_varint(65535) == b"\xff\xff\x03"
    ok = parse_header(b"\x01\x01\x02\x80\x01" + bytes(128))
    assert len(ok.reference) == 128
    for bad in (b"\x01\x01\x02\x88\x00" + bytes(10), b"\x01\x01\x02\x00" + bytes(10),
                b"\x01\x01\x02\xff\xff\x07" + bytes(10), b"\x01\x01\x02\x80\x80\x80\x01"):
        with pytest.raises(errors.MalformedEnvelopeError):
            parse_header(bad)


# Envelope v2 (docs/format.md): Java's GoldenVectorsV2Test vectors, byte for byte.
_JAVA_V2 = {
    "XAES_INLINE":
    "02010128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
    "808182838485868788898a8b8c8d8e8f9091929300000000d477fab1944cfa0142a7543d2246aefa4becb4f9"
    "afeb2b9256bebb1178513fbfee12",
    "XAES_REGISTRY":
    "020102080102030405060708909192939495969798999a9b9c9d9e9fa0a1a2a30000000092c664c3aa5bd278"
    "727b24b672f535ddc01ab3ed4ed57e5771602538cfdc91e50944",
    "SIV_INLINE":
    "02020128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
    "f399842942bff6bf5a082a1da1e8804f049d5b5e25530e8c593eb465cd66c86a47bb",
    "SEGMENTED_INLINE":
    "02030128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
    "c0c1c2c3c4c5c6c7c8c9cacb0ecdcecfd0d1d2d94bbc3e375526f53115af62232d4a20d96fb95d4dd30f0550"
    "697ce9a56998350be2",
}


@pytest.mark.parametrize("name", sorted(_JAVA_V2))
def test_java_v2_vectors_decrypt_and_the_version_byte_is_bound(name: str) -> None:
    c = DekCipher(bytes(range(32)))
    env = bytes.fromhex(_JAVA_V2[name])
    assert parse_header(env).version == 2
    assert c.decrypt(env, b"db.table.column") == b"pipeseal golden v1"
    with pytest.raises(errors.AuthenticationFailedError):
        c.decrypt(b"\x01" + env[1:], b"db.table.column")
    with pytest.raises(errors.AuthenticationFailedError):
        c.decrypt(env, b"db.table.other")


def test_unknown_version_is_refused() -> None:
    env = bytes.fromhex(_JAVA_V2["XAES_REGISTRY"])
    with pytest.raises(errors.UnsupportedEnvelopeVersionError):
        parse_header(b"\x03" + env[1:])
