"""A tiny Thrift compact-protocol reader, enough to read Parquet's crypto metadata (no crypto)."""

from __future__ import annotations

from typing import Any


class ThriftError(ValueError):
    pass


class _Reader:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.d = data
        self.p = pos

    def byte(self) -> int:
        if self.p >= len(self.d):
            raise ThriftError("truncated thrift")
        b = self.d[self.p]
        self.p += 1
        return b

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise ThriftError("varint too long")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def binary(self) -> bytes:
        n = self.varint()
        if self.p + n > len(self.d):
            raise ThriftError("truncated binary")
        out = self.d[self.p : self.p + n]
        self.p += n
        return out

    def value(self, t: int) -> Any:
        if t in (1, 2):
            return t == 1
        if t == 3:
            return self.byte()
        if t in (4, 5, 6):
            return self.zigzag()
        if t == 7:
            self.p += 8
            return None
        if t == 8:
            return self.binary()
        if t in (9, 10):
            h = self.byte()
            size, et = h >> 4, h & 0x0F
            if size == 15:
                size = self.varint()
            return [self.value(et) if et not in (1, 2) else self.byte() == 1 for _ in range(size)]
        if t == 11:
            size = self.varint()
            if size == 0:
                return {}
            kv = self.byte()
            return {self.value(kv >> 4): self.value(kv & 0x0F) for _ in range(size)}
        if t == 12:
            return self.struct()
        raise ThriftError(f"unknown thrift type {t}")

    def struct(self) -> dict[int, Any]:
        out: dict[int, Any] = {}
        last = 0
        while True:
            h = self.byte()
            if h == 0:
                return out
            delta, t = h >> 4, h & 0x0F
            fid = last + delta if delta else self.zigzag()
            last = fid
            out[fid] = self.value(t)


def read_struct(data: bytes, pos: int = 0) -> tuple[dict[int, Any], int]:
    r = _Reader(data, pos)
    s = r.struct()
    return s, r.p
