"""The hybrid public-key provider (``hybrid:``), reading side: X-Wing (ML-KEM-768 + X25519).

Format and derivations: ``docs/format.md`` (*Hybrid public-key wrapped keys v1*). Every primitive
is ``cryptography``'s (ML-KEM-768 from its 64-byte seed, X25519, HKDF-SHA256, AES-256-GCM,
HMAC-SHA256) or ``hashlib``'s (SHAKE256, SHA3-256). Private keys are the 32-byte X-Wing seeds of a
PKCS#12 store (alias ``name#version``), read like the local key store.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import struct
from typing import Mapping, Union

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import InvalidWrappedKeyError, KmsError
from ..keys import WrappedKey

PROVIDER_ID = "hybrid"
ALGORITHM = "XWING-AES256-GCM"
_XWING_LABEL = bytes.fromhex("5c2e2f2f5e5c")
_KWK_INFO = b"pipeseal/hybrid/v1/kwk"
_DEK_AAD = b"pipeseal/hybrid/v1/dek"
_MAC_INFO = b"pipeseal/hybrid/v1/mac"
_CT_BYTES = 1120
_SEALED_BYTES = 48
_ALIAS = re.compile(r"(.+)#([1-9][0-9]{0,8})")
_NAME = re.compile(r"[a-z0-9._-]{1,128}")


class NoPrivateKeyError(KmsError):
    """This reader holds no private key for any recipient of a wrapped key."""


def _hkdf(ikm: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(ikm)


def _u16(s: str) -> bytes:
    b = s.encode("utf-8")
    return struct.pack(">H", len(b)) + b


def labels(master_key: str, version: str) -> bytes:
    return _u16(PROVIDER_ID) + _u16(master_key) + _u16(version)


class XWingPrivateKey:
    """An X-Wing key pair expanded from its 32-byte seed (draft-connolly-cfrg-xwing-kem)."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("an X-Wing seed is 32 bytes")
        expanded = hashlib.shake_256(seed).digest(96)
        self._mlkem = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
        self._x = x25519.X25519PrivateKey.from_private_bytes(expanded[64:96])
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        self.pk_x = self._x.public_key().public_bytes(*raw)
        self.public_key = self._mlkem.public_key().public_bytes(*raw) + self.pk_x

    def __repr__(self) -> str:
        return "XWingPrivateKey(<redacted>)"

    def decapsulate(self, ct: bytes) -> bytes:
        ct_m, ct_x = ct[:1088], ct[1088:]
        ss_m = self._mlkem.decapsulate(ct_m)
        try:
            ss_x = self._x.exchange(x25519.X25519PublicKey.from_public_bytes(ct_x))
        except ValueError:
            raise InvalidWrappedKeyError(PROVIDER_ID, None, "small-order X25519 share") from None
        if ss_x == bytes(32):
            raise InvalidWrappedKeyError(PROVIDER_ID, None, "small-order X25519 share")
        return hashlib.sha3_256(ss_m + ss_x + ct_x + self.pk_x + _XWING_LABEL).digest()


class HybridKms:
    """Unwraps ``XWING-AES256-GCM`` wrapped keys with the recipient private keys it holds.

    ``HybridKms.open(path, password)`` reads the PKCS#12 private key store; the constructor takes
    ``{"name#version": seed}`` directly (tests).
    """

    provider_id = PROVIDER_ID

    def __init__(self, seeds: Mapping[str, bytes]) -> None:
        self._keys: dict[tuple[str, int], XWingPrivateKey] = {}
        for alias, seed in seeds.items():
            m = _ALIAS.fullmatch(alias)
            if m and len(seed) == 32:
                self._keys[(m.group(1), int(m.group(2)))] = XWingPrivateKey(seed)

    @staticmethod
    def open(path: Union[str, os.PathLike[str]], password: str) -> "HybridKms":
        from .local import read_secret_keys

        with open(path, "rb") as f:
            return HybridKms(read_secret_keys(f.read(), password))

    def __repr__(self) -> str:
        return f"HybridKms({len(self._keys)} recipient keys)"

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        name, version = wrapped.master_key, wrapped.master_key_version

        def bad(msg: str) -> InvalidWrappedKeyError:
            return InvalidWrappedKeyError(PROVIDER_ID, name, f"version {version}: {msg}")

        if wrapped.provider != PROVIDER_ID or wrapped.algorithm != ALGORITHM:
            raise bad(f"not a hybrid wrapped key ({wrapped.provider}, {wrapped.algorithm})")
        b = wrapped.wrapped
        if len(b) < 3 + 32 or b[0] != 1 or b[1] != 1:
            raise bad("unknown format version or KEM, or truncated")
        n = b[2]
        if not 1 <= n <= 16:
            raise bad(f"stanza count {n}")
        pos = 3
        stanzas = []
        for _ in range(n):
            if pos >= len(b):
                raise bad("truncated")
            ln = b[pos]
            end = pos + 1 + ln + 4 + _CT_BYTES + _SEALED_BYTES
            if not 1 <= ln <= 128 or end > len(b) - 32:
                raise bad("truncated or invalid stanza")
            rname = b[pos + 1 : pos + 1 + ln].decode("ascii", "replace")
            rver = struct.unpack(">I", b[pos + 1 + ln : pos + 5 + ln])[0]
            if not _NAME.fullmatch(rname) or rver < 1:
                raise bad("invalid stanza recipient")
            ct = b[pos + 5 + ln : pos + 5 + ln + _CT_BYTES]
            sealed = b[pos + 5 + ln + _CT_BYTES : end]
            stanzas.append((rname, rver, ct, sealed))
            pos = end
        if pos + 32 != len(b):
            raise bad("trailing bytes after the MAC")
        if "+".join(s[0] for s in stanzas) != name or \
                "+".join(str(s[1]) for s in stanzas) != version:
            raise bad("stanzas do not match the master key name and version")
        lab = labels(name, version)
        for rname, rver, ct, sealed in stanzas:
            key = self._keys.get((rname, rver))
            if key is None:
                continue
            ss = key.decapsulate(ct)
            kwk = _hkdf(ss, _KWK_INFO + hashlib.sha3_256(key.public_key).digest() + ct)
            aad = _DEK_AAD + lab + bytes([len(rname)]) + rname.encode() + struct.pack(">I", rver)
            try:
                dek = AESGCM(kwk).decrypt(bytes(12), sealed, aad)
            except InvalidTag:
                raise bad(f"stanza of {rname}@{rver} failed authentication") from None
            mac = HMAC(_hkdf(dek, _MAC_INFO + lab), hashes.SHA256())
            mac.update(b[:-32])
            if not hmac.compare_digest(mac.finalize(), b[-32:]):
                raise bad("header MAC mismatch (a stanza or the record was changed)")
            return dek
        raise NoPrivateKeyError(PROVIDER_ID, name, "no private key for recipient "
                                + ", ".join(f"{s[0]}@{s[1]}" for s in stanzas))
