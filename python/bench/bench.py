"""Python reader benchmarks (``./bench/run python [--rows N] [--rounds N]``).

Prints, in the format of bench/run:
  BENCH python.embed768-decrypt-gbps value=<GB/s> unit=GB/s
  BENCH python.embed768-decrypt-vs-plain ratio=<ours/baseline> ours=<GB/s> baseline=<GB/s> unit=GB/s
  BENCH python.pme-read-vs-plain ratio=<ours/baseline> ours=<GB/s> baseline=<GB/s> unit=GB/s

embed768: N cells of 768 float32 (Pipeseal envelopes, XAES-256-GCM, registry reference) in a
Parquet file, read and decrypted into one (N, 768) float32 numpy array, against reading the same
vectors stored in plaintext (list<float>) into the same array. pme-read: the same table with the
embedding column and footer PME-encrypted (PyArrow + the Pipeseal KMS client, AES_GCM_V1) against
the plaintext file. Rounds alternate ours/baseline; the median of each is reported; GB/s counts
plaintext float bytes (N * 3072).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pyarrow.parquet.encryption as pe  # noqa: E402

import pipeseal  # noqa: E402
from pipeseal import values  # noqa: E402
from pipeseal.envelope import REGISTRY_KEY_ID, XAES_256_GCM, DekCipher, build_header  # noqa: E402
from pipeseal.keys import KeyRegistry, KeyRing  # noqa: E402

DIM = 768


def median_pair(rounds: int, ours, baseline) -> tuple[float, float]:
    a, b = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        baseline()
        b.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    n = args.rows
    work = tempfile.mkdtemp(prefix="pipeseal-pybench-")
    password = "bench-password"
    store = os.path.join(work, "keys.p12")
    subprocess.run(["keytool", "-genseckey", "-alias", "emb#1", "-keyalg", "AES", "-keysize",
                    "256", "-storetype", "PKCS12", "-keystore", store, "-storepass", password,
                    "-keypass", password], check=True, capture_output=True)
    kms = pipeseal.LocalKms(store, password)
    registry = KeyRegistry(os.path.join(work, "registry"))
    dek = os.urandom(32)
    key_id = os.urandom(8)
    registry.register(key_id, kms.wrap("emb", dek))

    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((n, DIM), dtype=np.float32)
    c = DekCipher(dek)
    h = build_header(XAES_256_GCM, REGISTRY_KEY_ID, key_id)
    tag = bytes([values.TAGS["array<float>"]])
    cells = pa.array([c.encrypt(tag + row.tobytes(), b"embedding", h) for row in matrix],
                     pa.binary())
    plain_list = pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel()), DIM).cast(
        pa.list_(pa.float32()))
    enc_path = os.path.join(work, "cells.parquet")
    plain_path = os.path.join(work, "plain.parquet")
    pme_path = os.path.join(work, "pme.parquet")
    ids = pa.array(np.arange(n, dtype=np.int64))
    pq.write_table(pa.table({"id": ids, "embedding": cells}), enc_path, compression="none")
    pq.write_table(pa.table({"id": ids, "embedding": plain_list}), plain_path,
                   compression="none")
    ring = KeyRing(kms)
    factory = pipeseal.parquet.crypto_factory(ring, wrapper=kms.wrap)
    conf = pipeseal.parquet.kms_connection_config()
    props = factory.file_encryption_properties(conf, pe.EncryptionConfiguration(
        footer_key="emb", column_keys={"emb": ["embedding.list.element"]},
        data_key_length_bits=256))
    pq.write_table(pa.table({"id": ids, "embedding": plain_list}), pme_path,
                   compression="none", encryption_properties=props)
    dprops = factory.file_decryption_properties(conf, pe.DecryptionConfiguration())
    client = pipeseal.Pipeseal(kms, registry)

    def ours_cells() -> np.ndarray:
        col = pq.read_table(enc_path, columns=["embedding"]).column("embedding")
        m = pipeseal.embeddings_to_numpy(
            client.decrypt_array(col, "embedding", "array<float>", column="embedding"))
        return m

    def plain_cells() -> np.ndarray:
        col = pq.read_table(plain_path, columns=["embedding"]).column("embedding")
        return pipeseal.embeddings_to_numpy(col)

    def ours_pme() -> np.ndarray:
        col = pq.read_table(pme_path, columns=["embedding"],
                            decryption_properties=dprops).column("embedding")
        return pipeseal.embeddings_to_numpy(col)

    assert np.array_equal(ours_cells(), matrix) and np.array_equal(plain_cells(), matrix)
    assert np.array_equal(ours_pme(), matrix)
    gb = n * DIM * 4 / 1e9
    t_ours, t_plain = median_pair(args.rounds, ours_cells, plain_cells)
    t_pme, t_plain2 = median_pair(args.rounds, ours_pme, plain_cells)
    print(f"BENCH-ENV python={platform.python_version()} pyarrow={pa.__version__}"
          f" numpy={np.__version__} cpus={os.cpu_count()} rows={n} rounds={args.rounds}")
    print(f"BENCH python.embed768-decrypt-gbps value={gb / t_ours:.3f} unit=GB/s")
    print(f"BENCH python.embed768-decrypt-vs-plain ratio={t_plain / t_ours:.3f}"
          f" ours={gb / t_ours:.3f} baseline={gb / t_plain:.3f} unit=GB/s")
    print(f"BENCH python.pme-read-vs-plain ratio={t_plain2 / t_pme:.3f}"
          f" ours={gb / t_pme:.3f} baseline={gb / t_plain2:.3f} unit=GB/s")
    import shutil

    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
