"""Decrypting (and encrypting) Pipeseal cells: single values, Arrow columns, Kafka records."""

from __future__ import annotations

import base64
import json
import os
from typing import Any, Iterable, Sequence

import numpy as np
import pyarrow as pa

from . import values
from .envelope import (
    AES_SIV,
    INLINE_WRAPPED_KEY,
    REGISTRY_KEY_ID,
    XAES_256_GCM,
    Buffer,
    DekCipher,
    Header,
    bound_header,
    build_header,
    parse_header,
)
from .errors import PipesealError, TypeMismatchError, UnknownKeyError, ValueDecryptionError
from .keys import KeyRegistry, KeyResolver, KeyRing, Kms, WrappedKey


def kafka_context(topic: str, *, key: bool = False, pointer: str | None = None) -> str:
    """The AAD context the Kafka serializer binds: ``T``, ``T#key``, ``T/ptr``, ``T#key/ptr``."""
    if "#" in topic or "/" in topic:
        raise ValueError("topic names cannot contain '#' or '/'")
    ctx = topic + ("#key" if key else "")
    if pointer:
        if not pointer.startswith("/"):
            raise ValueError("a JSON pointer starts with '/'")
        ctx += pointer
    return ctx


def spark_context(column: str) -> str:
    """The default context of the Spark functions: the column (or struct field) name, lower-cased."""
    return column.rsplit(".", 1)[-1].lower()


def _ctx_bytes(context: str | bytes) -> bytes:
    return context if isinstance(context, bytes) else context.encode("utf-8")


class Pipeseal:
    """Reads (and writes) envelope v1 values with the keys of one or more KMS providers.

    ``kms``: one provider or a list (``LocalKms``, ``HadoopKms``, or anything with
    ``provider_id`` and ``unwrap(WrappedKey) -> bytes``). ``registry``: a key registry root (local
    path, URI or :class:`KeyRegistry`) for registry-referenced values (the Spark default).
    """

    def __init__(self, kms: Kms | Sequence[Kms], registry: str | KeyRegistry | None = None,
                 filesystem: Any = None) -> None:
        self.keyring = kms if isinstance(kms, KeyRing) else KeyRing(kms)
        if isinstance(registry, str):
            registry = KeyRegistry(registry, filesystem)
        self.registry = registry
        self.resolver = KeyResolver(self.keyring, registry)

    @property
    def kms_calls(self) -> int:
        """Provider unwrap calls made so far (the KEK layer and caches keep this O(1))."""
        return self.keyring.calls

    # ---- single values

    def decrypt_bytes(self, envelope: Buffer, context: str | bytes) -> bytes:
        """The raw plaintext of any envelope v1 (Kafka values, untagged payloads)."""
        header = parse_header(envelope)
        return self.resolver.cipher(header).decrypt(envelope, _ctx_bytes(context), header)

    def decrypt(self, envelope: Buffer, context: str | bytes, type: str | None = None) -> Any:
        """A Spark cell's value; ``type`` checks the stored tag (default: whatever it holds)."""
        return values.decode(self.decrypt_bytes(envelope, context), type)

    def encrypt_bytes(self, plaintext: Buffer, context: str | bytes, *, dek: bytes,
                      reference: WrappedKey | bytes, deterministic: bool = False) -> bytes:
        """Encrypts with a given DEK; ``reference`` is an inline wrapped key or an 8-byte id."""
        if isinstance(reference, WrappedKey):
            kind, ref = INLINE_WRAPPED_KEY, reference.to_binary()
        else:
            kind, ref = REGISTRY_KEY_ID, bytes(reference)
        header = build_header(AES_SIV if deterministic else XAES_256_GCM, kind, ref)
        return DekCipher(dek).encrypt(plaintext, _ctx_bytes(context), header)

    # ---- Arrow columns

    def decrypt_array(self, array: pa.Array | pa.ChunkedArray, context: str | bytes,
                      type: str | None = "binary", *, column: str | None = None,
                      typed: bool = True) -> pa.Array:
        """Decrypts a binary column of envelopes into an Arrow array of ``type``.

        ``typed=False`` returns the raw plaintexts (Kafka payloads) as ``binary``. Vectors become
        ``fixed_size_list<float32|float64>`` backed by one contiguous numpy buffer. Nulls stay
        null. Any bad cell raises :class:`ValueDecryptionError` (nothing is returned).
        """
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
        if pa.types.is_large_binary(array.type):
            array = array.cast(pa.binary())
        if not pa.types.is_binary(array.type):
            raise TypeError(f"column {column or '?'}: envelopes are binary, not {array.type}")
        t = values.normalize_type(type) if (typed and type is not None) else None
        ctx = _ctx_bytes(context)
        decryptor = _ColumnDecryptor(self.resolver, ctx, column, t if typed else None)
        return decryptor.run(array, typed)


