"""Wrapped keys (binary and JSON records v1), the KEK layer, the key registry and key resolution.

See ``docs/format.md`` (wrapped key record v1, key registry) and kms-bridge ``KekLayout``.
"""

from __future__ import annotations

import base64
import json
import posixpath
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .envelope import INLINE_WRAPPED_KEY, REGISTRY_KEY_ID, DekCipher, Header
from .errors import (
    CorruptRecordError,
    InvalidWrappedKeyError,
    KmsError,
    RegistryError,
    UnknownKeyError,
)

KEK_ALGORITHM = "KEK/AES256-GCM"
KEK_AAD_LABEL = b"pipeseal/kek/dek/v1"


def java_utf(s: str) -> bytes:
    """``DataOutputStream.writeUTF`` for the names Pipeseal allows (u16 length + UTF-8)."""
    b = s.encode("utf-8")
    return struct.pack(">H", len(b)) + b


@dataclass(frozen=True)
class WrappedKey:
    """A DEK (or KEK) wrapped by a master key version. Never holds plaintext key material."""

    provider: str
    master_key: str
    master_key_version: str
    algorithm: str
    wrapped: bytes

    def __repr__(self) -> str:
        return (f"WrappedKey({self.provider}:{self.master_key}@{self.master_key_version},"
                f" {self.algorithm}, {len(self.wrapped)} bytes)")

    def label(self) -> str:
        return f"{self.provider}:{self.master_key}@{self.master_key_version}"

    # ---- binary record v1

    def to_binary(self) -> bytes:
        p, n, v, a = (x.encode("utf-8") for x in (self.provider, self.master_key,
                                                   self.master_key_version, self.algorithm))
        if len(p) > 255 or len(a) > 255 or max(len(n), len(v), len(self.wrapped)) > 65535:
            raise ValueError("wrapped key field too long")
        return (bytes([1, len(p)]) + p + struct.pack(">H", len(n)) + n + struct.pack(">H", len(v))
                + v + bytes([len(a)]) + a + struct.pack(">H", len(self.wrapped)) + self.wrapped)

    @staticmethod
    def from_binary(data: bytes) -> "WrappedKey":
        b = bytes(data)
        pos = 0

        def take(n: int) -> bytes:
            nonlocal pos
            if pos + n > len(b):
                raise InvalidWrappedKeyError(None, None, "wrapped key record is truncated")
            out = b[pos : pos + n]
            pos += n
            return out

        if not b or b[0] != 1:
            raise InvalidWrappedKeyError(
                None, None, f"unknown wrapped key record version {b[0] if b else 'none'}")
        pos = 1
        try:
            provider = take(take(1)[0]).decode("utf-8")
            name = take(struct.unpack(">H", take(2))[0]).decode("utf-8")
            version = take(struct.unpack(">H", take(2))[0]).decode("utf-8")
            alg = take(take(1)[0]).decode("utf-8")
            wrapped = take(struct.unpack(">H", take(2))[0])
        except UnicodeDecodeError:
            raise InvalidWrappedKeyError(None, None, "wrapped key record is not UTF-8") from None
        if pos != len(b):
            raise InvalidWrappedKeyError(provider, name,
                                         f"wrapped key record has {len(b) - pos} trailing bytes")
        return WrappedKey(provider, name, version, alg, wrapped)

    # ---- JSON record v1

    def to_json_fields(self) -> dict[str, Any]:
        return {"v": 1, "provider": self.provider, "masterKey": self.master_key,
                "masterKeyVersion": self.master_key_version, "algorithm": self.algorithm,
                "wrapped": base64.b64encode(self.wrapped).decode("ascii")}

    @staticmethod
    def from_json_fields(obj: Mapping[str, Any]) -> "WrappedKey":
        if obj.get("v") != 1 or isinstance(obj.get("v"), bool):
            raise InvalidWrappedKeyError(None, None, "wrapped key JSON record is not version 1")
        vals = []
        for k in ("provider", "masterKey", "masterKeyVersion", "algorithm", "wrapped"):
            v = obj.get(k)
            if not isinstance(v, str):
                raise InvalidWrappedKeyError(None, None, f"wrapped key JSON member '{k}' missing")
            vals.append(v)
        try:
            raw = base64.b64decode(vals[4], validate=True)
        except ValueError:
            raise InvalidWrappedKeyError(vals[0], vals[1], "wrapped bytes are not base64") from None
        return WrappedKey(vals[0], vals[1], vals[2], vals[3], raw)


