"""Reading what the Java code wrote (python-interop WriteFixtures): Spark cells of every type,
PME lakes (external/internal key material, encrypted/plaintext footer, rotated keys, table
binding) and Kafka serializer outputs."""

from __future__ import annotations

import base64
import glob
import json
import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import pipeseal
from pipeseal import errors

TYPES = {
    "c_string": "string", "c_binary": "binary", "c_boolean": "boolean", "c_tinyint": "tinyint",
    "c_smallint": "smallint", "c_int": "int", "c_bigint": "bigint", "c_float": "float",
    "c_double": "double", "c_decimal": "decimal", "c_date": "date", "c_timestamp": "timestamp",
    "c_timestamp_ntz": "timestamp_ntz", "c_vec_f": "array<float>", "c_vec_d": "array<double>",
}


@pytest.fixture(scope="module")
def client(interop_dir: str, local_kms) -> pipeseal.Pipeseal:
    return pipeseal.Pipeseal(local_kms, os.path.join(interop_dir, "registry"))


def _sorted(t: pa.Table) -> pa.Table:
    return t.sort_by("id")


def _same(a: pa.Array | pa.ChunkedArray, b: pa.Array | pa.ChunkedArray) -> None:
    la, lb = a.to_pylist(), b.to_pylist()
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        if isinstance(x, list) and x and isinstance(x[0], float):
            assert np.allclose(np.array(x), np.array(y), equal_nan=True)
        else:
            assert x == y


def test_every_spark_type_decrypts(interop_dir: str, client: pipeseal.Pipeseal) -> None:
    plain = _sorted(pq.read_table(os.path.join(interop_dir, "types_plain")))
    enc = _sorted(pq.read_table(os.path.join(interop_dir, "types")))
    for col, t in TYPES.items():
        got = client.decrypt_array(enc.column(col), pipeseal.spark_context(col), t, column=col)
        want = plain.column(col)
        if t == "decimal":
            got = got.cast(want.type)
        if t.startswith("array"):
            assert pa.types.is_fixed_size_list(got.type)
        _same(got, want)
    assert enc.column("c_string").null_count == plain.column("c_string").null_count == 1


def test_deterministic_and_explicit_context(interop_dir: str, client: pipeseal.Pipeseal) -> None:
    plain = _sorted(pq.read_table(os.path.join(interop_dir, "types_plain")))
    enc = _sorted(pq.read_table(os.path.join(interop_dir, "types")))
    # the context is the argument column (c_string), not the alias
    _same(client.decrypt_array(enc.column("det_string"), "c_string", "string"),
          plain.column("c_string"))
    _same(client.decrypt_array(enc.column("ctx_int"), "sales.types.c_int", "int"),
          plain.column("c_int"))
    with pytest.raises(errors.ValueDecryptionError, match="ctx_int.*AuthenticationFailed"):
        client.decrypt_array(enc.column("ctx_int"), "ctx_int", "int", column="ctx_int")
    # a value moved to another column fails: c_int's cells under c_bigint's context
    with pytest.raises(errors.ValueDecryptionError) as e:
        client.decrypt_array(enc.column("c_int"), "c_bigint", "int", column="c_bigint")
    assert isinstance(e.value.__cause__, errors.AuthenticationFailedError)
    # the wrong type fails like pipeseal_decrypt
    with pytest.raises(errors.ValueDecryptionError, match="encrypted as int, not string"):
        client.decrypt_array(enc.column("c_int"), "c_int", "string", column="c_int")


def test_inline_keys_need_no_registry(interop_dir: str, local_kms) -> None:
    plain = _sorted(pq.read_table(os.path.join(interop_dir, "types_plain")))
    enc = _sorted(pq.read_table(os.path.join(interop_dir, "types_inline")))
    no_registry = pipeseal.Pipeseal(local_kms)
    _same(no_registry.decrypt_array(enc.column("c_string"), "c_string", "string"),
          plain.column("c_string"))
    vec = no_registry.decrypt_array(enc.column("c_vec_f"), "c_vec_f", "array<float>")
    m = pipeseal.embeddings_to_numpy(vec)
    assert m.dtype == np.float32 and m.shape == (40, 8)
    # registry values without a registry: typed error naming the key id
    reg = _sorted(pq.read_table(os.path.join(interop_dir, "types")))
    with pytest.raises(errors.ValueDecryptionError, match="no key registry"):
        no_registry.decrypt_array(reg.column("c_string"), "c_string", "string")


def _expected_lake(interop_dir: str) -> pa.Table:
    return _sorted(pq.read_table(os.path.join(interop_dir, "lake_plain")))


