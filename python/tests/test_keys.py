"""Wrapped keys, KEK layer, local key store, Parquet wrapped-key strings, Hadoop KMS (mock)."""

from __future__ import annotations

import base64
import json
import os
import struct
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pipeseal import errors
from pipeseal.keys import KEK_ALGORITHM, KeyRing, WrappedKey, kek_aad
from pipeseal.kms.hadoop import HadoopKms
from pipeseal.parquet import parse_wrapped_key_string, unwrap_key_string


class FakeKms:
    """Test double: 'unwraps' by looking up what it wrapped."""

    provider_id = "local"

    def __init__(self) -> None:
        self.keys: dict[bytes, bytes] = {}
        self.calls = 0

    def wrap(self, name: str, dek: bytes, version: str = "1") -> WrappedKey:
        w = WrappedKey("local", name, version, "AES256-GCM", os.urandom(60))
        self.keys[w.wrapped] = dek
        return w

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        self.calls += 1
        if wrapped.wrapped not in self.keys:
            raise errors.InvalidWrappedKeyError("local", wrapped.master_key, "unknown")
        return self.keys[wrapped.wrapped]


def kek_wrap(kms: FakeKms, kek_record: WrappedKey, kek: bytes, dek: bytes) -> WrappedKey:
    rec = kek_record.to_binary()
    nonce = os.urandom(12)
    ct = nonce + AESGCM(kek).encrypt(nonce, dek, kek_aad("local", kek_record.master_key))
    return WrappedKey("local", kek_record.master_key, kek_record.master_key_version,
                      KEK_ALGORITHM, bytes([1]) + struct.pack(">H", len(rec)) + rec + ct)


def test_binary_and_json_records_round_trip() -> None:
    w = WrappedKey("pkcs11", "orders", "2", "PKCS11-AES256-GCM", bytes(range(60)))
    assert WrappedKey.from_binary(w.to_binary()) == w
    assert WrappedKey.from_json_fields(json.loads(json.dumps(w.to_json_fields()))) == w
    b = w.to_binary()
    for bad in (b + b"\x00", b[:-1], b"\x02" + b[1:]):
        with pytest.raises(errors.InvalidWrappedKeyError):
            WrappedKey.from_binary(bad)
    assert "orders" in repr(w) and bytes(range(60)).hex() not in repr(w)


def test_kek_layer_makes_one_kms_call_per_kek() -> None:
    kms = FakeKms()
    kek = os.urandom(32)
    kek_record = kms.wrap("pii", kek)
    deks = [os.urandom(32) for _ in range(50)]
    wrapped = [kek_wrap(kms, kek_record, kek, d) for d in deks]
    ring = KeyRing(kms)
    assert [ring.unwrap(w) for w in wrapped] == deks
    assert kms.calls == 1 and ring.calls == 1
    # relabelled or tampered DEK ciphertexts fail closed
    w = wrapped[0]
    tampered = WrappedKey(w.provider, w.master_key, w.master_key_version, w.algorithm,
                          w.wrapped[:-1] + bytes([w.wrapped[-1] ^ 1]))
    with pytest.raises(errors.InvalidWrappedKeyError):
        KeyRing(kms).unwrap(tampered)
    relabelled = WrappedKey(w.provider, w.master_key, "9", w.algorithm, w.wrapped)
    with pytest.raises(errors.InvalidWrappedKeyError, match="labels do not match"):
        KeyRing(kms).unwrap(relabelled)


def test_unknown_provider_is_a_typed_error() -> None:
    w = WrappedKey("pkcs11", "orders", "1", "PKCS11-AES256-GCM", bytes(60))
    with pytest.raises(errors.KmsError, match="no provider 'pkcs11'"):
        KeyRing(FakeKms()).unwrap(w)


def test_parquet_wrapped_key_string_golden_vector() -> None:
    """The vector of docs/parquet.md (WrappedKeyStringTest)."""
    text = ("AQAkAQVsb2NhbAADcGlpAAEzCkFFUzI1Ni1HQ00ACEBBQkNERUZHAQIDBAUGBwgJCgsMpUv4dkgxViHkC8ns"
            "vL5EhzCrWHuXnp4mwVAgFouPKr8=")
    record, sealed = parse_wrapped_key_string(text, "pii")
    assert record == WrappedKey("local", "pii", "3", "AES256-GCM", bytes(range(0x40, 0x48)))
    assert sealed[:12] == bytes(range(1, 13))

    class Dek:
        provider_id = "local"

        def unwrap(self, w: WrappedKey) -> bytes:
            return bytes(range(32))

    assert unwrap_key_string(KeyRing(Dek()), text, "pii") == bytes(range(0xA0, 0xB0))
    with pytest.raises(errors.ParquetKeyError, match="names master key 'pii', not 'emb'"):
        unwrap_key_string(KeyRing(Dek()), text, "emb")
    raw = bytearray(base64.b64decode(text))
    raw[-1] ^= 1
    with pytest.raises(errors.ParquetKeyError, match="failed authentication"):
        unwrap_key_string(KeyRing(Dek()), base64.b64encode(bytes(raw)).decode(), "pii")
    with pytest.raises(errors.ParquetKeyError):
        unwrap_key_string(KeyRing(Dek()), text[:-8], "pii")


