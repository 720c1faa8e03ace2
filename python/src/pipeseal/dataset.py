"""Reading an encrypted lake for training: PME columns and Pipeseal cells decrypted in one pass."""

from __future__ import annotations

import warnings
from typing import Any, Iterator, Mapping, Sequence, Tuple, Union

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet.encryption as pe

from . import parquet as _pq
from . import values
from .errors import PipesealError, ValueDecryptionError
from .keys import KeyRegistry, Kms
from .reader import Pipeseal, spark_context

CellSpec = Union[str, None, Tuple[Union[str, None], str]]
"""A cell column's type (``'string'``, ``'array<float>'``, ``'auto'``, ``None`` = raw bytes),
optionally with an explicit context: ``('int', 'sales.users.age')``."""


def _client(kms: Any, registry: Any, filesystem: Any) -> Pipeseal:
    if isinstance(kms, Pipeseal):
        return kms
    if kms is None:
        raise ValueError("read_dataset needs kms= (a provider, a list of them, or a Pipeseal)")
    return Pipeseal(kms, registry, filesystem)


def _fs_and_path(path: str, filesystem: Any) -> tuple[Any, str]:
    if filesystem is not None:
        return filesystem, path
    if "://" in path:
        return pafs.FileSystem.from_uri(path)
    return pafs.LocalFileSystem(), path


class Lake:
    """The Parquet files of a lake (Hive-partitioned or not) and how to decrypt each one.

    PME decryption properties are made per file (``CryptoFactory.file_decryption_properties`` with
    the file's path), which external key material (``_KEY_MATERIAL_FOR_<file>.json``) needs:
    ``pyarrow.dataset`` does not pass the path, so files are opened one by one here. KEKs and DEKs
    stay cached in the client's key ring and in arrow's KEK cache, so the KMS sees O(1) calls.
    """

    def __init__(self, path: str, client: Pipeseal, filesystem: Any = None,
                 table: str | None = "auto") -> None:
        self.fs, self.root = _fs_and_path(path, filesystem)
        self.root = self.root.rstrip("/") or "/"
        self.client = client
        self.factory = _pq.crypto_factory(client.keyring)
        self.kms_config = _pq.kms_connection_config()
        self.decryption_config = pe.DecryptionConfiguration(cache_lifetime=600)
        info = self.fs.get_file_info(self.root)
        if info.type == pafs.FileType.File:
            self.files = [self.root]
            self.base = self.root.rsplit("/", 1)[0]
        else:
            self.base = self.root
            sel = pafs.FileSelector(self.root, recursive=True)
            self.files = sorted(
                i.path for i in self.fs.get_file_info(sel)
                if i.type == pafs.FileType.File and _visible(i.path[len(self.root):]))
        if table is not None:
            expected = _pq.auto_table_id(self.base) if table == "auto" else table
            for f in self.files:
                _pq.verify_table(f, expected, self.fs)

    def partitions(self, path: str) -> dict[str, str]:
        rel = path[len(self.base):].strip("/").split("/")[:-1]
        return dict(p.split("=", 1) for p in rel if "=" in p)

    def parquet_file(self, path: str) -> Any:
        import pyarrow.parquet as pq

        props = self.factory.file_decryption_properties(
            self.kms_config, self.decryption_config, path, self.fs)
        return pq.ParquetFile(self.fs.open_input_file(path), decryption_properties=props)

    def _with_partitions(self, t: pa.Table, path: str, columns: Sequence[str] | None
                         ) -> pa.Table:
        for k, v in self.partitions(path).items():
            if columns is not None and k not in columns:
                continue
            val: Any = int(v) if v.lstrip("-").isdigit() else v
            t = t.append_column(k, pa.array([val] * t.num_rows))
        return t

    def read_file(self, path: str, columns: Sequence[str] | None = None) -> pa.Table:
        pf = self.parquet_file(path)
        names = set(pf.schema_arrow.names)
        cols = None if columns is None else [c for c in columns if c in names]
        return self._with_partitions(pf.read(columns=cols), path, columns)

    def batches(self, path: str, columns: Sequence[str] | None = None,
                batch_size: int = 4096) -> Iterator[pa.Table]:
        pf = self.parquet_file(path)
        names = set(pf.schema_arrow.names)
        cols = None if columns is None else [c for c in columns if c in names]
        for b in pf.iter_batches(batch_size=batch_size, columns=cols):
            yield self._with_partitions(pa.Table.from_batches([b]), path, columns)

    def read(self, columns: Sequence[str] | None = None) -> pa.Table:
        tables = [self.read_file(f, columns) for f in self.files]
        if not tables:
            return pa.table({})
        return pa.concat_tables(tables, promote_options="default")