class Kms(Protocol):
    """A master-key provider that can unwrap the DEKs (and KEKs) it wrapped."""

    provider_id: str

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        """The 32-byte plaintext key; raises :class:`KmsError` subclasses."""
        ...


def kek_layout_parse(outer: WrappedKey) -> tuple[WrappedKey, bytes]:
    b = outer.wrapped
    if len(b) < 3:
        raise InvalidWrappedKeyError(outer.provider, outer.master_key, "KEK-wrapped key truncated")
    if b[0] != 1:
        raise InvalidWrappedKeyError(outer.provider, outer.master_key,
                                     f"unknown KEK layout version {b[0]}")
    n = struct.unpack(">H", b[1:3])[0]
    if len(b) != 3 + n + 60:
        raise InvalidWrappedKeyError(outer.provider, outer.master_key,
                                     f"KEK-wrapped key has {len(b)} bytes, expected {3 + n + 60}")
    kek = WrappedKey.from_binary(b[3 : 3 + n])
    if (kek.provider, kek.master_key, kek.master_key_version) != (
            outer.provider, outer.master_key, outer.master_key_version):
        raise InvalidWrappedKeyError(outer.provider, outer.master_key,
                                     f"labels do not match the embedded KEK ({kek.label()})")
    return kek, b[3 + n :]


def kek_aad(provider: str, master_key: str) -> bytes:
    return KEK_AAD_LABEL + java_utf(provider) + java_utf(master_key)


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()

    def get(self, k: Any) -> Any:
        v = self.data.get(k)
        if v is not None:
            self.data.move_to_end(k)
        return v

    def put(self, k: Any, v: Any) -> None:
        self.data[k] = v
        self.data.move_to_end(k)
        while len(self.data) > self.size:
            self.data.popitem(last=False)

    def clear(self) -> None:
        self.data.clear()


class KeyRing:
    """Unwraps wrapped keys through providers, with the KEK layer and caches.

    One KMS call per distinct KEK (or DEK without KEK layer) per process: a dataset read makes
    O(1) KMS calls per master key version. ``calls`` counts provider unwraps.
    """

    def __init__(self, providers: Sequence[Kms] | Kms, cache_size: int = 10_000) -> None:
        plist: list[Kms] = (list(providers) if isinstance(providers, (list, tuple))
                            else [providers])  # type: ignore[list-item]
        self.providers: dict[str, Kms] = {p.provider_id: p for p in plist}
        self._deks = _Lru(cache_size)
        self._keks = _Lru(1024)
        self._lock = threading.RLock()
        self.calls = 0

    def provider(self, wrapped: WrappedKey) -> Kms:
        p = self.providers.get(wrapped.provider)
        if p is None:
            raise KmsError(wrapped.provider, wrapped.master_key,
                           f"no provider '{wrapped.provider}' configured for this reader"
                           f" (have: {', '.join(sorted(self.providers)) or 'none'})")
        return p

    def _inner(self, wrapped: WrappedKey) -> bytes:
        with self._lock:
            key = self._keks.get(wrapped)
            if key is None:
                self.calls += 1
                key = self.provider(wrapped).unwrap(wrapped)
                self._keks.put(wrapped, key)
            return key

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        """The plaintext DEK of ``wrapped`` (cached)."""
        with self._lock:
            hit = self._deks.get(wrapped)
            if hit is not None:
                return hit
        if wrapped.algorithm == KEK_ALGORITHM:
            self.provider(wrapped)  # fail early on an unknown provider
            kek_record, ct = kek_layout_parse(wrapped)
            kek = self._inner(kek_record)
            try:
                dek = AESGCM(kek).decrypt(ct[:12], ct[12:], kek_aad(wrapped.provider,
                                                                    wrapped.master_key))
            except InvalidTag:
                raise InvalidWrappedKeyError(
                    wrapped.provider, wrapped.master_key,
                    f"version {wrapped.master_key_version}: DEK ciphertext failed authentication"
                    " under its KEK (tampered or relabelled)") from None
        else:
            dek = self._inner(wrapped)
        if len(dek) != 32:
            raise InvalidWrappedKeyError(wrapped.provider, wrapped.master_key,
                                         "unwrapped key is not 32 bytes")
        with self._lock:
            self._deks.put(wrapped, dek)
        return dek

    def clear(self) -> None:
        with self._lock:
            self._deks.clear()
            self._keks.clear()


# ---- key registry