# emb_cell = pipeseal_encrypt(embedding, ...) AS emb_cell: its context is "embedding"
CELLS = {"ssn": "string", "email": "string", "emb_cell": ("array<float>", "embedding")}


@pytest.mark.parametrize("lake,table", [("lake_ext", "interop.lake"), ("lake_int", "auto"),
                                        ("lake_pf", "interop.pf")])
def test_pme_lakes_with_cells(interop_dir: str, local_kms, lake: str, table: str) -> None:
    client = pipeseal.Pipeseal(local_kms, os.path.join(interop_dir, "registry"))
    root = os.path.join(interop_dir, lake)
    t = _sorted(pipeseal.read_dataset(root, client, cells=CELLS, embeddings=["embedding"],
                                      table=table))
    want = _expected_lake(interop_dir)
    if lake != "lake_ext":
        want = want.filter(pc.less(want.column("id"), 200))
    assert t.num_rows == want.num_rows
    for c in ("name", "note", "ssn", "email"):
        _same(t.column(c), want.column(c))
    emb = pipeseal.embeddings_to_numpy(t.column("embedding"))
    cell = pipeseal.embeddings_to_numpy(t.column("emb_cell"))
    ref = np.array(want.column("embedding").to_pylist(), dtype=np.float32)
    assert emb.shape == (want.num_rows, 768) and emb.dtype == np.float32
    assert np.array_equal(emb, ref) and np.array_equal(cell, ref)
    # O(1) KMS calls per master key version: a few KEKs, not one per file, column or row
    assert client.kms_calls <= 8, client.kms_calls


def test_external_key_material_after_rotation(interop_dir: str) -> None:
    root = os.path.join(interop_dir, "lake_ext")
    files = glob.glob(os.path.join(root, "day=*", "*.parquet"))
    materials = glob.glob(os.path.join(root, "day=*", "_KEY_MATERIAL_FOR_*.json"))
    assert files and len(materials) == len(files)
    versions = set()
    for m in materials:
        with open(m, encoding="utf-8") as f:
            doc = json.load(f)
        for entry in doc.values():
            km = json.loads(entry)
            wrapped = km.get("wrappedKEK") or km.get("wrappedDEK")
            rec, _ = pipeseal.parquet.parse_wrapped_key_string(wrapped, km["masterKeyID"])
            versions.add((rec.master_key, rec.master_key_version))
    # the rotate job rewrapped every file's key material to version 2
    assert versions == {("pii", "2"), ("emb", "2")}


def test_table_binding_is_checked(interop_dir: str, client: pipeseal.Pipeseal, tmp_path) -> None:
    root = os.path.join(interop_dir, "lake_ext")
    f = sorted(glob.glob(os.path.join(root, "day=*", "*.parquet")))[0]
    assert pipeseal.parquet.table_of(f) == "interop.lake"
    with pytest.raises(errors.TableBindingError, match="belongs to table 'interop.lake'"):
        pipeseal.read_dataset(root, client, table="other.table")
    with pytest.raises(errors.TableBindingError):
        pipeseal.read_dataset(root, client)  # auto: the path, not 'interop.lake'
    meta = pipeseal.parquet.read_crypto_metadata(
        glob.glob(os.path.join(interop_dir, "lake_pf", "*.parquet"))[0])
    assert meta["encrypted_footer"] is False and meta["algorithm"] == "AES_GCM_CTR_V1"


def test_without_keys_nothing_is_returned(interop_dir: str, password: str, tmp_path) -> None:
    root = os.path.join(interop_dir, "lake_int")
    # a key store that lacks the lake's master keys (same password, other keys)
    import subprocess

    other = tmp_path / "other.p12"
    subprocess.run(["keytool", "-genseckey", "-alias", "pii#1", "-keyalg", "AES", "-keysize",
                    "256", "-storetype", "PKCS12", "-keystore", str(other), "-storepass",
                    password, "-keypass", password], check=True, capture_output=True)
    wrong = pipeseal.Pipeseal(pipeseal.LocalKms(str(other), password),
                              os.path.join(interop_dir, "registry"))
    with pytest.raises(Exception) as e:
        pipeseal.read_dataset(root, wrong, cells=CELLS)
    text = str(e.value)
    assert "pii" in text or "emb" in text
    assert password not in text


def test_tampered_cell_in_a_file(interop_dir: str, client: pipeseal.Pipeseal) -> None:
    t = pq.read_table(os.path.join(interop_dir, "types"))
    cells = t.column("c_string").to_pylist()
    row = next(i for i, v in enumerate(cells) if v)
    bad = bytearray(cells[row])
    bad[-5] ^= 0x20
    cells[row] = bytes(bad)
    with pytest.raises(errors.ValueDecryptionError) as e:
        client.decrypt_array(pa.array(cells, pa.binary()), "c_string", "string",
                             column="c_string")
    assert e.value.row == row and e.value.column == "c_string"
    assert "registry:" in str(e.value)


