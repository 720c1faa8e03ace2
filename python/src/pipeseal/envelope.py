"""Envelopes v1 and v2 (``docs/format.md``): parsing, XAES-256-GCM, AES-SIV, segmented XAES-256-GCM.

Every primitive comes from ``cryptography``: AES-256 single blocks (ECB, for the XAES-256-GCM
subkey derivation of C2SP), ``AESGCM`` and ``AESSIV``. Nothing here implements AES or GHASH.

Associated data is ``bound || context`` (for AES-SIV the S2V components ``[bound, context]``), where
``bound`` is the header itself in v1 and ``0x02 || SHA-256(header)`` in v2 (the same layout); the
context is not stored in the envelope and must be supplied by the reader.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections import OrderedDict
from dataclasses import dataclass
from typing import Union

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import (
    AuthenticationFailedError,
    MalformedEnvelopeError,
    TruncatedCiphertextError,
    UnknownAlgorithmError,
    UnknownKeyReferenceKindError,
    UnsupportedEnvelopeVersionError,
)

Buffer = Union[bytes, bytearray, memoryview]

VERSION = 0x01
VERSION_2 = 0x02
VERSIONS = (VERSION, VERSION_2)
XAES_256_GCM = 0x01
AES_SIV = 0x02
XAES_256_GCM_SEGMENTED = 0x03
ALGORITHM_NAMES = {
    XAES_256_GCM: "XAES-256-GCM",
    AES_SIV: "AES-SIV",
    XAES_256_GCM_SEGMENTED: "XAES-256-GCM-SEGMENTED",
}
INLINE_WRAPPED_KEY = 0x01
REGISTRY_KEY_ID = 0x02
KIND_NAMES = {INLINE_WRAPPED_KEY: "inline", REGISTRY_KEY_ID: "registry"}

NONCE_BYTES = 24
TAG_BYTES = 16
SIV_BYTES = 16
MIN_SEGMENT_EXPONENT = 12
MAX_SEGMENT_EXPONENT = 20
DEFAULT_SEGMENT_EXPONENT = 14
SEGMENT_THRESHOLD = 64 * 1024
SEGMENTED_PREFIX_BYTES = 12 + 1 + 6
SIV_INFO = b"pipeseal/v1/aes-siv"
DEK_BYTES = 32


@dataclass(frozen=True)
class Header:
    """A parsed envelope header (bytes 0 through the end of the key reference)."""

    algorithm: int
    kind: int
    reference: bytes
    length: int
    version: int = VERSION

    @property
    def algorithm_name(self) -> str:
        return ALGORITHM_NAMES.get(self.algorithm, f"0x{self.algorithm:02x}")

    def describe_reference(self) -> str:
        """A printable key reference: registry ids in hex; inline keys by their labels."""
        if self.kind == REGISTRY_KEY_ID:
            return "registry:" + self.reference.hex()
        try:
            from .keys import WrappedKey

            w = WrappedKey.from_binary(self.reference)
            return f"inline:{w.provider}:{w.master_key}@{w.master_key_version}"
        except Exception:  # noqa: BLE001 - only a description
            return f"inline:{len(self.reference)} bytes"


def encode_varint(n: int) -> bytes:
    if not 1 <= n <= 65535:
        raise ValueError("key reference length must be 1..65535")
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def parse_header(buf: Buffer) -> Header:
    """Parses an envelope header without any key; raises the typed errors of ``docs/format.md``."""
    mv = memoryview(buf)
    size = len(mv)
    if size < 1:
        raise TruncatedCiphertextError("envelope is empty")
    if mv[0] not in VERSIONS:
        raise UnsupportedEnvelopeVersionError(f"unsupported envelope version 0x{mv[0]:02x}")
    if size < 4:
        raise TruncatedCiphertextError(f"envelope ends inside the header ({size} bytes)")
    alg = mv[1]
    if alg not in ALGORITHM_NAMES:
        raise UnknownAlgorithmError(f"unknown envelope algorithm 0x{alg:02x}")
    kind = mv[2]
    if kind not in KIND_NAMES:
        raise UnknownKeyReferenceKindError(f"unknown key reference kind 0x{kind:02x}")
    n = 0
    shift = 0
    pos = 3
    for i in range(3):
        if pos >= size:
            raise TruncatedCiphertextError("envelope ends inside the key reference length")
        b = mv[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if b == 0 and i > 0:
                raise MalformedEnvelopeError("non-canonical key reference length")
            break
    else:
        raise MalformedEnvelopeError("key reference length varint longer than 3 bytes")
    if n < 1 or n > 65535:
        raise MalformedEnvelopeError(f"key reference length {n} out of range 1..65535")
    if pos + n > size:
        raise TruncatedCiphertextError("envelope ends inside the key reference")
    return Header(alg, kind, bytes(mv[pos : pos + n]), pos + n, mv[0])


def bound_header(header: bytes) -> bytes:
    """What the associated data binds for ``header``: itself (v1) or ``0x02 || SHA-256`` (v2)."""
    if header[0] == VERSION_2:
        return bytes([VERSION_2]) + hashlib.sha256(header).digest()
    return header


def build_header(algorithm: int, kind: int, reference: bytes) -> bytes:
    return bytes([VERSION, algorithm, kind]) + encode_varint(len(reference)) + reference


def _dbl(block: bytes) -> bytes:
    v = int.from_bytes(block, "big")
    v <<= 1
    if v >> 128:
        v = (v & ((1 << 128) - 1)) ^ 0x87
    return v.to_bytes(16, "big")


class DekCipher:
    """Every envelope operation under one DEK.

    Holds one AES-ECB context for the XAES-256-GCM derivation (``L`` and ``K1`` computed once) and
    a bounded cache of ``AESGCM`` objects per 12-byte derivation prefix, so a column written by one
    writer stream derives its subkey once. Not thread-safe: use one per thread.
    """

    __slots__ = ("_ecb", "_k1", "_subkeys", "_max_subkeys", "_siv", "_dek", "_enc_state")

    def __init__(self, dek: bytes, max_subkeys: int = 4096) -> None:
        if len(dek) != DEK_BYTES:
            raise ValueError("a DEK is 32 bytes")
        self._dek = bytes(dek)
        self._ecb = Cipher(algorithms.AES(self._dek), modes.ECB())
        enc = self._ecb.encryptor()
        self._k1 = int.from_bytes(_dbl(enc.update(bytes(16))), "big")
        self._subkeys: OrderedDict[bytes, AESGCM] = OrderedDict()
        self._max_subkeys = max_subkeys
        self._siv: AESSIV | None = None
        self._enc_state: tuple[bytes, bytes, int, AESGCM] | None = None

    def __repr__(self) -> str:  # never the key
        return "DekCipher(<redacted>)"

    # ---- XAES-256-GCM

    def _derive(self, prefix: bytes) -> AESGCM:
        n = int.from_bytes(prefix, "big")
        m1 = ((0x0001_5800 << 96) | n) ^ self._k1
        m2 = ((0x0002_5800 << 96) | n) ^ self._k1
        enc = self._ecb.encryptor()
        kx = enc.update(m1.to_bytes(16, "big") + m2.to_bytes(16, "big"))
        return AESGCM(kx)

    def subkey(self, prefix: Buffer) -> AESGCM:
        p = bytes(prefix)
        gcm = self._subkeys.get(p)
        if gcm is None:
            gcm = self._derive(p)
            self._subkeys[p] = gcm
            if len(self._subkeys) > self._max_subkeys:
                self._subkeys.popitem(last=False)
        return gcm

    def siv(self) -> AESSIV:
        if self._siv is None:
            k = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=SIV_INFO).derive(
                self._dek
            )
            self._siv = AESSIV(k)
        return self._siv

    # ---- decryption

    def decrypt(self, envelope: Buffer, context: bytes, header: Header | None = None,
                aad: bytes | None = None) -> bytes:
        """Decrypts one envelope bound to ``context``; raises typed errors, returns nothing else."""
        mv = memoryview(envelope)
        if header is None:
            header = parse_header(mv)
        h = header.length
        bound = bound_header(bytes(mv[:h])) if aad is None or header.algorithm == AES_SIV else None
        if aad is None:
            aad = bound + context
        alg = header.algorithm
        if alg == XAES_256_GCM:
            if len(mv) < h + NONCE_BYTES + TAG_BYTES:
                raise TruncatedCiphertextError("envelope ends inside the nonce or tag")
            gcm = self.subkey(mv[h : h + 12])
            try:
                return gcm.decrypt(mv[h + 12 : h + 24], mv[h + 24 :], aad)
            except InvalidTag:
                raise AuthenticationFailedError(_auth_message(header)) from None
        if alg == AES_SIV:
            if len(mv) < h + SIV_BYTES:
                raise TruncatedCiphertextError("envelope ends inside the SIV")
            try:
                return self.siv().decrypt(bytes(mv[h:]), [bound, context])
            except InvalidTag:
                raise AuthenticationFailedError(_auth_message(header)) from None
        if alg == XAES_256_GCM_SEGMENTED:
            return self._decrypt_segmented(mv, h, aad, header)
        raise UnknownAlgorithmError(f"unknown envelope algorithm 0x{alg:02x}")

    def _decrypt_segmented(self, mv: memoryview, h: int, aad: bytes, header: Header) -> bytes:
        if len(mv) < h + SEGMENTED_PREFIX_BYTES + TAG_BYTES:
            raise TruncatedCiphertextError("segmented envelope ends inside its prefix or a tag")
        n0 = bytes(mv[h : h + 12])
        z = mv[h + 12]
        if not MIN_SEGMENT_EXPONENT <= z <= MAX_SEGMENT_EXPONENT:
            raise MalformedEnvelopeError(f"segment size exponent {z} out of range 12..20")
        r = bytes(mv[h + 13 : h + 19])
        body = mv[h + SEGMENTED_PREFIX_BYTES :]
        seg = (1 << z) + TAG_BYTES
        total = len(body)
        full, rest = divmod(total, seg)
        if rest == 0:
            k, last_len = full, seg
        elif rest < TAG_BYTES:
            raise MalformedEnvelopeError("impossible segmentation (final segment shorter than a tag)")
        else:
            k, last_len = full + 1, rest
        if k > 1 and last_len == TAG_BYTES:
            raise MalformedEnvelopeError("empty final segment after a full one")
        gcm = self._derive(n0)
        nonce_prefix = bytes([z]) + r
        out = bytearray()
        pos = 0
        for i in range(k):
            length = seg if i < k - 1 else last_len
            last = 1 if i == k - 1 else 0
            nonce = nonce_prefix + struct.pack(">IB", i, last)
            try:
                out += gcm.decrypt(nonce, body[pos : pos + length], aad)
            except InvalidTag:
                out[:] = bytes(len(out))
                raise AuthenticationFailedError(_auth_message(header) + f" (segment {i})") from None
            pos += length
        return bytes(out)

    # ---- encryption

    def encrypt(self, plaintext: Buffer, context: bytes, header: bytes,
                algorithm: int | None = None, segment_exponent: int = DEFAULT_SEGMENT_EXPONENT,
                segment_threshold: int = SEGMENT_THRESHOLD) -> bytes:
        """Encrypts under this DEK with a prebuilt ``header`` (see :func:`build_header`)."""
        pt = bytes(plaintext)
        if algorithm is None:
            algorithm = header[1]
        if algorithm == AES_SIV:
            if header[1] != AES_SIV:
                raise ValueError("header names another algorithm")
            return header + self.siv().encrypt(pt, [header, context])
        if algorithm == XAES_256_GCM and len(pt) > segment_threshold:
            algorithm = XAES_256_GCM_SEGMENTED
            header = bytes([header[0], XAES_256_GCM_SEGMENTED]) + header[2:]
        if header[1] != algorithm:
            raise ValueError("header names another algorithm")
        aad = header + context
        if algorithm == XAES_256_GCM:
            prefix, salt, counter, gcm = self._stream()
            nonce12 = salt + struct.pack(">I", counter)
            return header + prefix + nonce12 + gcm.encrypt(nonce12, pt, aad)
        if algorithm == XAES_256_GCM_SEGMENTED:
            z = segment_exponent
            if not MIN_SEGMENT_EXPONENT <= z <= MAX_SEGMENT_EXPONENT:
                raise ValueError("segment exponent must be 12..20")
            rnd = os.urandom(18)
            n0, r = rnd[:12], rnd[12:]
            gcm = self._derive(n0)
            size = 1 << z
            k = max(1, -(-len(pt) // size))
            out = bytearray(header + n0 + bytes([z]) + r)
            for i in range(k):
                nonce = bytes([z]) + r + struct.pack(">IB", i, 1 if i == k - 1 else 0)
                out += gcm.encrypt(nonce, pt[i * size : (i + 1) * size], aad)
            return bytes(out)
        raise UnknownAlgorithmError(f"unknown envelope algorithm 0x{algorithm:02x}")

    def encrypt_with_nonce(self, plaintext: Buffer, context: bytes, header: bytes,
                           nonce: bytes) -> bytes:
        """Test vectors only: ``0x01`` with a caller-chosen 24-byte nonce, or ``0x03`` with
        ``nonce = N0(12) || z(1) || R(6)``. Never reuse a nonce under one DEK."""
        pt = bytes(plaintext)
        aad = header + context
        if header[1] == XAES_256_GCM:
            if len(nonce) != 24:
                raise ValueError("XAES-256-GCM nonces are 24 bytes")
            return header + nonce + self._derive(nonce[:12]).encrypt(nonce[12:], pt, aad)
        if header[1] == XAES_256_GCM_SEGMENTED:
            n0, z, r = nonce[:12], nonce[12], nonce[13:19]
            gcm = self._derive(n0)
            size = 1 << z
            k = max(1, -(-len(pt) // size))
            out = bytearray(header + nonce[:19])
            for i in range(k):
                sn = bytes([z]) + r + struct.pack(">IB", i, 1 if i == k - 1 else 0)
                out += gcm.encrypt(sn, pt[i * size : (i + 1) * size], aad)
            return bytes(out)
        raise ValueError("only XAES-256-GCM envelopes take a nonce")

    def _stream(self) -> tuple[bytes, bytes, int, AESGCM]:
        st = self._enc_state
        if st is None or st[2] >= 0xFFFFFFFF:
            rnd = os.urandom(20)
            st = (rnd[:12], rnd[12:], 0, self._derive(rnd[:12]))
        prefix, salt, counter, gcm = st
        self._enc_state = (prefix, salt, counter + 1, gcm)
        return prefix, salt, counter, gcm


def _auth_message(header: Header) -> str:
    return (
        f"envelope v1 {header.algorithm_name} with key reference {header.describe_reference()}"
        " failed authentication: tampered, wrong key, wrong context or swapped key reference"
    )