class KeyRegistry:
    """Read-only view of a key registry directory (``docs/format.md``, *Key registry*).

    ``root`` is a local path or a path on ``filesystem`` (any ``pyarrow.fs.FileSystem``).
    Reads the highest generation of an id; fails closed on a corrupt record.
    """

    def __init__(self, root: str, filesystem: Any = None, cache_size: int = 10_000) -> None:
        if filesystem is None:
            import pyarrow.fs as pafs

            filesystem, root = pafs.FileSystem.from_uri(root) if "://" in root else (
                pafs.LocalFileSystem(), root)
        self.root = root.rstrip("/")
        self.fs = filesystem
        self._cache = _Lru(cache_size)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeyRegistry({self.root!r})"

    def id_dir(self, key_id: bytes) -> str:
        h = key_id.hex()
        return posixpath.join(self.root, "keys", h[:2], h)

    def read(self, key_id: bytes) -> WrappedKey:
        with self._lock:
            hit = self._cache.get(key_id)
        if hit is not None:
            return hit
        import pyarrow.fs as pafs

        h = key_id.hex()
        d = self.id_dir(key_id)
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(d, allow_not_found=True))
        except OSError as e:
            raise RegistryError(f"key registry {self.root}: cannot list key id {h}:"
                                f" {type(e).__name__}") from None
        gens = []
        for info in infos:
            name = posixpath.basename(info.path)
            if name.startswith(".") or not name.endswith(".json"):
                continue
            stem = name[:-5]
            if stem.isdigit() and not stem.startswith("0"):
                gens.append(int(stem))
        if not gens:
            raise UnknownKeyError("registry", None,
                                  f"key id {h} is not in the key registry {self.root}")
        gen = max(gens)
        path = posixpath.join(d, f"{gen}.json")
        try:
            with self.fs.open_input_stream(path) as f:
                obj = json.loads(f.read().decode("utf-8"))
            if obj.get("rv") != 1 or obj.get("id") != h or obj.get("generation") != gen:
                raise ValueError("record contradicts its path")
            wk = WrappedKey.from_json_fields(obj)
        except (ValueError, InvalidWrappedKeyError, OSError) as e:
            raise CorruptRecordError(f"key registry {self.root}: record of key id {h} generation"
                                     f" {gen} is corrupt ({type(e).__name__})") from None
        with self._lock:
            self._cache.put(key_id, wk)
        return wk

    def register(self, key_id: bytes, wrapped: WrappedKey, now: str | None = None) -> None:
        """Publishes generation 1 of ``key_id`` (local file systems only: create-if-absent)."""
        import datetime
        import os

        ts = now or datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        rec = {"rv": 1, "id": key_id.hex(), "generation": 1, "created": ts, "written": ts}
        rec.update(wrapped.to_json_fields())
        d = self.id_dir(key_id)
        os.makedirs(d, exist_ok=True)
        tmp = os.path.join(d, f".1.json.{os.urandom(6).hex()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, os.path.join(d, "1.json"))
        finally:
            os.unlink(tmp)


class KeyResolver:
    """Resolves envelope key references (inline or registry id) to :class:`DekCipher` objects.

    One ``DekCipher`` per DEK, cached: no per-cell key setup.
    """

    def __init__(self, keyring: KeyRing, registry: KeyRegistry | None = None,
                 cache_size: int = 1024) -> None:
        self.keyring = keyring
        self.registry = registry
        self._ciphers = _Lru(cache_size)
        self._lock = threading.Lock()

    def wrapped_key(self, header: Header) -> WrappedKey:
        if header.kind == INLINE_WRAPPED_KEY:
            return WrappedKey.from_binary(header.reference)
        if header.kind == REGISTRY_KEY_ID:
            if len(header.reference) != 8:
                raise UnknownKeyError("registry", None,
                                      f"registry key id has {len(header.reference)} bytes, not 8")
            if self.registry is None:
                raise UnknownKeyError(
                    "registry", None,
                    f"value references registry key id {header.reference.hex()} but no key"
                    " registry is configured")
            return self.registry.read(header.reference)
        raise UnknownKeyError(None, None, f"unknown key reference kind {header.kind}")

    def cipher(self, header: Header) -> DekCipher:
        cache_key = (header.kind, header.reference)
        with self._lock:
            hit = self._ciphers.get(cache_key)
        if hit is not None:
            return hit
        dek = self.keyring.unwrap(self.wrapped_key(header))
        c = DekCipher(dek)
        with self._lock:
            self._ciphers.put(cache_key, c)
        return c


CipherFactory = Callable[[Header], DekCipher]
