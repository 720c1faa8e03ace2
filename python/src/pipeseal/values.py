"""Typed-value encoding v1 of the Spark functions (``docs/spark.md``): ``tag || payload``."""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import struct
from typing import Any

import numpy as np

from .errors import TypeMismatchError

TAGS: dict[str, int] = {
    "string": 0x11,
    "binary": 0x12,
    "boolean": 0x13,
    "tinyint": 0x14,
    "smallint": 0x15,
    "int": 0x16,
    "bigint": 0x17,
    "float": 0x18,
    "double": 0x19,
    "decimal": 0x1A,
    "date": 0x1B,
    "timestamp": 0x1C,
    "timestamp_ntz": 0x1D,
    "array<float>": 0x1E,
    "array<double>": 0x1F,
}
NAMES: dict[int, str] = {v: k for k, v in TAGS.items()}
ALIASES = {
    "integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint",
    "bool": "boolean", "str": "string", "bytes": "binary", "float32": "float",
    "float64": "double", "array<float32>": "array<float>", "array<float64>": "array<double>",
}
_EPOCH = _dt.date(1970, 1, 1)
_EPOCH_TS = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def normalize_type(name: str) -> str:
    """``'DECIMAL(10,2)'`` -> ``'decimal'``, ``'array< float >'`` -> ``'array<float>'``."""
    n = name.strip().lower().replace(" ", "")
    if n.startswith("decimal"):
        return "decimal"
    n = ALIASES.get(n, n)
    if n not in TAGS:
        raise ValueError(f"unsupported value type '{name}'")
    return n


def type_of(plaintext: bytes) -> str:
    if not plaintext:
        raise TypeMismatchError("empty plaintext has no type tag")
    tag = plaintext[0]
    if tag not in NAMES:
        raise TypeMismatchError(f"unknown typed-value tag 0x{tag:02x} (not a Spark value?)")
    return NAMES[tag]


def check_tag(plaintext: bytes, type_name: str) -> None:
    want = TAGS[type_name]
    if not plaintext or plaintext[0] != want:
        got = NAMES.get(plaintext[0], f"tag 0x{plaintext[0]:02x}") if plaintext else "nothing"
        raise TypeMismatchError(f"the value was encrypted as {got}, not {type_name}")


_FIXED = {"tinyint": ">b", "smallint": ">h", "int": ">i", "bigint": ">q",
          "float": ">f", "double": ">d"}


def decode(plaintext: bytes, type_name: str | None = None) -> Any:
    """Decodes a typed plaintext into a Python value (numpy array for vectors)."""
    t = type_of(plaintext) if type_name is None else normalize_type(type_name)
    check_tag(plaintext, t)
    p = plaintext[1:]
    try:
        if t == "string":
            return p.decode("utf-8")
        if t == "binary":
            return bytes(p)
        if t == "boolean":
            return p == b"\x01"
        if t in _FIXED:
            return struct.unpack(_FIXED[t], p)[0]
        if t == "decimal":
            scale = struct.unpack(">b", p[:1])[0]
            unscaled = int.from_bytes(p[1:], "big", signed=True)
            return _decimal.Decimal(unscaled).scaleb(-scale)
        if t == "date":
            return _EPOCH + _dt.timedelta(days=struct.unpack(">i", p)[0])
        if t == "timestamp":
            return _EPOCH_TS + _dt.timedelta(microseconds=struct.unpack(">q", p)[0])
        if t == "timestamp_ntz":
            return _dt.datetime(1970, 1, 1) + _dt.timedelta(microseconds=struct.unpack(">q", p)[0])
        if t == "array<float>":
            return np.frombuffer(p, dtype="<f4")
        if t == "array<double>":
            return np.frombuffer(p, dtype="<f8")
    except (struct.error, UnicodeDecodeError, ValueError) as e:
        raise TypeMismatchError(f"malformed {t} payload ({type(e).__name__})") from None
    raise TypeMismatchError(f"unsupported type {t}")


def encode(value: Any, type_name: str) -> bytes:
    """Encodes a Python value as the Spark functions do."""
    t = normalize_type(type_name)
    tag = bytes([TAGS[t]])
    if t == "string":
        return tag + str(value).encode("utf-8")
    if t == "binary":
        return tag + bytes(value)
    if t == "boolean":
        return tag + (b"\x01" if value else b"\x00")
    if t in _FIXED:
        return tag + struct.pack(_FIXED[t], value)
    if t == "decimal":
        d = _decimal.Decimal(value)
        sign, digits, exp = d.as_tuple()
        assert isinstance(exp, int)
        unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        scale = -exp
        n = ((unscaled + (unscaled < 0)).bit_length() + 8) // 8
        return tag + struct.pack(">b", scale) + unscaled.to_bytes(n, "big", signed=True)
    if t == "date":
        return tag + struct.pack(">i", (value - _EPOCH).days)
    if t in ("timestamp", "timestamp_ntz"):
        base = _EPOCH_TS if t == "timestamp" else _dt.datetime(1970, 1, 1)
        if t == "timestamp" and value.tzinfo is None:
            raise ValueError("timestamp values must be timezone-aware")
        delta = value - base
        micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        return tag + struct.pack(">q", micros)
    if t == "array<float>":
        return tag + np.asarray(value, dtype="<f4").tobytes()
    if t == "array<double>":
        return tag + np.asarray(value, dtype="<f8").tobytes()
    raise ValueError(f"unsupported type {t}")
