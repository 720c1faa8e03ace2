"""``python -m pipeseal inspect|decrypt``: one envelope (hex/base64) or one Parquet file.

Keys: ``--kms local:///path/keys.p12 --password file:/path`` (or ``env:NAME``), or
``--kms kms://http@host:9600/kms``; ``--registry DIR`` for registry-referenced values.
Decrypted output goes to stdout only when asked (``decrypt``); errors never print key material
or plaintext.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import sys
from typing import Any, Sequence

from .envelope import parse_header
from .errors import PipesealError


def _envelope_bytes(text: str) -> bytes:
    t = text.strip()
    if t.startswith("@"):
        with open(t[1:], "rb") as f:
            return f.read()
    try:
        return bytes.fromhex(t)
    except ValueError:
        pass
    try:
        return base64.b64decode(t + "=" * (-len(t) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SystemExit("pipeseal: the envelope is neither hex nor base64 (or @file)") from None


def _client(args: argparse.Namespace) -> Any:
    from .kms import open_kms
    from .reader import Pipeseal

    if not args.kms:
        raise SystemExit("pipeseal: --kms is required to decrypt")
    providers = [open_kms(u, args.password, **({"user": args.user} if args.user and
                                                u.startswith("kms://") else {}))
                 for u in args.kms]
    return Pipeseal(providers, args.registry)


def _inspect(args: argparse.Namespace) -> int:
    target = args.target
    if os.path.isfile(target) and target.endswith(".parquet") or os.path.isdir(target):
        from . import parquet as pq

        files = [target] if os.path.isfile(target) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(target) for f in fs
            if f.endswith(".parquet") and not f.startswith((".", "_")))
        for f in files:
            meta = pq.read_crypto_metadata(f)
            prefix = meta.get("aad_prefix")
            print(json.dumps({"file": f, "encrypted_footer": meta["encrypted_footer"],
                              "algorithm": meta["algorithm"],
                              "table": pq.table_of(f) if prefix else None,
                              "external_key_material": os.path.exists(os.path.join(
                                  os.path.dirname(f),
                                  f"_KEY_MATERIAL_FOR_{os.path.basename(f)}.json"))}))
        return 0
    env = _envelope_bytes(target)
    h = parse_header(env)
    body = len(env) - h.length
    print(json.dumps({"version": 1, "algorithm": h.algorithm_name,
                      "key_reference": h.describe_reference(), "header_bytes": h.length,
                      "body_bytes": body}))
    return 0


def _decrypt(args: argparse.Namespace) -> int:
    client = _client(args)
    target = args.target
    if os.path.exists(target) and (target.endswith(".parquet") or os.path.isdir(target)):
        from .dataset import read_dataset

        cells = {}
        for spec in args.cell or []:
            name, _, typ = spec.partition(":")
            cells[name] = typ or "auto"
        t = read_dataset(target, client, cells=cells,
                         table=None if args.no_table_check else (args.table or "auto"),
                         columns=args.columns.split(",") if args.columns else None)
        if args.output:
            import pyarrow.parquet as pq

            pq.write_table(t, args.output)
            print(f"wrote {t.num_rows} rows to {args.output}", file=sys.stderr)
        else:
            for row in t.slice(0, args.limit).to_pylist():
                print(json.dumps(row, default=_json_default))
        return 0
    if args.context is None:
        raise SystemExit("pipeseal: --context is required for an envelope (column name, topic,"
                         " topic#key or topic/<json-pointer>)")
    env = _envelope_bytes(target)
    if args.type == "raw":
        sys.stdout.buffer.write(client.decrypt_bytes(env, args.context))
        return 0
    value = client.decrypt(env, args.context, None if args.type == "auto" else args.type)
    print(json.dumps(value, default=_json_default))
    return 0


def _json_default(v: Any) -> Any:
    import numpy as np

    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    return str(v)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeseal", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("inspect", "decrypt"):
        s = sub.add_parser(name)
        s.add_argument("target", help="hex or base64 envelope, @file, a .parquet file or a lake")
        if name == "decrypt":
            s.add_argument("--kms", action="append", help="provider URI (repeatable)")
            s.add_argument("--password", help="local key store password: file:/path or env:NAME")
            s.add_argument("--user", help="Hadoop KMS user (simple authentication)")
            s.add_argument("--registry", help="key registry directory")
            s.add_argument("--context", help="AAD context of an envelope")
            s.add_argument("--type", default="auto",
                           help="value type (string, int, array<float>, ...), auto, or raw")
            s.add_argument("--cell", action="append",
                           help="a cell column of a lake: name[:type] (repeatable)")
            s.add_argument("--columns", help="comma-separated columns to read")
            s.add_argument("--table", help="table id the files must be bound to (default auto)")
            s.add_argument("--no-table-check", action="store_true")
            s.add_argument("--limit", type=int, default=20, help="rows to print")
            s.add_argument("--output", help="write the decrypted table to this Parquet file")
    args = p.parse_args(argv)
    try:
        return _inspect(args) if args.command == "inspect" else _decrypt(args)
    except PipesealError as e:
        print(f"pipeseal: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"pipeseal: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