class _ColumnDecryptor:
    def __init__(self, resolver: KeyResolver, context: bytes, column: str | None,
                 type_name: str | None) -> None:
        self.resolver = resolver
        self.context = context
        self.column = column
        self.type_name = type_name
        self._last_header_bytes: bytes | None = None
        self._last: tuple[Header, DekCipher, bytes] | None = None

    def _fail(self, row: int, header: Header | None, e: Exception) -> ValueDecryptionError:
        ref = header.describe_reference() if header is not None else "unparsed"
        return ValueDecryptionError(
            f"decrypt failed for column '{self.column or '?'}' row {row} (context"
            f" '{self.context.decode('utf-8', 'replace')}', key {ref}): {type(e).__name__}: {e}",
            column=self.column, row=row, context=self.context.decode("utf-8", "replace"))

    def _open(self, cell: memoryview, row: int) -> bytes:
        last = self._last
        header = None
        try:
            if last is not None:
                h = last[0].length
                if len(cell) >= h and cell[:h] == last[2]:
                    return last[1].decrypt(cell, self.context, last[0], last[3])
            header = parse_header(cell)
            cipher = self.resolver.cipher(header)
            hb = bytes(cell[: header.length])
            aad = bound_header(hb) + self.context
            self._last = (header, cipher, hb, aad)
            return cipher.decrypt(cell, self.context, header, aad)
        except PipesealError as e:
            if header is None and last is not None:
                try:
                    header = parse_header(cell)
                except PipesealError:
                    pass
            raise self._fail(row, header, e) from e

    def run(self, array: pa.Array, typed: bool) -> pa.Array:
        n = len(array)
        bufs = array.buffers()
        offsets = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=array.offset * 4)
        data = memoryview(bufs[2]).cast("B") if bufs[2] is not None else memoryview(b"")
        valid = None
        if array.null_count:
            valid = np.asarray(array.is_valid())
        t = self.type_name
        rows = range(n) if valid is None else np.flatnonzero(valid).tolist()
        if t in ("array<float>", "array<double>"):
            return self._vectors(offsets, data, rows, n, valid, t)
        out: list[Any] = [None] * n
        for i in rows:
            pt = self._open(data[offsets[i] : offsets[i + 1]], i)
            if t is None:
                out[i] = pt
            else:
                try:
                    out[i] = values.decode(pt, t)
                except PipesealError as e:
                    raise self._fail(i, None, e) from e
        if not typed or t is None:
            return pa.array(out, type=pa.binary())
        if t == "decimal":
            return pa.array(out)
        return pa.array(out, type=_arrow_type(t))

    def _vectors(self, offsets: np.ndarray, data: memoryview, rows: Iterable[int], n: int,
                 valid: np.ndarray | None, t: str) -> pa.Array:
        width = 4 if t == "array<float>" else 8
        tag = values.TAGS[t]
        dim = -1
        row_bytes = -1  # the first vector sets the dimension
        out: np.ndarray | None = None
        dest = memoryview(b"")
        offs = offsets.tolist()
        open_ = self._open
        for i in rows:
            pt = open_(data[offs[i] : offs[i + 1]], i)
            if len(pt) - 1 != row_bytes or not pt or pt[0] != tag:
                if not pt or pt[0] != tag:
                    raise self._fail(i, None, TypeMismatchError(
                        f"the value was encrypted as {values.NAMES.get(pt[0], '?') if pt else '?'}"
                        f", not {t}"))
                if dim >= 0 or (len(pt) - 1) % width:
                    raise self._fail(i, None, TypeMismatchError(
                        "vector length differs from the column's first vector (ragged columns"
                        " are not supported by the fixed-size path)"))
                dim = (len(pt) - 1) // width
                row_bytes = dim * width
                out = np.zeros(n * dim, dtype=np.float32 if width == 4 else np.float64)
                dest = memoryview(out).cast("B")  # type: ignore[arg-type]
            start = i * row_bytes
            dest[start : start + row_bytes] = memoryview(pt)[1:]
        if out is None:
            dim = 0
            out = np.zeros(0, dtype=np.float32 if width == 4 else np.float64)
        if dim == 0:  # fixed-size lists of size 0 do not exist in Arrow: plain empty lists
            vt = pa.float32() if width == 4 else pa.float64()
            empty: list[list[float] | None] = [None if valid is not None and not valid[i] else [] for i in range(n)]
            return pa.array(empty, pa.list_(vt))
        flat = pa.array(out)  # zero-copy for a contiguous numeric array without nulls
        mask = None if valid is None else pa.array(~valid)
        return pa.FixedSizeListArray.from_arrays(flat, dim, mask=mask)


def _arrow_type(t: str) -> pa.DataType:
    return {
        "string": pa.string(), "binary": pa.binary(), "boolean": pa.bool_(),
        "tinyint": pa.int8(), "smallint": pa.int16(), "int": pa.int32(), "bigint": pa.int64(),
        "float": pa.float32(), "double": pa.float64(), "decimal": pa.decimal128(38, 18),
        "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"),
        "timestamp_ntz": pa.timestamp("us"),
    }[t]


def decrypt_json_fields(client: Pipeseal, value: bytes, topic: str, fields: Sequence[str],
                        *, key: bool = False) -> Any:
    """Decrypts the ``json-fields`` of a Kafka value; returns the parsed JSON document."""
    doc = json.loads(value)
    for ptr in fields:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent.get(p)
            if parent is None:
                break
        if parent is None:
            continue
        last = parts[-1]
        if isinstance(parent, list):
            idx = int(last)
            if idx >= len(parent):
                continue
            enc = parent[idx]
        else:
            if last not in parent:
                continue
            enc = parent[last]
        if not isinstance(enc, str):
            raise ValueDecryptionError(f"field {ptr} of topic {topic} is not an encrypted string",
                                       column=ptr, context=kafka_context(topic, key=key,
                                                                         pointer=ptr))
        env = base64.b64decode(enc, validate=True)
        plain = client.decrypt_bytes(env, kafka_context(topic, key=key, pointer=ptr))
        val = json.loads(plain)
        if isinstance(parent, list):
            parent[int(last)] = val
        else:
            parent[last] = val
    return doc


def new_key_id() -> bytes:
    return os.urandom(8)


__all__ = ["Pipeseal", "decrypt_json_fields", "kafka_context", "spark_context", "UnknownKeyError"]
