"""Regenerates envelope-v1.json. The file is pinned: never change an existing vector.

Run from python/: ``python3 tests/vectors/make_vectors.py`` (output must be identical).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))

from pipeseal import values  # noqa: E402
from pipeseal.envelope import (  # noqa: E402
    AES_SIV,
    INLINE_WRAPPED_KEY,
    REGISTRY_KEY_ID,
    XAES_256_GCM,
    XAES_256_GCM_SEGMENTED,
    DekCipher,
    build_header,
)

DEK = bytes(range(32))
REG = bytes(range(1, 9))
INLINE = bytes(range(0xA0, 0xA0 + 40))
JAVA_CONTEXT = b"db.table.column"
JAVA_PLAINTEXT = b"pipeseal golden v1"

# The vectors of crypto-core GoldenVectorsTest (Java wrote them; both sides read them here).
JAVA = {
    "java-xaes-registry": "010102080102030405060708101112131415161718191a1b1c1d1e1f2021222300000000f00703e46380e8ca1326344d64ebc9407175c2b391c3b828a8f958f2477c2924d56e",
    "java-xaes-inline": "01010128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7202122232425262728292a2b2c2d2e2f3031323300000000501c51f7eb6c151fcd85a48f80091a8a01ae59671795a84f417a34f02f7f6c28d584",
    "java-siv-registry": "0102020801020304050607089c7a92a155aa7b81ce3a8b56bde1186c25df2dc5c7ecc8875ba3ca93476a5211c69f",
    "java-siv-inline": "01020128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c751c03bf3d1f8a5e8c45ced59ba3208487f2aa9c8553e328dc00e28b8008583a4e0a0",
    "java-segmented-registry": "010302080102030405060708505152535455565758595a5b0e5d5e5f606162345b3bcd9435dc6a3bf99f4773e8b29936a2831dd47b8cc66486a0e947d6801328c9",
    "java-segmented-inline": "01030128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7606162636465666768696a6b0e6d6e6f7071725cf11ba59f03d58aaa7979adb3aaa1473db85a283f1f113f35ef051fac38b1b72f49",
}

TYPED = [
    ("string", "naïve café ✓"),
    ("string", ""),
    ("binary", b"\x00\x01\xfe\xff"),
    ("boolean", True),
    ("boolean", False),
    ("tinyint", -128),
    ("smallint", -12345),
    ("int", 2147483647),
    ("bigint", -9007199254740993),
    ("float", 1.5),
    ("double", -2.718281828459045),
    ("decimal", decimal.Decimal("-12345.67")),
    ("decimal", decimal.Decimal("0.000")),
    ("date", dt.date(2024, 2, 29)),
    ("date", dt.date(1969, 12, 31)),
    ("timestamp", dt.datetime(2026, 12, 1, 2, 0, 0, 123456, tzinfo=dt.timezone.utc)),
    ("timestamp_ntz", dt.datetime(1999, 12, 31, 23, 59, 59, 999999)),
    ("array<float>", [0.0, -1.0, 3.25, 1e-3]),
    ("array<float>", []),
    ("array<double>", [1.0, -0.5, 1e300]),
]


def value_json(t: str, v: object) -> object:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (decimal.Decimal, dt.date, dt.datetime)):
        return v.isoformat() if not isinstance(v, decimal.Decimal) else str(v)
    return v


def main() -> None:
    c = DekCipher(DEK)
    out: dict[str, object] = {
        "format": "pipeseal envelope v1 test vectors; shared by python/tests and"
                  " python-interop (Java). Never change an existing vector.",
        "dek": DEK.hex(),
        "vectors": [],
        "invalid": [],
    }
    vecs: list[dict[str, object]] = out["vectors"]  # type: ignore[assignment]
    for name, hexenv in JAVA.items():
        plain = JAVA_PLAINTEXT
        vecs.append({"name": name, "context": JAVA_CONTEXT.decode(), "plaintext": plain.hex(),
                     "envelope": hexenv})
    seed = 0
    for i, (t, v) in enumerate(TYPED):
        pt = values.encode(v, t)
        ctx = f"c_{t.replace('<', '_').replace('>', '')}".encode()
        for alg in (XAES_256_GCM, AES_SIV):
            kind, ref = (REGISTRY_KEY_ID, REG) if i % 2 == 0 else (INLINE_WRAPPED_KEY, INLINE)
            h = build_header(alg, kind, ref)
            if alg == XAES_256_GCM:
                nonce = bytes((seed + j) % 256 for j in range(24))
                seed += 24
                env = c.encrypt_with_nonce(pt, ctx, h, nonce)
            else:
                env = c.encrypt(pt, ctx, h)
            vecs.append({"name": f"typed-{t}-{i}-{'xaes' if alg == 1 else 'siv'}",
                         "context": ctx.decode(), "type": t, "value": value_json(t, v),
                         "plaintext": pt.hex(), "envelope": env.hex()})
    # Kafka contexts (untagged payloads), and a multi-segment value with 4 KiB segments.
    for ctx in ("orders", "orders#key", "orders/ssn", "orders#key/id"):
        pt = b'"123-45-6789"' if "/" in ctx else b'{"id":7}'
        h = build_header(AES_SIV if "#key" in ctx else XAES_256_GCM, REGISTRY_KEY_ID, REG)
        env = (c.encrypt(pt, ctx.encode(), h) if "#key" in ctx else
               c.encrypt_with_nonce(pt, ctx.encode(), h, bytes(range(100, 124))))
        vecs.append({"name": f"kafka-{ctx}", "context": ctx, "plaintext": pt.hex(),
                     "envelope": env.hex()})
    big = bytes((i * 13) % 251 for i in range(2 * 4096 + 5))
    h = build_header(XAES_256_GCM_SEGMENTED, REGISTRY_KEY_ID, REG)
    env = c.encrypt_with_nonce(big, b"seg.ctx", h, bytes(range(0x70, 0x7C)) + bytes([12])
                               + bytes(range(0x80, 0x86)))
    vecs.append({"name": "segmented-4k-3-segments", "context": "seg.ctx",
                 "plaintext": big.hex(), "envelope": env.hex()})

    base = bytes.fromhex(JAVA["java-xaes-registry"])
    flipped = bytearray(base)
    flipped[-1] ^= 1
    moved_ref = bytearray(base)
    moved_ref[4] ^= 1
    invalid = [
        ("tampered-tag", flipped.hex(), JAVA_CONTEXT.decode(), "AuthenticationFailedException"),
        ("wrong-context", base.hex(), "db.table.other", "AuthenticationFailedException"),
        ("swapped-key-reference", bytes(moved_ref).hex(), JAVA_CONTEXT.decode(),
         "AuthenticationFailedException"),
        ("truncated-nonce", base[:20].hex(), JAVA_CONTEXT.decode(), "TruncatedCiphertextException"),
        ("truncated-header", base[:6].hex(), JAVA_CONTEXT.decode(), "TruncatedCiphertextException"),
        # Envelope v2 exists since the v1-only vectors were made: a v1 value relabelled 0x02 now
        # parses and fails authentication (v2 binds another AAD); 0x03 is the unknown version.
        ("v1-relabelled-version-2", ("02" + base.hex()[2:]), JAVA_CONTEXT.decode(),
         "AuthenticationFailedException"),
        ("version-3", ("03" + base.hex()[2:]), JAVA_CONTEXT.decode(),
         "UnsupportedEnvelopeVersionException"),
        ("unknown-algorithm", ("0109" + base.hex()[4:]), JAVA_CONTEXT.decode(),
         "UnknownAlgorithmException"),
        ("unknown-kind", ("01017f" + base.hex()[6:]), JAVA_CONTEXT.decode(),
         "UnknownKeyReferenceKindException"),
        ("non-canonical-varint", "0101028800" + "00" * 60, JAVA_CONTEXT.decode(),
         "MalformedEnvelopeException"),
        ("siv-tampered", (bytes.fromhex(JAVA["java-siv-registry"])[:-1] + b"\x00").hex(),
         JAVA_CONTEXT.decode(), "AuthenticationFailedException"),
        ("segmented-bad-exponent",
         bytes.fromhex(JAVA["java-segmented-registry"])[:24].hex() + "0b"
         + JAVA["java-segmented-registry"][50:], JAVA_CONTEXT.decode(),
         "MalformedEnvelopeException"),
    ]
    out["invalid"] = [{"name": n, "envelope": e, "context": ctx, "error": err}
                      for n, e, ctx, err in invalid]
    path = os.path.join(os.path.dirname(__file__), "envelope-v1.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
