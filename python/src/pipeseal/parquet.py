"""Parquet modular encryption (PME) with Pipeseal keys, on ``pyarrow.parquet.encryption``.

:class:`PipesealKmsClient` is a ``pyarrow.parquet.encryption.KmsClient`` that unwraps the
wrapped-key strings v1 that the Java ``PipesealKmsClient`` stores in Parquet key material
(``docs/parquet.md``), through the same KMS providers (and their KEK layer). Parquet's own key
tools in arrow-cpp do the rest (double wrapping, internal or external key material).
"""

from __future__ import annotations

import base64
import os
import posixpath
import struct
from typing import Any, Callable

import pyarrow as pa
import pyarrow.parquet.encryption as pe
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import _thrift
from .errors import (
    InvalidWrappedKeyError,
    KmsError,
    ParquetKeyError,
    PipesealError,
    TableBindingError,
)
from .keys import KeyRing, WrappedKey

AAD_LABEL = b"pipeseal/parquet/key/v1"
TABLE_PREFIX = "pipeseal/table/v1:"


def _aad(master_key_id: str) -> bytes:
    b = master_key_id.encode("utf-8")
    return AAD_LABEL + struct.pack(">H", len(b)) + b


def parse_wrapped_key_string(text: str, master_key_id: str) -> tuple[WrappedKey, bytes]:
    """(DEK record, nonce || ciphertext || tag) of a wrapped-key string v1."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise ParquetKeyError(f"master key '{master_key_id}': wrapped key is not base64") from None
    if len(raw) < 3 or raw[0] != 1:
        raise ParquetKeyError(f"master key '{master_key_id}': unknown wrapped-key string version")
    n = struct.unpack(">H", raw[1:3])[0]
    rest = len(raw) - 3 - n
    if rest not in (12 + 16 + 16, 12 + 24 + 16, 12 + 32 + 16):
        raise ParquetKeyError(f"master key '{master_key_id}': wrapped key truncated or padded")
    try:
        record = WrappedKey.from_binary(raw[3 : 3 + n])
    except InvalidWrappedKeyError as e:
        raise ParquetKeyError(f"master key '{master_key_id}': {e}") from None
    if record.master_key != master_key_id:
        raise ParquetKeyError(f"wrapped key names master key '{record.master_key}', not"
                              f" '{master_key_id}'")
    return record, raw[3 + n :]


def unwrap_key_string(keyring: KeyRing, text: str, master_key_id: str) -> bytes:
    record, sealed = parse_wrapped_key_string(text, master_key_id)
    dek = keyring.unwrap(record)
    try:
        return AESGCM(dek).decrypt(sealed[:12], sealed[12:], _aad(master_key_id))
    except InvalidTag:
        raise ParquetKeyError(f"master key '{master_key_id}': wrapped key failed authentication"
                              " (tampered or moved to another master key)") from None


def wrap_key_string(dek: bytes, record: WrappedKey, key: bytes, master_key_id: str) -> str:
    """Wrapped-key string v1 of Parquet ``key`` under ``dek`` (whose wrapped form is ``record``)."""
    rec = record.to_binary()
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(dek).encrypt(nonce, key, _aad(master_key_id))
    return base64.b64encode(bytes([1]) + struct.pack(">H", len(rec)) + rec + sealed).decode()


class PipesealKmsClient(pe.KmsClient):
    """Parquet ``KmsClient`` on Pipeseal providers.

    ``unwrap_key`` needs only unwrap rights on the master key. ``wrap_key`` (writing) needs a
    ``wrapper``: a callable ``(master_key_id, dek) -> WrappedKey`` (e.g. ``LocalKms.wrap``).
    """

    def __init__(self, keyring: KeyRing,
                 wrapper: Callable[[str, bytes], WrappedKey] | None = None) -> None:
        pe.KmsClient.__init__(self)
        self.keyring = keyring
        self.wrapper = wrapper

    def unwrap_key(self, wrapped_key: str, master_key_identifier: str) -> bytes:
        try:
            return unwrap_key_string(self.keyring, wrapped_key, master_key_identifier)
        except PipesealError:
            raise
        except Exception as e:  # arrow reports it; never key bytes
            raise KmsError(None, master_key_identifier, f"unwrap failed: {type(e).__name__}"
                           ) from None

    def wrap_key(self, key_bytes: bytes, master_key_identifier: str) -> str:
        if self.wrapper is None:
            raise KmsError(None, master_key_identifier, "this client is read-only (no wrapper)")
        dek = os.urandom(32)
        record = self.wrapper(master_key_identifier, dek)
        return wrap_key_string(dek, record, bytes(key_bytes), master_key_identifier)


def crypto_factory(keyring: KeyRing,
                   wrapper: Callable[[str, bytes], WrappedKey] | None = None) -> pe.CryptoFactory:
    return pe.CryptoFactory(lambda _config: PipesealKmsClient(keyring, wrapper))


def kms_connection_config(token: str = "pipeseal-python") -> pe.KmsConnectionConfig:
    return pe.KmsConnectionConfig(key_access_token=token)


# ---- the file's crypto metadata (table binding)


def read_crypto_metadata(path: str, filesystem: Any = None) -> dict[str, Any]:
    """``{'encrypted_footer': bool, 'algorithm': str, 'aad_prefix': bytes|None}`` or
    ``{'encrypted_footer': False, 'algorithm': None}`` for plaintext files."""
    import pyarrow.fs as pafs

    fs = filesystem or pafs.LocalFileSystem()
    with fs.open_input_file(path) as f:
        size = f.size()
        f.seek(size - 8)
        tail = f.read(8)
        footer_len = struct.unpack("<I", tail[:4])[0]
        magic = tail[4:]
        f.seek(size - 8 - footer_len)
        footer = f.read(footer_len)
    try:
        if magic == b"PARE":
            meta, _ = _thrift.read_struct(footer)
            alg = meta.get(1, {})
            encrypted = True
        elif magic == b"PAR1":
            meta, _ = _thrift.read_struct(footer)
            alg = meta.get(8)
            encrypted = False
            if alg is None:
                return {"encrypted_footer": False, "algorithm": None, "aad_prefix": None}
        else:
            raise ParquetKeyError(f"{path}: not a Parquet file")
    except _thrift.ThriftError:
        raise ParquetKeyError(f"{path}: cannot parse the footer's crypto metadata") from None
    name, params = ("AES_GCM_V1", alg.get(1)) if 1 in alg else ("AES_GCM_CTR_V1", alg.get(2))
    params = params or {}
    return {"encrypted_footer": encrypted, "algorithm": name, "aad_prefix": params.get(1),
            "supply_aad_prefix": bool(params.get(3, False))}


def table_of(path: str, filesystem: Any = None) -> str | None:
    """The table id bound into a file's AAD prefix by ``PipesealCryptoFactory``, if any."""
    prefix = read_crypto_metadata(path, filesystem).get("aad_prefix")
    if not prefix:
        return None
    text = prefix.decode("utf-8", "replace")
    return text[len(TABLE_PREFIX):] if text.startswith(TABLE_PREFIX) else None


def verify_table(path: str, table: str, filesystem: Any = None) -> None:
    """Fails closed unless the file's AAD prefix names ``table`` (like the Java reader)."""
    meta = read_crypto_metadata(path, filesystem)
    if meta["algorithm"] is None:
        return  # a plaintext file has nothing to bind
    found = table_of(path, filesystem)
    if found is None:
        raise TableBindingError(f"file {path} has no Pipeseal table binding (AAD prefix); read it"
                                " with table=None to skip the check")
    if found != table:
        raise TableBindingError(f"file {path} belongs to table '{found}', not to table '{table}'")


def auto_table_id(directory: str) -> str:
    """``table=auto`` of the Java factory: the directory path without Hive partition dirs."""
    parts = [p for p in directory.rstrip("/").split("/")]
    while parts and "=" in parts[-1]:
        parts.pop()
    return "/".join(parts) or "/"


_ = (pa, posixpath)