# ---- local key store (the one the Java fixtures created)


def test_local_key_store_lists_versions_and_fails_closed(interop_dir: str, password: str,
                                                         local_kms) -> None:
    from pipeseal import LocalKms

    keys = local_kms.master_keys()
    assert keys == {"emb": [1, 2], "pii": [1, 2]}
    w = local_kms.wrap("pii", b"k" * 32)
    assert w.master_key_version == "2"
    assert local_kms.unwrap(w) == b"k" * 32
    with pytest.raises(errors.InvalidWrappedKeyError):
        local_kms.unwrap(WrappedKey("local", "pii", "1", "AES256-GCM", w.wrapped))
    with pytest.raises(errors.UnknownKeyError):
        local_kms.unwrap(WrappedKey("local", "nope", "1", "AES256-GCM", w.wrapped))
    with pytest.raises(errors.UnknownKeyError):
        local_kms.unwrap(WrappedKey("local", "pii", "7", "AES256-GCM", w.wrapped))
    with pytest.raises(errors.KmsConfigError, match="wrong password") as e:
        LocalKms(os.path.join(interop_dir, "keys.p12"), "not-the-password")
    assert password not in str(e.value)
    with pytest.raises(errors.KmsConfigError, match="does not exist"):
        LocalKms(os.path.join(interop_dir, "missing.p12"), password)


# ---- Hadoop KMS over REST (a stand-in server on loopback)


class _KmsHandler(BaseHTTPRequestHandler):
    keys: dict[str, bytes] = {}
    deny: set[str] = set()
    calls = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        type(self).calls += 1
        parts = self.path.split("?")[0].split("/")
        version = urllib.parse.unquote(parts[-2])
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert "eek_op=decrypt" in self.path
        if body["name"] in self.deny:
            self.send_response(403)
            self.end_headers()
            return
        material = base64.b64decode(body["material"])
        key = self.keys.get(version)
        if key is None:
            self.send_response(404)
            self.end_headers()
            return
        dek = bytes(a ^ b for a, b in zip(material, key))  # stand-in for AES-CTR
        out = json.dumps({"name": "EK", "versionName": version,
                          "material": base64.urlsafe_b64encode(dek).decode().rstrip("=")})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(out.encode())


def _eek(name: str, version: str, material: bytes) -> WrappedKey:
    iv = os.urandom(16)
    return WrappedKey("hadoop-kms", name, version, "HADOOP-EEK-AES-CTR",
                      bytes([1, 16]) + iv + struct.pack(">H", 32) + material)


def test_hadoop_kms_rest_unwrap_errors_and_caching() -> None:
    server = HTTPServer(("127.0.0.1", 0), _KmsHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        master = os.urandom(32)
        _KmsHandler.keys = {"pii@0": master}
        _KmsHandler.deny = {"secret"}
        kms = HadoopKms(f"kms://http@127.0.0.1:{port}/kms", user="reader")
        dek = os.urandom(32)
        w = _eek("pii", "pii@0", bytes(a ^ b for a, b in zip(dek, master)))
        ring = KeyRing(kms)
        assert ring.unwrap(w) == dek
        assert ring.unwrap(w) == dek
        assert kms.calls == 1
        with pytest.raises(errors.AccessDeniedError):
            kms.unwrap(_eek("secret", "secret@0", bytes(32)))
        with pytest.raises(errors.UnknownKeyError):
            kms.unwrap(_eek("pii", "pii@9", bytes(32)))
        with pytest.raises(errors.InvalidWrappedKeyError):
            kms.unwrap(WrappedKey("hadoop-kms", "pii", "other@0", "HADOOP-EEK-AES-CTR", bytes(52)))
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(errors.KmsUnavailableError, match="unreachable"):
        HadoopKms(f"kms://http@127.0.0.1:{port}/kms", timeout=2).unwrap(w)