def test_kafka_serializer_outputs(interop_dir: str, local_kms) -> None:
    with open(os.path.join(interop_dir, "kafka.json"), encoding="utf-8") as f:
        records = json.load(f)
    client = pipeseal.Pipeseal(local_kms)  # Kafka values carry inline wrapped keys
    assert {r["mode"] for r in records} == {"whole", "json-fields"}
    for r in records:
        value = base64.b64decode(r["value"])
        ctx = r["context"]
        if r["mode"] == "whole":
            assert client.decrypt_bytes(value, pipeseal.kafka_context(ctx)) == \
                r["plaintext"].encode()
            with pytest.raises(errors.AuthenticationFailedError):
                client.decrypt_bytes(value, pipeseal.kafka_context(ctx, key=True))
        else:
            doc = pipeseal.decrypt_json_fields(client, value, ctx, ["/ssn", "/address/street"])
            assert doc == json.loads(r["plaintext"])
            raw = json.loads(value)
            assert raw["id"] == doc["id"] and raw["ssn"] != doc["ssn"]
            with pytest.raises(errors.AuthenticationFailedError):
                client.decrypt_bytes(base64.b64decode(raw["ssn"]), ctx + "/address/street")
    assert client.kms_calls <= 4


def test_cli_inspect_and_decrypt(interop_dir: str, capsys) -> None:
    from pipeseal.cli import main

    t = pq.read_table(os.path.join(interop_dir, "types_inline"))
    env = next(v for v in t.column("c_string").to_pylist() if v)
    assert main(["inspect", env.hex()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["algorithm"] == "XAES-256-GCM" and out["key_reference"].startswith("inline:local:")
    pw = "file:" + os.path.join(interop_dir, "keystore.password")
    kms = "local://" + os.path.join(interop_dir, "keys.p12")
    assert main(["decrypt", base64.b64encode(env).decode(), "--kms", kms, "--password", pw,
                 "--context", "c_string"]) == 0
    assert json.loads(capsys.readouterr().out).startswith("s-")
    assert main(["decrypt", env.hex(), "--kms", kms, "--password", pw, "--context",
                 "elsewhere"]) == 2
    err = capsys.readouterr().err
    assert "AuthenticationFailedError" in err and "s-" not in err
    assert main(["inspect", os.path.join(interop_dir, "lake_ext")]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines and all(x["table"] == "interop.lake" and x["external_key_material"]
                         for x in lines)
    shutil.rmtree(os.path.join(interop_dir, "cli-out"), ignore_errors=True)


def test_streaming_numpy_batches(interop_dir: str, client: pipeseal.Pipeseal) -> None:
    root = os.path.join(interop_dir, "lake_ext")
    seen = []
    ids = []
    for batch in pipeseal.numpy_batches(root, client, table="interop.lake", batch_size=64,
                                        columns=["id", "embedding", "emb_cell", "day"],
                                        cells={"emb_cell": ("array<float>", "embedding")},
                                        embeddings=["embedding"]):
        assert batch["embedding"].dtype == np.float32 and batch["embedding"].shape[1] == 768
        assert len(batch["id"]) <= 64
        assert np.array_equal(batch["embedding"], batch["emb_cell"])
        assert not batch["embedding"].flags.owndata  # a view on Arrow memory, not a copy
        seen.append(batch["embedding"])
        ids.append(batch["id"])
    want = _expected_lake(interop_dir)
    order = np.argsort(np.concatenate(ids))
    got = np.concatenate(seen)[order]
    assert np.array_equal(got, np.array(want.column("embedding").to_pylist(), np.float32))


def test_torch_dataset(interop_dir: str, client: pipeseal.Pipeseal) -> None:
    torch = pytest.importorskip("torch")
    ds = pipeseal.torch_dataset(os.path.join(interop_dir, "lake_ext"), client,
                                table="interop.lake", batch_size=50,
                                columns=["id", "embedding"], embeddings=["embedding"])
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=0)
    rows = 0
    for batch in loader:
        assert batch["embedding"].dtype == torch.float32 and batch["embedding"].shape[1] == 768
        rows += batch["embedding"].shape[0]
    assert rows == 300


def test_pandas(interop_dir: str, client: pipeseal.Pipeseal) -> None:
    pd = pytest.importorskip("pandas")
    df = pipeseal.read_dataset(os.path.join(interop_dir, "lake_int"), client,
                               columns=["id", "name", "ssn"], cells={"ssn": "string"}).to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 200
    assert df.sort_values("id")["ssn"].iloc[7] == "007-07-0007"
