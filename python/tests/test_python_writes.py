"""Python writes cells and a PME file with the same keys; the Java test PythonWrittenTest
(python-interop, surefire, after this run) reads them through pipeseal_decrypt and
PipesealCryptoFactory."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

import pipeseal
from pipeseal import values
from pipeseal.envelope import (
    AES_SIV,
    INLINE_WRAPPED_KEY,
    REGISTRY_KEY_ID,
    XAES_256_GCM,
    DekCipher,
    build_header,
)
from pipeseal.keys import KeyRegistry, KeyRing


def test_python_writes_cells_and_pme(interop_dir: str, local_kms) -> None:
    out = os.path.join(interop_dir, "from-python")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "cells"))
    os.makedirs(os.path.join(out, "pme"))
    registry = KeyRegistry(os.path.join(interop_dir, "registry"))

    dek = os.urandom(32)
    wrapped = local_kms.wrap("pii", dek)
    key_id = os.urandom(8)
    registry.register(key_id, wrapped)
    inline_dek = os.urandom(32)
    inline = local_kms.wrap("emb", inline_dek)
    c = DekCipher(dek)
    ci = DekCipher(inline_dek)
    n = 25
    strings = [f"py-{i}-ü" if i != 4 else "" for i in range(n)]
    ints = [i * 1001 - 5 for i in range(n)]
    vecs = [np.linspace(i, i + 1, 16, dtype=np.float32) for i in range(n)]
    h_xaes = build_header(XAES_256_GCM, REGISTRY_KEY_ID, key_id)
    h_siv = build_header(AES_SIV, REGISTRY_KEY_ID, key_id)
    h_inline = build_header(XAES_256_GCM, INLINE_WRAPPED_KEY, inline.to_binary())
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "c_string": pa.array([c.encrypt(values.encode(s, "string"), b"c_string", h_xaes)
                              for s in strings], pa.binary()),
        "c_int": pa.array([c.encrypt(values.encode(v, "int"), b"c_int", h_xaes) for v in ints],
                          pa.binary()),
        "det": pa.array([c.encrypt(values.encode(s, "string"), b"det", h_siv) for s in strings],
                        pa.binary()),
        "c_vec_f": pa.array([ci.encrypt(values.encode(v, "array<float>"), b"c_vec_f", h_inline)
                             for v in vecs], pa.binary()),
    })
    pq.write_table(table, os.path.join(out, "cells", "part-0.parquet"))
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"strings": strings, "ints": ints,
                   "vectors": [v.tolist() for v in vecs]}, f)

    # Python can read back its own cells through the registry and inline keys
    client = pipeseal.Pipeseal(local_kms, registry)
    got = pipeseal.read_dataset(os.path.join(out, "cells"), client, table=None,
                                cells={"c_string": "string", "c_int": "auto", "det": "string",
                                       "c_vec_f": "array<float>"}).sort_by("id")
    assert got.column("c_string").to_pylist() == strings
    assert got.column("c_int").to_pylist() == ints
    assert got.column("det").to_pylist() == strings
    assert np.array_equal(pipeseal.embeddings_to_numpy(got.column("c_vec_f")), np.stack(vecs))

    # PME written by PyArrow with the Pipeseal KMS client (keys wrapped by the local store)
    ring = KeyRing(local_kms)
    factory = pipeseal.parquet.crypto_factory(ring, wrapper=local_kms.wrap)
    pme_table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "name": pa.array([f"name-{i}" for i in range(n)]),
        "embedding": pa.array([v.tolist() for v in vecs], pa.list_(pa.float32())),
    })
    enc_conf = pe.EncryptionConfiguration(
        footer_key="pii", column_keys={"pii": ["name"], "emb": ["embedding.list.element"]},
        double_wrapping=True, data_key_length_bits=256, internal_key_material=True)
    props = factory.file_encryption_properties(pipeseal.parquet.kms_connection_config(),
                                               enc_conf)
    path = os.path.join(out, "pme", "part-0.parquet")
    pq.write_table(pme_table, path, encryption_properties=props)
    back = pipeseal.read_dataset(os.path.join(out, "pme"), pipeseal.Pipeseal(local_kms),
                                 table=None, embeddings=["embedding"]).sort_by("id")
    assert back.column("name").to_pylist() == pme_table.column("name").to_pylist()
    assert np.array_equal(pipeseal.embeddings_to_numpy(back.column("embedding")),
                          np.stack(vecs))
    # PyArrow cannot set an AAD prefix through CryptoFactory: no table binding in these files
    assert pipeseal.parquet.table_of(path) is None
