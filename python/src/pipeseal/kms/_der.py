"""A minimal DER reader for the PKCS#12 structures the JDK writes (no crypto here)."""

from __future__ import annotations

from dataclasses import dataclass


class DerError(ValueError):
    pass


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def children(self) -> list["Tlv"]:
        return parse_all(self.value)

    def oid(self) -> str:
        if self.tag != 0x06:
            raise DerError("not an OID")
        v = self.value
        first = v[0]
        parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
        n = 0
        for b in v[1:]:
            n = (n << 7) | (b & 0x7F)
            if not b & 0x80:
                parts.append(n)
                n = 0
        return ".".join(map(str, parts))

    def integer(self) -> int:
        if self.tag != 0x02:
            raise DerError("not an INTEGER")
        return int.from_bytes(self.value, "big", signed=True)


def parse_one(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    if pos + 2 > len(data):
        raise DerError("truncated DER")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        k = length & 0x7F
        if k == 0 or k > 4 or pos + k > len(data):
            raise DerError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + k], "big")
        pos += k
    if pos + length > len(data):
        raise DerError("truncated DER value")
    return Tlv(tag, data[pos : pos + length]), pos + length


def parse_all(data: bytes) -> list[Tlv]:
    out = []
    pos = 0
    while pos < len(data):
        t, pos = parse_one(data, pos)
        out.append(t)
    return out


def parse(data: bytes) -> Tlv:
    t, end = parse_one(data)
    if end != len(data):
        raise DerError("trailing bytes after DER value")
    return t