def _visible(rel: str) -> bool:
    parts = [p for p in rel.split("/") if p]
    return bool(parts) and not any(p.startswith(("_", ".")) for p in parts) and \
        not parts[-1].endswith((".crc", ".json"))


def open_dataset(path: str, client: Pipeseal, filesystem: Any = None,
                 table: str | None = "auto") -> Lake:
    """The files of a PME lake, decrypting with ``client``'s keys.

    ``table``: the table id every encrypted file's AAD prefix must name (``'auto'``: the path
    without Hive partition directories, as ``PipesealCryptoFactory`` binds it; ``None``: no check).
    """
    return Lake(path, client, filesystem, table)


def decrypt_cells(batch: pa.RecordBatch | pa.Table, client: Pipeseal,
                  cells: Mapping[str, CellSpec]) -> pa.Table:
    """Replaces each cell column of ``batch`` by its decrypted values."""
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    for name, spec in cells.items():
        if name not in table.column_names:
            continue
        type_name, context = (spec if isinstance(spec, tuple) else (spec, spark_context(name)))
        col = table.column(name)
        if type_name == "auto":
            type_name = _detect_type(client, col, context, name)
        chunks = [client.decrypt_array(c, context, type_name, column=name,
                                       typed=type_name is not None)
                  for c in col.chunks]
        if not chunks:
            continue
        arr = pa.chunked_array(chunks) if len(chunks) > 1 else chunks[0]
        idx = table.column_names.index(name)
        table = table.set_column(idx, pa.field(name, arr.type), arr)
    return table


def _detect_type(client: Pipeseal, col: pa.ChunkedArray, context: str, name: str) -> str | None:
    for chunk in col.chunks:
        for v in chunk:
            if v.is_valid:
                try:
                    pt = client.decrypt_bytes(v.as_py(), context)
                except PipesealError as e:
                    raise ValueDecryptionError(f"decrypt failed for column '{name}' (context"
                                               f" '{context}'): {type(e).__name__}: {e}",
                                               column=name, context=context) from e
                return values.type_of(pt)
    return "binary"


def to_fixed_size(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``list<float>`` with equal lengths -> ``fixed_size_list`` without copying the values."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_fixed_size_list(arr.type):
        return arr
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        raise TypeError(f"not a list column: {arr.type}")
    if arr.null_count:
        raise ValueError("a fixed-size embedding column cannot hold nulls")
    offsets = np.asarray(arr.offsets)
    lengths = np.diff(offsets)
    if len(lengths) and not (lengths == lengths[0]).all():
        raise ValueError("embeddings have different lengths")
    dim = int(lengths[0]) if len(lengths) else 0
    flat = arr.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0])) if len(offsets) else \
        arr.values
    return pa.FixedSizeListArray.from_arrays(flat, dim)


def embeddings_to_numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A ``(rows, dim)`` numpy view of a fixed-size (or equal-length list) float column."""
    fixed = to_fixed_size(arr)
    dim = fixed.type.list_size
    flat = fixed.values.slice(fixed.offset * dim, len(fixed) * dim)
    return flat.to_numpy(zero_copy_only=True).reshape(len(fixed), dim)


def _finish(table: pa.Table, client: Pipeseal, cells: Mapping[str, CellSpec],
            embeddings: Sequence[str]) -> pa.Table:
    table = decrypt_cells(table, client, cells)
    for name in embeddings:
        if name in table.column_names:
            idx = table.column_names.index(name)
            arr = to_fixed_size(table.column(name))
            table = table.set_column(idx, pa.field(name, arr.type), arr)
    return table


def read_dataset(path: str, kms: Any = None, *, registry: str | KeyRegistry | None = None,
                 columns: Sequence[str] | None = None,
                 cells: Mapping[str, CellSpec] | None = None,
                 embeddings: Sequence[str] = (), table: str | None = "auto",
                 filesystem: Any = None, filter: Any = None) -> pa.Table:
    """Reads a lake (a directory of PME Parquet files, Hive-partitioned or not) as one table.

    - ``kms``: a provider (``LocalKms``, ``HadoopKms``), a list of them, or a :class:`Pipeseal`.
    - ``registry``: key registry root for registry-referenced cells (the Spark default).
    - ``cells``: Pipeseal cell columns and their types, e.g. ``{'ssn': 'string',
      'emb_cell': 'array<float>'}``; ``'auto'`` takes the type from the first value's tag.
    - ``embeddings``: PME list columns to return as ``fixed_size_list`` (zero-copy to numpy).
    - ``table``: table binding check (see :func:`open_dataset`).
    """
    client = _client(kms, registry, filesystem)
    lake = open_dataset(path, client, filesystem, table)
    t = lake.read(list(columns) if columns else None)
    if filter is not None:
        t = t.filter(filter)
    return _finish(t, client, cells or {}, embeddings)


def iter_batches(path: str, kms: Any = None, *, registry: str | KeyRegistry | None = None,
                 columns: Sequence[str] | None = None,
                 cells: Mapping[str, CellSpec] | None = None, embeddings: Sequence[str] = (),
                 table: str | None = "auto", filesystem: Any = None, batch_size: int = 4096,
                 files: Sequence[str] | None = None) -> Iterator[pa.Table]:
    """Streams decrypted tables of at most ``batch_size`` rows (constant memory)."""
    client = _client(kms, registry, filesystem)
    lake = open_dataset(path, client, filesystem, table)
    chosen = lake.files if files is None else [f for f in lake.files if f in set(files)]
    for f in chosen:
        for t in lake.batches(f, list(columns) if columns else None, batch_size):
            yield _finish(t, client, cells or {}, embeddings)


def numpy_batches(path: str, kms: Any = None, **kwargs: Any) -> Iterator[dict[str, np.ndarray]]:
    """Like :func:`iter_batches`, as ``{column: numpy array}``; embeddings are ``(n, dim)``."""
    for t in iter_batches(path, kms, **kwargs):
        out: dict[str, np.ndarray] = {}
        for name in t.column_names:
            col = t.column(name)
            if pa.types.is_fixed_size_list(col.type):
                out[name] = embeddings_to_numpy(col)
            else:
                out[name] = col.to_numpy(zero_copy_only=False)
        yield out


def torch_dataset(path: str, kms: Any = None, **kwargs: Any) -> Any:
    """A ``torch.utils.data.IterableDataset`` of decrypted batches (dicts of tensors).

    Files are split across DataLoader workers; embeddings come as ``(n, dim)`` float tensors made
    with ``torch.from_numpy`` (no copy: read-only views on Arrow memory; ``.clone()`` before
    writing to them). Needs ``torch`` (imported lazily).
    """
    import torch  # noqa: PLC0415 - optional dependency
    from torch.utils.data import IterableDataset, get_worker_info

    client = _client(kms, kwargs.pop("registry", None), kwargs.get("filesystem"))
    files = sorted(open_dataset(path, client, kwargs.get("filesystem"),
                                kwargs.get("table", "auto")).files)

    class _Lake(IterableDataset):  # type: ignore[misc]
        def __iter__(self) -> Iterator[dict[str, Any]]:
            info = get_worker_info()
            mine = files if info is None else files[info.id :: info.num_workers]
            for batch in numpy_batches(path, client, files=mine, **kwargs):
                with warnings.catch_warnings():
                    # zero-copy views on Arrow memory are read-only: treat the tensors as such
                    warnings.filterwarnings("ignore", message=".*not writable.*")
                    yield {k: torch.from_numpy(v) if v.dtype != object else v
                           for k, v in batch.items()}

    return _Lake()


def hf_dataset(path: str, kms: Any = None, **kwargs: Any) -> Any:
    """A Hugging Face ``datasets.Dataset`` built with ``Dataset.from_generator`` (lazy import)."""
    import datasets  # noqa: PLC0415 - optional dependency

    client = _client(kms, kwargs.pop("registry", None), kwargs.get("filesystem"))

    def rows() -> Iterator[dict[str, Any]]:
        for t in iter_batches(path, client, **kwargs):
            yield from t.to_pylist()

    return datasets.Dataset.from_generator(rows)


_ = (Kms, Union)
